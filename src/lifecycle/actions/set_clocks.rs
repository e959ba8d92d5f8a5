//! Set each target node's clock to the host's. A node that was paused (for a snapshot) or put
//! back to a saved instant goes on with the clock it had then: minutes or days behind, which
//! shows in every log line, job time and UI of the lab. No guest reaches a time server.

use crate::lifecycle::{LabContext, LifecycleError, task_failed};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let mut setting = tokio::task::JoinSet::new();
    for node in ctx.targets.clone() {
        let Some(session) = ctx.sessions.get(&node).cloned() else { continue };
        setting.spawn(async move {
            // Read the host's clock as late as possible, per node.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let cmd = format!("sudo -n date -u -s @{}.{:09} >/dev/null", now.as_secs(), now.subsec_nanos());
            match session.exec_capture(&cmd).await {
                Ok(out) if out.status == 0 => Ok(()),
                Ok(out) => Err(LifecycleError::Other(format!("could not set the clock of `{node}`: {}", out.stderr_text().trim()))),
                Err(e) => Err(LifecycleError::Other(format!("could not set the clock of `{node}`: {e}"))),
            }
        });
    }
    let (_, first_error) = crate::tasks::join_all(setting, task_failed).await;
    first_error.map_or(Ok(()), Err)
}
