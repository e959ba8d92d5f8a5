//! remove-agent: destroy an agent that add-agent brought in, forget it in the state, re-plan,
//! and target the nodes that remain.

use crate::lifecycle::{LabContext, LifecycleError, removable};

pub async fn run(ctx: &mut LabContext, node: &str) -> Result<(), LifecycleError> {
    // Checked again under the lock: the lab may have changed since the user confirmed.
    removable(&ctx.lab, &ctx.state, node)?;
    let fqdn = ctx.node(node)?.fqdn.clone();
    let line = ctx.line(node);
    line.set_message("removing");
    ctx.conn.provider.destroy_node(&ctx.dir.name, node).await?;
    line.finish_with_message("removed");
    ctx.state.started_on_demand.retain(|n| n != node);
    ctx.state.added_nodes.retain(|n| n.name != node);
    ctx.state.steps.remove(node);
    ctx.save()?;
    ctx.replan()?;
    ctx.target_running_nodes();
    ctx.record.removed = Some((node.to_string(), fqdn));
    Ok(())
}
