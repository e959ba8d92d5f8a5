//! Waiting for cloud-init before the first step, on boxes that still run its later stages:
//! they restart sshd and write files that provisioning must not race with.
//!
//! Boxes `mlab box build` makes now mask those stages (`boxes::GUEST_SETUP` 2): everything a
//! seed asks for (users, keys, host name, network, disk growth, `bootcmd`) happens in the
//! init stages, and the guest serves our pinned host key only after they wrote it, so a node
//! that answered SSH is ready and nothing is waited for. The check runs in the guest, so a box
//! built by an older mlab (or added from an image) still gets the wait.

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
                .exec_capture(
                    "if [ \"$(systemctl is-enabled cloud-final.service 2>/dev/null)\" = masked ]; then echo 0; \
                     else cloud-init status --wait >/dev/null 2>&1; echo $?; fi",
                )
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
