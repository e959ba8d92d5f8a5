//! An SSH session to every target node (host keys pinned), waiting for each to answer; a node
//! that does not is reported with the end of its console log.

use std::sync::Arc;
use std::time::Instant;

use crate::lifecycle::spec::ssh_target;
use crate::lifecycle::{LabContext, LifecycleError, task_failed};
use crate::ssh::Session;
use crate::tasks::join_all;

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let timeout = ctx.settings.ssh_timeout;
    let waiting: Vec<_> = ctx.target_nodes().filter(|n| !ctx.sessions.contains_key(&n.name)).map(|n| ssh_target(&ctx.dir, n)).collect();
    let mut connecting = tokio::task::JoinSet::new();
    for target in waiting {
        let line = ctx.line(&target.node);
        let console = ctx.dir.console_log(&target.node);
        connecting.spawn(async move {
            line.set_message(format!("waiting for SSH on {}", target.host));
            match Session::connect(&target, timeout).await {
                Ok(session) => {
                    line.finish_with_message(format!("answers SSH at {}", target.host));
                    Ok((target.node.clone(), Instant::now(), session))
                }
                // A key that cannot be read or a host key that does not match is no matter of
                // waiting: it is reported as itself.
                Err(e) if !matches!(e, crate::ssh::SshError::Deadline { .. }) => {
                    line.finish_with_message("SSH refused");
                    Err(LifecycleError::Ssh(e))
                }
                Err(e) => {
                    line.finish_with_message("no SSH answer");
                    Err(LifecycleError::SshTimeout {
                        node: target.node.clone(),
                        address: target.host.clone(),
                        waited_s: timeout.as_secs(),
                        reason: e.to_string(),
                        tail: console_tail(&console, 8),
                        console: console.display().to_string(),
                    })
                }
            }
        });
    }
    let (connected, first_error) = join_all(connecting, task_failed).await;
    for (name, answered, session) in connected {
        if let Some(started) = ctx.record.start_times.get(&name) {
            ctx.record.boot_s.insert(name.clone(), answered.duration_since(*started).as_secs_f64());
        }
        ctx.sessions.insert(name, Arc::new(session));
    }
    ctx.record.booted_s = ctx.began.elapsed().as_secs_f64();
    first_error.map_or(Ok(()), Err)
}

/// The last `n` lines of a node's console log, for the error of a node that never answered.
fn console_tail(console: &std::path::Path, n: usize) -> String {
    std::fs::read_to_string(console)
        .map(|text| {
            let lines: Vec<&str> = text.lines().collect();
            format!("\n  last console lines:\n    {}", lines[lines.len().saturating_sub(n)..].join("\n    "))
        })
        .unwrap_or_default()
}
