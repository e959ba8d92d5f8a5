//! `mlab validate FILE`: check a lab file and report every problem.

use std::process::ExitCode;

use crate::cli::{Context, Failure, print_json};

/// Check a lab file: a one-line summary, or every error with its file, line and field
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A path to a lab file, or a lab name
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    /// Print the result as JSON on stdout (for editors and CI): `ok`, and every error with
    /// its file, line, column, field, message and help
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    if args.json {
        return run_json(ctx, &args.lab);
    }
    let (composed, lab) = ctx.load_lab(&args.lab)?;
    let bases = composed.bases();
    let extends = if bases.is_empty() { String::new() } else { format!(" (extends {})", bases.join(" <- ")) };
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

/// `--json`: the verdict on stdout whatever it is; exit 2 when the lab is invalid, as without it.
fn run_json(ctx: &Context, reference: &str) -> Result<ExitCode, Failure> {
    match ctx.load_lab(reference) {
        Ok((_, lab)) => {
            print_json(&serde_json::json!({"ok": true, "lab": lab.name, "nodes": lab.nodes.len(), "errors": []}))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(Failure::Lab(diagnostics)) => {
            let errors: Vec<_> = diagnostics.0.iter().map(|d| d.json()).collect();
            print_json(&serde_json::json!({"ok": false, "errors": errors}))?;
            Ok(ExitCode::from(2))
        }
        Err(other) => Err(other),
    }
}
