//! snapshot restore: check that every saved node still has the snapshot, remove the nodes made
//! since, revert each saved node (left paused), resume those that ran together, and put the
//! lab's state back as it was.

use std::sync::Arc;

use crate::lifecycle::snapshot::{LabSnapshot, on_each_node};
use crate::lifecycle::{LabContext, LifecycleError};

pub async fn run(ctx: &mut LabContext, name: &str) -> Result<(), LifecycleError> {
    let lab = ctx.name().to_string();
    let snapshot = LabSnapshot::load(&ctx.dir, name)?;
    let provider = Arc::clone(&ctx.conn.provider);
    // Checked before anything changes: a node removed since has lost its snapshot with its disk.
    for node in &snapshot.nodes {
        if !provider.snapshots(&lab, &node.name).await?.iter().any(|s| s == name) {
            return Err(LifecycleError::Other(format!(
                "node `{}` no longer has snapshot `{name}` (it was removed or rebuilt since), so the lab cannot be put back as it was; \
                 `mlab snapshot delete {name}` forgets the snapshot",
                node.name
            )));
        }
    }
    let later: Vec<String> = provider.list_nodes(&lab).await?.into_iter().map(|n| n.name).filter(|n| !snapshot.nodes.iter().any(|s| s.name == *n)).collect();
    for node in &later {
        let line = ctx.line(node);
        line.set_message("removing (made after the snapshot)");
        provider.destroy_node(&lab, node).await?;
        line.finish_with_message("removed");
    }
    ctx.record.removed_nodes = later;

    let all: Vec<String> = snapshot.nodes.iter().map(|n| n.name.clone()).collect();
    let running: Vec<String> = snapshot.running().map(str::to_string).collect();
    for node in &all {
        ctx.line(node).set_message(format!("restoring {name}"));
    }
    let name = name.to_string();
    on_each_node(&provider, &lab, &all, move |p, lab, node| {
        let name = name.clone();
        async move { p.revert_snapshot(&lab, &node, &name).await }
    })
    .await?;
    on_each_node(&provider, &lab, &running, |p, lab, node| async move { p.resume_node(&lab, &node).await }).await?;
    ctx.record.resumed_s = ctx.began.elapsed().as_secs_f64();
    for n in &snapshot.nodes {
        ctx.line(&n.name).set_message(if n.running { "running again" } else { "restored (off, as it was)" });
    }

    ctx.state = snapshot.state.clone();
    ctx.save()?;
    ctx.replan()?;
    ctx.targets = running;
    Ok(())
}
