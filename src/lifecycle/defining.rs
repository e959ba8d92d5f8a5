//! VM definitions in flight, recorded in the lab directory ([`LabDir::defining`]).
//!
//! A provider may finish a definition after the client that asked for it died: libvirtd
//! completes a `virDomainDefineXML` whose caller was killed, and on a host whose QEMU probe is
//! slow that can take a minute and more. `destroy` run right after such a kill would list the
//! lab's VMs before the definition lands and leave a VM behind without its disk. So `up`
//! marks each node before asking and clears the mark once answered, and `destroy` waits for
//! the nodes still marked, no longer than a definition can take.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use crate::progress::NodeProgress;
use crate::provider::Provider;
use crate::state::{LabDir, StateError};

/// The longest a definition is waited for after it was asked: the slowest define measured
/// on a host with a broken /dev/kvm was 112 s.
pub const LONGEST_DEFINE: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_millis(500);

/// Mark `names` as being defined.
pub fn mark(dir: &LabDir, names: &[String]) -> Result<(), StateError> {
    let marks = dir.defining();
    std::fs::create_dir_all(&marks).map_err(|e| StateError::io("create", &marks, e))?;
    for name in names {
        let path = marks.join(name);
        std::fs::write(&path, b"").map_err(|e| StateError::io("write", &path, e))?;
    }
    Ok(())
}

/// The provider answered for `names` (either way): clear their marks.
pub fn clear(dir: &LabDir, names: &[String]) {
    for name in names {
        let _ = std::fs::remove_file(dir.defining().join(name));
    }
    let _ = std::fs::remove_dir(dir.defining());
}

/// The nodes marked as being defined, each with the time its definition was asked for.
pub fn pending(dir: &LabDir) -> Vec<(String, SystemTime)> {
    let Ok(entries) = std::fs::read_dir(dir.defining()) else { return Vec::new() };
    let mut marked: Vec<(String, SystemTime)> =
        entries.flatten().filter_map(|e| Some((e.file_name().into_string().ok()?, e.metadata().ok()?.modified().ok()?))).collect();
    marked.sort();
    marked
}

/// Wait until every marked node that `known` lacks is listed by the provider, or until the
/// longest a definition takes has passed since it was asked. Returns the nodes that appeared.
/// A mark older than that is not waited for: its definition has landed or never will.
pub async fn await_late(
    provider: &dyn Provider,
    dir: &LabDir,
    known: &[String],
    progress: &NodeProgress,
) -> Result<Vec<String>, crate::provider::ProviderError> {
    await_late_within(provider, dir, known, progress, LONGEST_DEFINE).await
}

