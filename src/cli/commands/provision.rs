//! `mlab provision [NODE] [--step S] [--force]`: run provisioning steps again.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, Settings};
use mlab::provision::ProvisionOptions;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, print_json};

/// Run the lab's provisioning steps on its running nodes (finished, unchanged steps are skipped)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this node
    #[arg(value_parser = crate::cli::names::node, add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::node_names))]
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
    let settings = Settings {
        provision: Some(ProvisionOptions { force: args.force, nodes: Vec::new(), step: args.step.clone() }),
        ssh_timeout: Duration::from_secs(60),
        ..Settings::new(ctx.provisioners())
    };
    let report = block_on(async {
        let mut lab = args.target.lock(ctx, "mlab provision", settings, progress_for(args.json)).await?;
        lifecycle::provision(&mut lab, args.node.as_deref()).await.map_err(lifecycle_failure)
    })??;
    if args.json {
        print_json(&report)?;
    } else {
        crate::cli::reports::provision(&report);
    }
    Ok(ExitCode::SUCCESS)
}
