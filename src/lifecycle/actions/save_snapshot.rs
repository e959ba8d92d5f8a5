//! snapshot save: pause every running node, save each (memory and disk; disk alone for a node
//! that is off), resume them all, and record the snapshot with the lab's state. A snapshot that
//! fails on any node is deleted from every node, so none is left half-taken.

use std::sync::Arc;
use std::time::Instant;

use crate::lifecycle::snapshot::{LabSnapshot, SavedNode, on_each_node};
use crate::lifecycle::{LabContext, LifecycleError};
use crate::provider::NodeState;

pub async fn run(ctx: &mut LabContext, name: &str) -> Result<(), LifecycleError> {
    let lab = ctx.name().to_string();
    if ctx.dir.snapshot(name).exists() {
        return Err(LifecycleError::Other(format!("lab `{lab}` already has a snapshot `{name}`; pick another name, or `mlab snapshot delete {name}` first")));
    }
    let nodes = ctx.conn.provider.list_nodes(&lab).await?;
    if nodes.is_empty() {
        return Err(LifecycleError::Other(format!("lab `{lab}` has no VMs to save; bring it up with `mlab up` first")));
    }
    // A node between states would be saved in it (a paused node would restore paused, one
    // shutting down would restore shutting down): refused rather than guessed at.
    if let Some(odd) = nodes.iter().find(|n| !matches!(n.state, NodeState::Running | NodeState::Stopped)) {
        return Err(LifecycleError::Other(format!(
            "node `{}` is {}; wait until it runs or has stopped (`mlab up` or `mlab halt`), then save again",
            odd.name, odd.state
        )));
    }
    let saved: Vec<SavedNode> = nodes.iter().map(|n| SavedNode { name: n.name.clone(), running: n.state == NodeState::Running }).collect();
    let all: Vec<String> = saved.iter().map(|n| n.name.clone()).collect();
    let running: Vec<String> = saved.iter().filter(|n| n.running).map(|n| n.name.clone()).collect();
    for node in &all {
        ctx.line(node).set_message("saving");
    }

    let provider = Arc::clone(&ctx.conn.provider);
    let paused_at = Instant::now();
    let mut result = on_each_node(&provider, &lab, &running, |p, lab, node| async move { p.pause_node(&lab, &node).await }).await;
    if result.is_ok() {
        let name = name.to_string();
        result = on_each_node(&provider, &lab, &all, move |p, lab, node| {
            let name = name.clone();
            async move { p.save_snapshot(&lab, &node, &name).await }
        })
        .await;
    }
    // Whatever happened, nothing stays paused.
    let resumed = on_each_node(&provider, &lab, &running, |p, lab, node| async move { p.resume_node(&lab, &node).await }).await;
    ctx.record.paused_s = paused_at.elapsed().as_secs_f64();
    if let Err(e) = result {
        for node in &all {
            if let Err(cleanup) = provider.delete_snapshot(&lab, node, name).await {
                tracing::warn!(node, snapshot = name, error = %cleanup, "could not delete a half-taken snapshot");
            }
        }
        return Err(e);
    }
    resumed?;
    for n in &saved {
        ctx.line(&n.name).finish_with_message(if n.running { "saved, memory included" } else { "saved (disk; it was off)" });
    }
    let snapshot = LabSnapshot { name: name.to_string(), created_at: crate::state::now(), nodes: saved, state: ctx.state.clone() };
    snapshot.write(&ctx.dir)?;
    ctx.record.snapshot = Some(snapshot);
    // The running nodes lost the time they were paused: SetClocks puts it back.
    ctx.targets = running;
    Ok(())
}
