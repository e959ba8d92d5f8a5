//! `mlab remove-agent NAME`: remove an agent that add-agent brought in.

use std::process::ExitCode;

use mlab::lifecycle::{self, NodeProgress};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, confirm, print_json};

/// Remove an agent started by add-agent: destroy its VM and drop it from every node's host entries
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agent
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
    let progress = if args.json { NodeProgress::hidden() } else { NodeProgress::stderr() };
    let catalog = ctx.catalog()?;
    let report = block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        lifecycle::removable(&instance, &args.node).map_err(lifecycle_failure)?;
        let what = format!("agent `{}` of lab `{}`: its VM and disk are destroyed, every node forgets it", args.node, instance.name());
        if !confirm(args.yes, &what)? {
            return Ok(None);
        }
        lifecycle::remove_agent(&conn, &ctx.library, &catalog, &instance, &args.node, &ctx.provisioners(), &progress).await.map(Some).map_err(lifecycle_failure)
    })??;
    match report {
        None => println!("kept {}", args.node),
        Some(r) if args.json => print_json(&r)?,
        Some(r) => println!("removed agent {}; host entries rewritten on {} nodes", r.removed, r.provision.steps.iter().filter(|s| s.step == "common").count()),
    }
    Ok(ExitCode::SUCCESS)
}
