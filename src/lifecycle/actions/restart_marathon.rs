//! Restart Marathon on the target nodes that run it, after a snapshot restore. Marathon 1.11
//! put back from a memory snapshot stops answering its API (seen in vm_mesos: `/v2/info` timed
//! out for the whole 180 s readiness wait after the restore, while ZooKeeper, Mesos and Chronos
//! restored from the same instant answered at once). Restarted, it re-elects a leader and
//! re-registers with the same framework id, and the apps' tasks, which run on the agents,
//! keep running.

use crate::lab::Role;
use crate::lifecycle::{LabContext, LifecycleError, task_failed};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let mut restarting = tokio::task::JoinSet::new();
    for node in ctx.target_nodes().filter(|n| n.has(Role::Marathon)).map(|n| n.name.clone()).collect::<Vec<_>>() {
        let Some(session) = ctx.sessions.get(&node).cloned() else { continue };
        restarting.spawn(async move {
            // Only where provisioning enabled it (a lab saved before provisioning has none).
            let cmd = "! systemctl is-enabled --quiet marathon.service || sudo -n systemctl restart marathon.service";
            match session.exec_capture(cmd).await {
                Ok(out) if out.status == 0 => Ok(()),
                Ok(out) => Err(LifecycleError::Other(format!("could not restart Marathon on `{node}`: {}", out.stderr_text().trim()))),
                Err(e) => Err(LifecycleError::Other(format!("could not restart Marathon on `{node}`: {e}"))),
            }
        });
    }
    let (_, first_error) = crate::tasks::join_all(restarting, task_failed).await;
    first_error.map_or(Ok(()), Err)
}
