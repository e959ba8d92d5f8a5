//! SSH sessions to a lab's nodes, for commands that talk to running nodes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::spec::ssh_target;
use super::{LifecycleError, task_failed};
use crate::lab::ResolvedLab;
use crate::provision::ProvisionError;
use crate::ssh::Session;
use crate::state::LabDir;
use crate::tasks::join_all;

/// Open one SSH session per node (pinned host keys), waiting up to `timeout` for each.
pub async fn connect_sessions(dir: &LabDir, lab: &ResolvedLab, nodes: &[String], timeout: Duration) -> Result<HashMap<String, Arc<Session>>, LifecycleError> {
    let mut connecting = tokio::task::JoinSet::new();
    for name in nodes {
        let node = lab.node(name).ok_or_else(|| LifecycleError::Other(format!("no node {name} in the plan")))?;
        let target = ssh_target(dir, node);
        connecting.spawn(async move {
            let session = Session::connect(&target, timeout).await.map_err(|source| ProvisionError::Ssh { node: target.node.clone(), source })?;
            Ok::<_, LifecycleError>((target.node, Arc::new(session)))
        });
    }
    let (sessions, first_error) = join_all(connecting, task_failed).await;
    first_error.map_or(Ok(sessions.into_iter().collect()), Err)
}

/// Close the sessions this command opened (those no task still holds).
pub(crate) async fn close_sessions(sessions: HashMap<String, Arc<Session>>) {
    for session in sessions.into_values() {
        if let Ok(session) = Arc::try_unwrap(session) {
            let _ = session.close().await;
        }
    }
}
