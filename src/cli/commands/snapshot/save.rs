//! `mlab snapshot save NAME`.

use std::process::ExitCode;

use mlab::lifecycle::Settings;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, print_report, reports};

/// Save every node of the lab as NAME: disk and memory (the nodes pause while it is taken)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_parser = crate::cli::names::snapshot)]
    name: String,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let report = block_on(async {
        let mut lab = args.target.lock(ctx, "mlab snapshot save", Settings::new(ctx.provisioners()), progress_for(args.json)).await?;
        mlab::lifecycle::save_snapshot(&mut lab, &args.name).await.map_err(lifecycle_failure)
    })??;
    print_report(args.json, &report, reports::snapshot_saved)?;
    Ok(ExitCode::SUCCESS)
}
