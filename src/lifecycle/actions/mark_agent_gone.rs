//! remove-agent: tell the leading master the removed agent is gone for good, so it is not kept
//! as an unreachable ghost. Not being able to tell it is reported, not an error: the VM is gone.

use crate::lifecycle::{LabContext, LifecycleError, readiness};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let Some((node, fqdn)) = ctx.record.removed.clone() else { return Ok(()) };
    ctx.record.marked_gone = Some(match readiness::mark_agent_gone(&ctx.lab, &ctx.sessions, &fqdn).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(format!("no Mesos master knew an agent {fqdn}")),
        Err(e) => Err(format!("could not tell the Mesos master that {node} is gone: {e}")),
    });
    Ok(())
}
