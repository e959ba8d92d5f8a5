//! `mlab snapshot save|restore|list|delete`: the whole lab at one instant, memory included, so
//! an instructor puts every student's lab back in seconds instead of rebuilding it.
//!
//! Each node's VM keeps its own snapshot (the provider's; on libvirt inside its qcow2 disk), and
//! the lab directory keeps `snapshots/NAME.json`: which nodes were saved, whether each was
//! running, and the lab's state at that instant (agents added on demand, finished steps), which
//! a restore puts back with the VMs. Every node is paused before any is saved and resumed
//! together afterwards, on save and on restore, so the nodes of a restored lab agree with each
//! other (a ZooKeeper quorum, a Mesos leader and its agents).

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::LifecycleError;
use crate::lab::fields::is_snapshot_name;
use crate::provider::{Connected, Provider, ProviderError};
use crate::state::{LabDir, LabLock, LabState, write_private};

/// What `snapshots/NAME.json` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabSnapshot {
    pub name: String,
    /// Unix time it was taken.
    pub created_at: u64,
    pub nodes: Vec<SavedNode>,
    /// The lab's state when it was taken.
    pub state: LabState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedNode {
    pub name: String,
    /// It was running, so its memory was saved too and a restore resumes it.
    pub running: bool,
}

impl LabSnapshot {
    /// The snapshot `name` of the lab in `dir`, or an error naming the ones it has.
    pub fn load(dir: &LabDir, name: &str) -> Result<LabSnapshot, LifecycleError> {
        check_name(name)?;
        let path = dir.snapshot(name);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| LifecycleError::Other(format!("the snapshot file {} is damaged ({e}); `mlab snapshot delete {name}` forgets it", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let known: Vec<String> = list(dir)?.into_iter().map(|s| s.name).collect();
                Err(LifecycleError::Other(format!(
                    "lab `{}` has no snapshot `{name}`; {}",
                    dir.name,
                    if known.is_empty() { "take one with `mlab snapshot save NAME`".to_string() } else { format!("it has: {}", known.join(", ")) }
                )))
            }
            Err(e) => Err(crate::state::StateError::io("read", &path, e).into()),
        }
    }

    pub(crate) fn write(&self, dir: &LabDir) -> Result<(), LifecycleError> {
        let folder = dir.snapshots();
        std::fs::create_dir_all(&folder).map_err(|e| crate::state::StateError::io("create", &folder, e))?;
        let path = dir.snapshot(&self.name);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| LifecycleError::Other(format!("cannot encode the snapshot {}: {e}", self.name)))?;
        Ok(write_private(&path, &bytes)?)
    }

    /// The nodes that were running when it was taken.
    pub fn running(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().filter(|n| n.running).map(|n| n.name.as_str())
    }
}

/// Call `f` for every node at once; every call finishes before this returns, with the first
/// error if any failed.
pub(crate) async fn on_each_node<F, Fut>(provider: &Arc<dyn Provider>, lab: &str, nodes: &[String], f: F) -> Result<(), LifecycleError>
where
    F: Fn(Arc<dyn Provider>, String, String) -> Fut,
    Fut: Future<Output = Result<(), ProviderError>> + Send + 'static,
{
    let mut calls = tokio::task::JoinSet::new();
    for node in nodes {
        calls.spawn(f(Arc::clone(provider), lab.to_string(), node.clone()));
    }
    let (_, first_error) = crate::tasks::join_all(calls, |e| ProviderError::Task(e.to_string())).await;
    first_error.map_or(Ok(()), |e| Err(e.into()))
}

pub(crate) fn check_name(name: &str) -> Result<(), LifecycleError> {
    if is_snapshot_name(name) {
        Ok(())
    } else {
        Err(LifecycleError::Other(format!(
            "`{name}` cannot name a snapshot: use letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters"
        )))
    }
}

/// The lab's snapshots, oldest first.
pub fn list(dir: &LabDir) -> Result<Vec<LabSnapshot>, LifecycleError> {
    let folder = dir.snapshots();
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(crate::state::StateError::io("read", &folder, e).into()),
    };
    let mut snapshots = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        if let Some(name) = file.strip_suffix(".json").filter(|n| is_snapshot_name(n)) {
            snapshots.push(LabSnapshot::load(dir, name)?);
        }
    }
    snapshots.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
    Ok(snapshots)
}

/// Forget snapshot `name`: each node's, then the lab's file (so a failure leaves it listed).
pub async fn delete(conn: &Connected, dir: &LabDir, name: &str) -> Result<LabSnapshot, LifecycleError> {
    let _lock = LabLock::acquire(dir, "mlab snapshot delete")?;
    let snapshot = LabSnapshot::load(dir, name)?;
    for node in &snapshot.nodes {
        conn.provider.delete_snapshot(&dir.name, &node.name, name).await?;
    }
    let path = dir.snapshot(name);
    std::fs::remove_file(&path).map_err(|e| crate::state::StateError::io("delete", &path, e))?;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_dir() -> (tempfile::TempDir, LabDir) {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = LabDir::new(tmp.path(), "demo");
        dir.create().expect("create");
        (tmp, dir)
    }

    #[test]
    fn snapshots_are_kept_with_the_state_they_were_taken_in_and_listed_oldest_first() {
        let (_tmp, dir) = lab_dir();
        assert!(list(&dir).expect("list").is_empty());
        let mut state = LabState { source: "mini-cluster".into(), ..Default::default() };
        state.started_on_demand.push("agent3".into());
        for (name, at) in [("after-kafka", 20), ("clean", 10)] {
            let s = LabSnapshot { name: name.into(), created_at: at, nodes: vec![SavedNode { name: "master1".into(), running: true }], state: state.clone() };
            s.write(&dir).expect("write");
        }
        let names: Vec<String> = list(&dir).expect("list").into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["clean", "after-kafka"]);
        let clean = LabSnapshot::load(&dir, "clean").expect("load");
        assert_eq!(clean.state.started_on_demand, ["agent3"]);
        assert_eq!(clean.running().collect::<Vec<_>>(), ["master1"]);
    }

    #[test]
    fn a_missing_snapshot_is_reported_with_the_ones_there_are() {
        let (_tmp, dir) = lab_dir();
        let err = LabSnapshot::load(&dir, "monday").expect_err("none yet").to_string();
        assert!(err.contains("mlab snapshot save NAME"), "{err}");
        LabSnapshot { name: "clean".into(), created_at: 1, nodes: vec![], state: LabState::default() }.write(&dir).expect("write");
        let err = LabSnapshot::load(&dir, "monday").expect_err("not this one").to_string();
        assert!(err.contains("it has: clean"), "{err}");
    }

    #[test]
    fn a_name_that_cannot_be_a_file_is_refused() {
        let (_tmp, dir) = lab_dir();
        for bad in ["../state", "", "-x", "a b", "x/y"] {
            let err = LabSnapshot::load(&dir, bad).expect_err(bad).to_string();
            assert!(err.contains("cannot name a snapshot"), "{bad}: {err}");
        }
    }
}
