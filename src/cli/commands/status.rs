//! `mlab status`: the lab's nodes as the hypervisor sees them now.

use std::process::ExitCode;

use mlab::lifecycle;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, print_json, table};

/// Show the lab's nodes and their state, asked from the hypervisor (drift included)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: LabArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let rows = block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        lifecycle::status(&conn, &instance).await.map_err(lifecycle_failure)
    })??;
    if args.json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(&["NODE", "IP", "STATE", "ROLES"]);
    for r in &rows {
        t.add_row([r.name.clone(), r.ip.clone(), r.state.clone(), r.roles.join(", ")]);
    }
    println!("{t}");
    for r in rows.iter().filter(|r| r.drift.is_some()) {
        println!("drift: {}: {}", r.name, r.drift.as_deref().unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}