async fn await_late_within(
    provider: &dyn Provider,
    dir: &LabDir,
    known: &[String],
    progress: &NodeProgress,
    longest: Duration,
) -> Result<Vec<String>, crate::provider::ProviderError> {
    let mut waiting: Vec<(String, SystemTime)> = pending(dir).into_iter().filter(|(name, _)| !known.contains(name)).collect();
    let lines: Vec<_> = waiting.iter().map(|(name, _)| (name.clone(), progress.line(name))).collect();
    for (_, line) in &lines {
        line.set_message("waiting for the definition an interrupted `up` asked for");
    }
    let mut appeared = BTreeSet::new();
    while !waiting.is_empty() {
        let listed = provider.list_nodes(&dir.name).await?;
        let now = SystemTime::now();
        waiting.retain(|(name, asked)| {
            if listed.iter().any(|n| &n.name == name) {
                appeared.insert(name.clone());
                return false;
            }
            now.duration_since(*asked).unwrap_or_default() < longest
        });
        if !waiting.is_empty() {
            tokio::time::sleep(POLL).await;
        }
    }
    for (name, line) in &lines {
        line.finish_with_message(if appeared.contains(name) { "defined late: removing" } else { "never defined" });
    }
    tracing::debug!(?appeared, "late definitions");
    Ok(appeared.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Connected, NetworkSpec, NodeInfo, NodeSpec, NodeState, ProviderError, ProviderKind, StopOutcome};
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A provider whose node appears only on the third listing, as a definition that lands
    /// after `destroy` first looked.
    struct LateDefine {
        listings: AtomicUsize,
        removed: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl Provider for LateDefine {
        async fn ensure_network(&self, _: &NetworkSpec) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn network_exists(&self, _: &str) -> Result<bool, ProviderError> {
            Ok(false)
        }
        async fn destroy_network(&self, _: &str) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn create_node(&self, _: &NodeSpec) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn start_node(&self, _: &str, _: &str) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn stop_node(&self, _: &str, _: &str, _: Duration) -> Result<StopOutcome, ProviderError> {
            Ok(StopOutcome::AlreadyStopped)
        }
        async fn destroy_node(&self, _: &str, node: &str) -> Result<(), ProviderError> {
            self.removed.lock().unwrap().push(node.to_string());
            Ok(())
        }
        async fn node_state(&self, _: &str, _: &str) -> Result<NodeState, ProviderError> {
            Ok(NodeState::Missing)
        }
        async fn list_nodes(&self, _: &str) -> Result<Vec<NodeInfo>, ProviderError> {
            let n = self.listings.fetch_add(1, Ordering::SeqCst);
            let late =
                NodeInfo { lab: "demo".into(), name: "master1".into(), state: NodeState::Stopped, ip: None, files: vec![], missing_files: vec![], owner: None };
            Ok(if n >= 2 { vec![late] } else { vec![] })
        }
        async fn list_all_nodes(&self) -> Result<Vec<NodeInfo>, ProviderError> {
            self.list_nodes("demo").await
        }
    }

    fn lab_dir() -> (tempfile::TempDir, LabDir) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = LabDir::new(tmp.path(), "demo");
        dir.create().expect("create");
        (tmp, dir)
    }

    #[tokio::test]
    async fn destroy_waits_for_a_definition_that_lands_late_and_removes_it() {
        let (_tmp, dir) = lab_dir();
        mark(&dir, &["master1".into(), "agent1".into()]).expect("mark");
        clear(&dir, &["agent1".into()]);
        assert_eq!(pending(&dir).into_iter().map(|(n, _)| n).collect::<Vec<_>>(), vec!["master1"]);
        let provider = Arc::new(LateDefine { listings: AtomicUsize::new(0), removed: Mutex::default() });
        let conn = Connected { provider: provider.clone(), kind: ProviderKind::Libvirt, uri: "fake:///".into(), notice: None };
        let report = crate::lifecycle::destroy(&conn, &dir, &NodeProgress::hidden()).await.expect("destroy");
        assert_eq!(report.nodes_removed, vec!["master1"]);
        assert_eq!(*provider.removed.lock().unwrap(), vec!["master1"], "the late VM was removed");
        assert!(provider.listings.load(Ordering::SeqCst) >= 3, "it polled until the node was listed");
        assert!(!dir.exists(), "then the lab directory went");
    }

    #[tokio::test]
    async fn an_old_mark_or_a_known_node_is_not_waited_for() {
        let (_tmp, dir) = lab_dir();
        mark(&dir, &["master1".into()]).expect("mark");
        let provider = LateDefine { listings: AtomicUsize::new(0), removed: Mutex::default() };
        // Known already (destroy listed it): nothing to wait for.
        let appeared = await_late_within(&provider, &dir, &["master1".into()], &NodeProgress::hidden(), Duration::from_secs(30)).await.expect("wait");
        assert!(appeared.is_empty());
        assert_eq!(provider.listings.load(Ordering::SeqCst), 0);
        // Asked longer ago than a definition takes: one look, then give up.
        let appeared = await_late_within(&provider, &dir, &[], &NodeProgress::hidden(), Duration::ZERO).await.expect("wait");
        assert!(appeared.is_empty());
        assert_eq!(provider.listings.load(Ordering::SeqCst), 1);
    }
}
