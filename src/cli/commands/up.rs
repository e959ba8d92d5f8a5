//! `mlab up LAB`: build the lab's VMs and report what is ready.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{self, LabContext, Settings};
use mlab::provision::ProvisionOptions;

use crate::cli::lab_args::{ProviderArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, print_report, reports};

/// Create and start a lab's VMs (what is missing or stopped), wait until each answers SSH
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name (see `mlab labs`) or a path to a lab file
    #[arg(default_value = "mini-cluster")]
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    /// Name of this lab instance on the host (default: the lab's name)
    #[arg(long, value_parser = crate::cli::names::lab)]
    pub name: Option<String>,
    /// Seconds each node may take to answer SSH
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Seconds services may take to answer after provisioning before `up` reports them not ready (under emulation ha-cluster's Marathons take about 6 minutes)
    #[arg(long, default_value_t = 420, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
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
    let source = mlab::lab::LabLibrary::source_of(&args.lab);
    let settings = Settings {
        provision: (!args.no_provision).then(|| ProvisionOptions { force: args.force, ..Default::default() }),
        ssh_timeout: Duration::from_secs(args.timeout),
        ready_timeout: Duration::from_secs(args.ready_timeout),
        artifact_progress: if args.json { mlab::boxes::Progress::Hide } else { mlab::boxes::Progress::for_stderr() },
        ..Settings::new(ctx.provisioners())
    };
    let planner = ctx.planner()?;
    let report = block_on(async {
        let mut lab =
            LabContext::open_or_create(planner, &args.lab, &source, args.name.as_deref(), &args.provider.options(), settings, progress_for(args.json)).await?;
        lifecycle::up(&mut lab, args.host_entries.clone()).await
    })?
    .map_err(lifecycle_failure)?;

    // A service the lab declares and mlab could run that does not answer fails the command.
    let status = if report.readiness.as_ref().is_none_or(|r| r.all_ready()) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    print_report(args.json, &report, reports::up)?;
    Ok(status)
}
