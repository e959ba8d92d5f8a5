//! Start the target nodes that are not running, all at once, noting when each started (its
//! boot time runs from there to its SSH answer).

use std::sync::Arc;
use std::time::Instant;

use crate::lifecycle::{LabContext, LifecycleError, task_failed};
use crate::provider::NodeState;
use crate::tasks::join_all;

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let existing = ctx.conn.provider.list_nodes(&ctx.dir.name).await?;
    let stopped: Vec<String> =
        ctx.target_nodes().filter(|n| !existing.iter().any(|e| e.name == n.name && e.state == NodeState::Running)).map(|n| n.name.clone()).collect();
    let mut starting = tokio::task::JoinSet::new();
    for name in stopped {
        let (provider, lab, line) = (Arc::clone(&ctx.conn.provider), ctx.dir.name.clone(), ctx.line(&name));
        starting.spawn(async move {
            line.set_message("starting");
            let began = Instant::now();
            provider.start_node(&lab, &name).await?;
            Ok::<_, LifecycleError>((name, began))
        });
    }
    let (started, first_error) = join_all(starting, task_failed).await;
    for (name, began) in started {
        ctx.record.start_times.insert(name.clone(), began);
        ctx.record.started.push(name);
    }
    ctx.record.started.sort();
    first_error.map_or(Ok(()), Err)
}
