//! `mlab remove-agent NAME`: remove an agent that add-agent brought in.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, Settings};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, confirm, print_json};

/// Remove an agent started by add-agent: destroy its VM and drop it from every node's host entries
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agent
    #[arg(value_parser = crate::cli::names::node, add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::node_names))]
    pub node: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let settings = Settings { ssh_timeout: Duration::from_secs(120), ..Settings::new(ctx.provisioners()) };
    let report = block_on(async {
        // Asked before the lab is locked (a prompt must not keep other commands waiting); the
        // removal checks again under the lock.
        let (_, instance) = args.target.open(ctx).await?;
        lifecycle::removable(&instance.lab, &instance.state, &args.node).map_err(lifecycle_failure)?;
        let what = format!("agent `{}` of lab `{}`: its VM and disk are destroyed, every node forgets it", args.node, instance.name());
        if !confirm(args.yes, &what)? {
            return Ok(None);
        }
        let mut lab = args.target.lock(ctx, "mlab remove-agent", settings, progress_for(args.json)).await?;
        lifecycle::remove_agent(&mut lab, &args.node).await.map(Some).map_err(lifecycle_failure)
    })??;
    match report {
        None => println!("kept {}", args.node),
        Some(r) if args.json => print_json(&r)?,
        Some(r) => println!("removed agent {}; host entries rewritten on {} nodes", r.removed, r.provision.steps.iter().filter(|s| s.step == "common").count()),
    }
    Ok(ExitCode::SUCCESS)
}
