//! `mlab halt [NODE]`: shut the lab's nodes down, keeping their disks.

use std::process::ExitCode;

use mlab::lifecycle;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure};

/// Shut down the lab's running nodes (or one node); `mlab up` starts them again
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this node
    #[arg(value_parser = crate::cli::names::node, add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::node_names))]
    pub node: Option<String>,
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let progress = crate::cli::lab_args::progress_for(false);
    let (lab, stopped) = block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        let stopped = lifecycle::halt(&conn, &instance, args.node.as_deref(), &progress).await.map_err(lifecycle_failure)?;
        Ok::<_, Failure>((instance.name().to_string(), stopped))
    })??;
    if stopped.is_empty() {
        println!("nothing running in lab {lab}");
    } else {
        println!("stopped {} in lab {lab}", stopped.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
