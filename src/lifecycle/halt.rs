//! `mlab halt [NODE]`: shut nodes down gracefully, in parallel; disks are kept.

use std::sync::Arc;
use std::time::Duration;

use super::{Instance, LifecycleError, task_failed};
use crate::progress::NodeProgress;
use crate::provider::Connected;
use crate::provider::NodeState;
use crate::state::LabLock;
use crate::tasks::join_all;

/// How long a guest gets to shut down cleanly before it is forced off.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(90);

/// Stop `only` (or every running node). Returns the nodes stopped.
pub async fn halt(conn: &Connected, instance: &Instance, only: Option<&str>, progress: &NodeProgress) -> Result<Vec<String>, LifecycleError> {
    let _lock = LabLock::acquire(&instance.dir, "mlab halt")?;
    if let Some(node) = only {
        instance.node(node)?;
    }
    let running: Vec<String> = conn
        .provider
        .list_nodes(instance.name())
        .await?
        .into_iter()
        .filter(|n| n.state == NodeState::Running && only.is_none_or(|o| o == n.name))
        .map(|n| n.name)
        .collect();
    let mut stopping = tokio::task::JoinSet::new();
    for name in running.clone() {
        let provider = Arc::clone(&conn.provider);
        let lab = instance.name().to_string();
        let line = progress.line(&name);
        stopping.spawn(async move {
            line.set_message("shutting down");
            let r = provider.stop_node(&lab, &name, SHUTDOWN_GRACE).await;
            line.finish_with_message(if r.is_ok() { "stopped" } else { "failed to stop" });
            r.map_err(LifecycleError::from)
        });
    }
    let (_, first_error) = join_all(stopping, task_failed).await;
    first_error.map_or(Ok(running), Err)
}
