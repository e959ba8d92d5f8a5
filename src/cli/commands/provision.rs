//! `mlab provision [NODE] [--step S] [--force]`: run provisioning steps again.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, NodeProgress};
use mlab::provision::{ProvisionOptions, ProvisionReport, StepStatus};
use mlab::state::LabLock;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, print_json};

/// Run the lab's provisioning steps on its running nodes (finished, unchanged steps are skipped)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this node
    pub node: Option<String>,
    /// Only this step (e.g. zookeeper, mesos-agent; see `mlab plan`)
    #[arg(long)]
    pub step: Option<String>,
    /// Run steps again even if they finished with the same inputs
    #[arg(long)]
    pub force: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let progress = if args.json { NodeProgress::hidden() } else { NodeProgress::stderr() };
    let report = block_on(async {
        let (_conn, mut instance) = args.target.open(ctx).await?;
        let _lock = LabLock::acquire(&instance.dir, "mlab provision").map_err(|e| Failure::Other(e.into()))?;
        // Read the state again under the lock: what was read before it may be stale by now,
        // and saving it would lose another command's changes.
        instance.state = mlab::state::LabState::load(&instance.dir)
            .map_err(|e| Failure::Other(e.into()))?
            .ok_or_else(|| Failure::Other(anyhow::anyhow!("lab `{}` was destroyed meanwhile", instance.name())))?;
        let nodes: Vec<String> = match &args.node {
            Some(node) => vec![instance.node(node).map_err(lifecycle_failure)?.name.clone()],
            None => instance.lab.autostart_nodes().map(|n| n.name.clone()).collect(),
        };
        let sessions = lifecycle::connect_sessions(&instance.dir, &instance.lab, &nodes, Duration::from_secs(60)).await.map_err(lifecycle_failure)?;
        let opts = ProvisionOptions { force: args.force, nodes, step: args.step.clone() };
        let lab = instance.lab.clone();
        lifecycle::provision_lab(&instance.dir, &mut instance.state, &lab, &ctx.provisioners(), &sessions, &opts, &progress).await.map_err(lifecycle_failure)
    })??;
    if args.json {
        print_json(&report)?;
    } else {
        print_summary(&report);
    }
    Ok(ExitCode::SUCCESS)
}

/// What ran, what was unchanged, and what waits for artifacts (never reported as running).
pub fn print_summary(report: &ProvisionReport) {
    let mut by_node: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in report.steps.iter().filter(|s| matches!(s.status, StepStatus::Done | StepStatus::Unchanged)) {
        by_node.entry(&s.node).or_default().push(&s.step);
    }
    for (node, steps) in &by_node {
        println!("{node}: provisioned {}", steps.join(", "));
    }
    let mut waiting: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in report.steps.iter().filter(|s| s.status == StepStatus::Skipped) {
        waiting.entry(s.note.as_deref().unwrap_or("")).or_default().push(&s.step);
    }
    for (why, steps) in &waiting {
        let mut steps = steps.clone();
        steps.sort();
        steps.dedup();
        println!("not provisioned ({}): {why}", steps.join(", "));
    }
    println!(
        "steps: {} ran, {} unchanged, {} waiting for artifacts",
        report.count(StepStatus::Done),
        report.count(StepStatus::Unchanged),
        report.count(StepStatus::Skipped)
    );
}
