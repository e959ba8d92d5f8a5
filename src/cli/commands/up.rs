//! `mlab up LAB`: build the lab's VMs and report what is ready.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, NodeProgress, UpOptions};
use mlab::provision::ProvisionOptions;
use mlab::state::{LabDir, LabState};

use crate::cli::lab_args::{ProviderArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, print_json, table};

/// Create and start a lab's VMs (what is missing or stopped), wait until each answers SSH
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name (see `mlab labs`) or a path to a lab file
    #[arg(default_value = "mini-cluster")]
    pub lab: String,
    /// Name of this lab instance on the host (default: the lab's name)
    #[arg(long)]
    pub name: Option<String>,
    /// Seconds each node may take to answer SSH
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
    /// Seconds services may take to answer after provisioning before `up` reports them not ready
    #[arg(long, default_value_t = 180, value_name = "SECONDS")]
    pub ready_timeout: u64,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
    /// Only create and boot the VMs; do not provision them
    #[arg(long)]
    pub no_provision: bool,
    /// Run provisioning steps again even where they finished with the same inputs
    #[arg(long)]
    pub force: bool,
    /// Also list the lab's nodes in this host's /etc/hosts (or the file given); needs root
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "/etc/hosts")]
    pub host_entries: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let catalog = ctx.catalog()?;
    // Record where the lab came from so later commands can re-plan it from any directory.
    let source = if mlab::lab::LabLibrary::is_path(&args.lab) {
        std::fs::canonicalize(&args.lab).map(|p| p.display().to_string()).unwrap_or(args.lab.clone())
    } else {
        args.lab.clone()
    };
    let planned = lifecycle::plan_instance(&ctx.library, &catalog, &args.lab, args.name.as_deref(), None).map_err(lifecycle_failure)?;
    let dir = LabDir::new(&mlab::paths::labs_dir(), &planned.name);
    // An existing lab keeps what was added to it (agents started or added on demand) and its
    // subnet; a new one gets a subnet of its own if its file's overlaps a lab already here.
    let (lab, network) = match LabState::load(&dir).map_err(|e| Failure::Other(e.into()))? {
        Some(state) if state.source != source => {
            return Err(anyhow::anyhow!(
                "a lab named `{}` already exists on this host, made from {}; give this one another name with `--name`, or `mlab destroy --lab {}` first",
                planned.name,
                state.source,
                planned.name
            )
            .into());
        }
        Some(state) => (lifecycle::plan_instance(&ctx.library, &catalog, &args.lab, args.name.as_deref(), Some(&state)).map_err(lifecycle_failure)?, None),
        None => {
            let (lab, moved) = lifecycle::plan_new_instance(&ctx.library, &catalog, &args.lab, args.name.as_deref()).map_err(lifecycle_failure)?;
            let network = moved.map(|(cidr, why)| {
                eprintln!("note: {why}");
                cidr
            });
            (lab, network)
        }
    };
    if !args.no_provision {
        // Software Debian does not ship: built here when that needs no network, else named.
        let cache = mlab::artifacts::ArtifactCache::default_location();
        let shown = if args.json { mlab::boxes::Progress::Hide } else { mlab::boxes::Progress::for_stderr() };
        for note in mlab::artifacts::prepare_for_lab(&cache, &ctx.provisioners(), &lab.artifacts, shown) {
            eprintln!("note: {note}");
        }
    }
    let progress = if args.json { NodeProgress::hidden() } else { NodeProgress::stderr() };
    let report = block_on(async {
        let conn = lifecycle::connect(&args.provider.options()).await?;
        if let Some(notice) = &conn.notice {
            eprintln!("note: {notice}");
        }
        let provision = (!args.no_provision).then(|| (ctx.provisioners(), ProvisionOptions { force: args.force, ..Default::default() }));
        let opts = UpOptions {
            source,
            ssh_timeout: Duration::from_secs(args.timeout),
            provision,
            host_entries: args.host_entries.clone(),
            ready_timeout: Duration::from_secs(args.ready_timeout),
            network,
        };
        lifecycle::up(&conn, &dir, &lab, &opts, &progress).await
    })?
    .map_err(lifecycle_failure)?;

    // A service the lab declares and mlab could run that does not answer fails the command.
    let ready = report.readiness.as_ref().is_none_or(|r| r.all_ready());
    let status = if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if args.json {
        print_json(&report)?;
        return Ok(status);
    }
    let mut t = table(&["NODE", "IP", "STATE", "BOOT"]);
    for n in &report.nodes {
        t.add_row([n.name.clone(), n.ip.clone(), n.state.clone(), n.boot_s.map(|s| format!("{s:.1} s")).unwrap_or_default()]);
    }
    println!("{t}");
    if let Some(p) = &report.provision {
        crate::cli::commands::provision::print_summary(p);
    }
    if report.already_up {
        println!("lab {} is already up; nothing to do ({:.1} s)", report.lab, report.total_s);
    } else {
        let overhead = if report.slowest_boot_s > 0.0 { report.booted_s / report.slowest_boot_s } else { 1.0 };
        println!(
            "lab {} up in {:.1} s: created {}, started {}; all nodes answered SSH at {:.1} s, the slowest guest's boot took {:.1} s ({:.2}x)",
            report.lab,
            report.total_s,
            report.created.len(),
            report.started.len(),
            report.booted_s,
            report.slowest_boot_s,
            overhead
        );
    }
    if let Some(readiness) = &report.readiness {
        print_readiness(readiness);
    }
    println!("next: `mlab ssh NODE`, `mlab status`");
    Ok(status)
}

/// The readiness report: one line per service, what was seen or why not.
pub fn print_readiness(report: &mlab::lifecycle::readiness::ReadinessReport) {
    use mlab::lifecycle::readiness::Readiness;
    let mut t = table(&["SERVICE", "STATE", "DETAIL"]);
    for s in &report.services {
        let state = match s.state {
            Readiness::Ready => "ready",
            Readiness::NotReady => "NOT READY",
            Readiness::NotAvailable => "not available",
        };
        t.add_row([s.title.clone(), state.to_string(), s.detail.clone()]);
    }
    println!("{t}");
}
