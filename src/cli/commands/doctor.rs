//! `mlab doctor`: check this host can run a lab, and say what to fix.

use std::process::ExitCode;

use mlab::boxes::BoxStore;
use mlab::check::Status;
use mlab::doctor::{self, Inputs};

use crate::cli::lab_args::ProviderArgs;
use crate::cli::{Context, Failure, print_json, table};

/// Check the host: libvirt, KVM, qemu, the lab's box, memory, disk, permissions, network namespace
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lab to check for (its box, memory and disks): a name or a path to a lab file
    #[arg(long = "lab-file", value_name = "LAB", default_value = "mini-cluster", add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

/// Exit code 1 when any check fails; warnings alone pass.
pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (_, lab) = ctx.load_lab(&args.lab)?;
    let provider = args.provider.options().or_lab(lab.provider);
    let home = mlab::paths::mlab_home();
    let boxes = BoxStore::open_default();
    let cache = mlab::artifacts::ArtifactCache::default_location();
    let artifacts = mlab::artifacts::availability(&cache, &ctx.provisioners(), &lab.artifacts, &lab.artifacts);
    let report = doctor::diagnose(&Inputs { provider: &provider, lab: &lab, home: &home, boxes: &boxes, artifacts: &artifacts });
    let code = if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if args.json {
        print_json(&report)?;
        return Ok(code);
    }
    let mut t = table(&["CHECK", "STATUS", "FOUND"]);
    for c in &report.checks {
        t.add_row([c.name.to_string(), c.status.as_str().to_string(), c.detail.clone()]);
    }
    println!("{t}");
    let to_fix: Vec<_> = report.checks.iter().filter(|c| c.status != Status::Ok).collect();
    if !to_fix.is_empty() {
        println!();
        for c in to_fix {
            println!("{} {}: {}", c.status.as_str(), c.name, c.fix.as_deref().unwrap_or_default());
        }
    }
    let verdict = if report.ok { "ready" } else { "not ready" };
    println!("\nlab {} on {}: {verdict}", report.lab, report.uri);
    Ok(code)
}
