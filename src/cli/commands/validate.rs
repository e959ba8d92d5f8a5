//! `mlab validate FILE`: check a lab file and report every problem.

use std::process::ExitCode;

use crate::cli::{Context, Failure};

/// Check a lab file: a one-line summary, or every error with its file, line and field
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A path to a lab file, or a lab name
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (composed, lab) = ctx.load_lab(&args.lab)?;
    let extends = match composed.chain.len() {
        0 | 1 => String::new(),
        _ => format!(
            " (extends {})",
            composed.chain[..composed.chain.len() - 1].iter().map(|id| id.trim_start_matches("builtin:")).collect::<Vec<_>>().join(" <- ")
        ),
    };
    println!(
        "ok: {}{extends}: {} nodes ({} started by `mlab up`), {} master{}, network {}",
        lab.name,
        lab.nodes.len(),
        lab.autostart_nodes().count(),
        lab.mesos.masters.len(),
        if lab.mesos.masters.len() == 1 { "" } else { "s" },
        lab.network.cidr
    );
    Ok(ExitCode::SUCCESS)
}
