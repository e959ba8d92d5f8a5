//! Waiting for cloud-init before the first step: it restarts sshd and writes files that
//! provisioning must not race with.

use std::collections::HashMap;
use std::sync::Arc;

use super::ProvisionError;
use crate::ssh::Session;
use crate::tasks::join_all;

/// Wait until cloud-init has finished on every node of `sessions`.
pub async fn wait_for_cloud_init(sessions: &HashMap<String, Arc<Session>>) -> Result<(), ProvisionError> {
    let mut waiting = tokio::task::JoinSet::new();
    for (node, session) in sessions {
        let (node, session) = (node.clone(), Arc::clone(session));
        waiting.spawn(async move {
            // 0: done; 2: done with recoverable errors (still usable).
            let out = session
                .exec_capture("cloud-init status --wait >/dev/null 2>&1; echo $?")
                .await
                .map_err(|source| ProvisionError::Ssh { node: node.clone(), source })?;
            let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if code != "0" && code != "2" {
                return Err(ProvisionError::CloudInit { node, code });
            }
            Ok(())
        });
    }
    let (_, first_error) = join_all(waiting, |e| ProvisionError::Task(e.to_string())).await;
    first_error.map_or(Ok(()), Err)
}
