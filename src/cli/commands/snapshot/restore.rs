//! `mlab snapshot restore NAME`: asks first (`--yes` when not on a terminal).

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{Settings, snapshot::LabSnapshot};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, confirm, print_report, reports};

/// Put the lab back as NAME had it, then check what is ready (asks first; --yes when not on a terminal)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_parser = crate::cli::names::snapshot)]
    name: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
    /// Seconds each node may take to answer SSH
    #[arg(long, default_value_t = 120, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// Seconds services may take to answer before the restore reports them not ready
    #[arg(long, default_value_t = 180, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    ready_timeout: u64,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    let taken = LabSnapshot::load(&instance.dir, &args.name).map_err(lifecycle_failure)?;
    let when = reports::when(taken.created_at);
    let what = format!("what the nodes of lab `{}` hold now, to put back snapshot `{}` of {when} (nodes made since are removed)", instance.name(), args.name);
    if !confirm(args.yes, &what)? {
        println!("kept lab {} as it is", instance.name());
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings {
        ssh_timeout: Duration::from_secs(args.timeout),
        ready_timeout: Duration::from_secs(args.ready_timeout),
        ..Settings::new(ctx.provisioners())
    };
    let report = block_on(async {
        let mut lab = args.target.lock(ctx, "mlab snapshot restore", settings, progress_for(args.json)).await?;
        mlab::lifecycle::restore_snapshot(&mut lab, &args.name).await.map_err(lifecycle_failure)
    })??;
    print_report(args.json, &report, reports::snapshot_restored)?;
    Ok(if report.readiness.as_ref().is_none_or(|r| r.all_ready()) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
