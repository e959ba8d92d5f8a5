//! `mlab destroy`: remove a lab entirely, after confirmation.

use std::process::ExitCode;

use mlab::lifecycle;
use mlab::state::LabState;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, confirm, print_json};

/// Delete a lab: its VMs, disks, network and directory (asks first; --yes when not on a terminal)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: LabArgs,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let planner = ctx.planner()?;
    let name = planner.choose(args.target.lab.as_deref()).map_err(lifecycle_failure)?;
    if !confirm(args.yes, &format!("lab `{name}`: every VM, its disks and its network"))? {
        println!("kept lab {name}");
        return Ok(ExitCode::SUCCESS);
    }
    let dir = planner.dir(&name);
    // The provider the lab was made with, when its state says; the options otherwise (a lab
    // whose directory is gone is still found by its name at the provider).
    let options = match LabState::load(&dir) {
        Ok(Some(state)) => args.target.provider.options().or_saved(&state.provider, &state.uri).map_err(|e| Failure::Other(e.into()))?,
        _ => args.target.provider.options(),
    };
    let progress = progress_for(args.json);
    let report = block_on(async {
        let conn = mlab::provider::connect(&options).await?;
        lifecycle::destroy(&conn, &dir, &progress).await
    })?
    .map_err(lifecycle_failure)?;
    if args.json {
        print_json(&report)?;
    } else {
        println!(
            "destroyed lab {}: {} node{} removed, network {}, directory {}",
            report.lab,
            report.nodes_removed.len(),
            if report.nodes_removed.len() == 1 { "" } else { "s" },
            if report.network_removed { "removed" } else { "was already gone" },
            if report.directory_removed { "removed" } else { "was already gone" },
        );
    }
    Ok(ExitCode::SUCCESS)
}
