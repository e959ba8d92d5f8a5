//! `mlab destroy`: remove every domain, disk, seed and the network of a lab, in parallel, then
//! the lab directory. Nothing of the lab is left in libvirt afterwards.

use std::sync::Arc;

use serde::Serialize;

use super::{LifecycleError, task_failed};
use crate::progress::NodeProgress;
use crate::provider::Connected;
use crate::state::{LabDir, LabLock};
use crate::tasks::join_all;

#[derive(Debug, Clone, Serialize)]
pub struct DestroyReport {
    pub lab: String,
    pub nodes_removed: Vec<String>,
    pub network_removed: bool,
    pub directory_removed: bool,
}

/// Destroy lab `dir.name`: whatever the provider has of it, whether or not the plan knows it.
pub async fn destroy(conn: &Connected, dir: &LabDir, progress: &NodeProgress) -> Result<DestroyReport, LifecycleError> {
    let lock = if dir.exists() { Some(LabLock::acquire(dir, "mlab destroy")?) } else { None };
    let mut nodes: Vec<String> = conn.provider.list_nodes(&dir.name).await?.into_iter().map(|n| n.name).collect();
    let network = conn.provider.network_exists(&dir.name).await?;
    if nodes.is_empty() && !network && !dir.exists() {
        return Err(LifecycleError::NoSuchLab(dir.name.clone()));
    }
    // A definition an interrupted `up` asked for may land after the listing above.
    nodes.extend(super::defining::await_late(conn.provider.as_ref(), dir, &nodes, progress).await?);
    let mut removing = tokio::task::JoinSet::new();
    for name in nodes {
        let provider = Arc::clone(&conn.provider);
        let lab = dir.name.clone();
        let line = progress.line(&name);
        removing.spawn(async move {
            line.set_message("removing");
            let r = provider.destroy_node(&lab, &name).await;
            line.finish_with_message(if r.is_ok() { "removed" } else { "failed" });
            r.map(|_| name).map_err(LifecycleError::from)
        });
    }
    let (mut removed, first_error) = join_all(removing, task_failed).await;
    if let Some(e) = first_error {
        return Err(e);
    }
    conn.provider.destroy_network(&dir.name).await?;
    if let Some(path) = crate::state::LabState::load(dir).ok().flatten().and_then(|s| s.host_entries) {
        crate::hostfile::update(&path, &dir.name, None).map_err(LifecycleError::Other)?;
    }
    drop(lock);
    // Only a directory mlab made for a lab is removed (it has the lab's host keys or state).
    let directory_removed = dir.exists() && (dir.state_file().is_file() || dir.root.join("hostkeys").is_dir());
    if directory_removed {
        std::fs::remove_dir_all(&dir.root).map_err(|e| crate::state::StateError::io("remove", &dir.root, e))?;
    }
    removed.sort();
    Ok(DestroyReport { lab: dir.name.clone(), nodes_removed: removed, network_removed: network, directory_removed })
}
