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
    /// Also ask every service whether it is ready (over SSH, through its own API)
    #[arg(long)]
    pub services: bool,
    /// Print JSON (with --services: an object with `nodes` and `services`)
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let provisioners = ctx.provisioners();
    let (rows, services) = block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        let rows = lifecycle::status(&conn, &instance).await.map_err(lifecycle_failure)?;
        let services = if args.services {
            let running: Vec<String> = rows.iter().filter(|r| r.state == "running" && instance.lab.node(&r.name).is_some()).map(|r| r.name.clone()).collect();
            Some(lifecycle::readiness::services_now(&instance, &provisioners, &running).await.map_err(lifecycle_failure)?)
        } else {
            None
        };
        Ok::<_, Failure>((rows, services))
    })??;
    let status = if services.as_ref().is_none_or(|s| s.all_ready()) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if args.json {
        match &services {
            Some(services) => print_json(&serde_json::json!({ "nodes": rows, "services": services }))?,
            None => print_json(&rows)?,
        }
        return Ok(status);
    }
    let mut t = table(&["NODE", "IP", "STATE", "ROLES"]);
    for r in &rows {
        t.add_row([r.name.clone(), r.ip.clone(), r.state.clone(), r.roles.join(", ")]);
    }
    println!("{t}");
    for r in rows.iter().filter(|r| r.drift.is_some()) {
        println!("drift: {}: {}", r.name, r.drift.as_deref().unwrap_or_default());
    }
    if let Some(services) = &services {
        crate::cli::reports::readiness(services);
    }
    Ok(status)
}
