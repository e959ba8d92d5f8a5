//! `mlab add-agent`: one more agent (or N), wired into the running lab.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, AddAgentOptions, Settings};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, print_json};

/// Start the lab's spare agents, or add new ones, wired into the running cluster
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many agents
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// vCPUs of new agents (spares declared in the lab file keep theirs)
    #[arg(long)]
    pub cpus: Option<u32>,
    /// Memory of new agents, e.g. 2048 or 2G
    #[arg(long, value_parser = parse_memory)]
    pub memory: Option<u64>,
    /// Seconds each node may take to answer SSH
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: LabArgs,
}

fn parse_memory(text: &str) -> Result<u64, String> {
    serde_yaml_ng::from_str::<mlab::lab::size::Memory>(text).map(|m| m.0).map_err(|e| e.to_string())
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let settings = Settings { ssh_timeout: Duration::from_secs(args.timeout), ..Settings::new(ctx.provisioners()) };
    let opts = AddAgentOptions { count: args.count, cpus: args.cpus, memory_mib: args.memory };
    let report = block_on(async {
        let mut lab = args.target.lock(ctx, "mlab add-agent", settings, progress_for(args.json)).await?;
        lifecycle::add_agents(&mut lab, opts).await.map_err(lifecycle_failure)
    })??;
    // The new agents must register like every other service is checked: live.
    let status = if report.up.readiness.as_ref().is_none_or(|r| r.all_ready()) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if args.json {
        print_json(&report)?;
        return Ok(status);
    }
    let mut names = report.started_spares.clone();
    names.extend(report.added.iter().cloned());
    if let Some(p) = &report.up.provision {
        crate::cli::reports::provision(p);
    }
    for n in report.up.nodes.iter().filter(|n| names.contains(&n.name)) {
        println!("agent {} is up at {}", n.name, n.ip);
    }
    if let Some(readiness) = &report.up.readiness {
        crate::cli::reports::readiness(readiness);
    }
    Ok(status)
}
