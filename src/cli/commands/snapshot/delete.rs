//! `mlab snapshot delete NAME`: asks first (`--yes` when not on a terminal).

use std::process::ExitCode;

use mlab::lifecycle::snapshot;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, confirm};

/// Forget a snapshot (asks first; --yes when not on a terminal)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_parser = crate::cli::names::snapshot)]
    name: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
    #[command(flatten)]
    target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    snapshot::LabSnapshot::load(&instance.dir, &args.name).map_err(lifecycle_failure)?;
    if !confirm(args.yes, &format!("snapshot `{}` of lab `{}`", args.name, instance.name()))? {
        println!("kept snapshot {}", args.name);
        return Ok(ExitCode::SUCCESS);
    }
    block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        snapshot::delete(&conn, &instance.dir, &args.name).await.map_err(lifecycle_failure)
    })??;
    println!("deleted snapshot {} of lab {}", args.name, instance.name());
    Ok(ExitCode::SUCCESS)
}
