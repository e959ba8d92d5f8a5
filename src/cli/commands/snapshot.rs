//! `mlab snapshot save|restore|list|delete`: the whole lab at one instant, memory included.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{Settings, snapshot};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure, progress_for};
use crate::cli::{Context, Failure, confirm, print_json, table};

/// Save the whole lab, memory included, and put it back in seconds
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SnapshotCommand {
    /// Save every node of the lab as NAME: disk and memory (the nodes pause while it is taken)
    Save {
        name: String,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: LabArgs,
    },
    /// Put the lab back as NAME had it, then check what is ready (asks first; --yes when not on a terminal)
    Restore {
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
    },
    /// List the lab's snapshots
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: LabArgs,
    },
    /// Forget a snapshot (asks first; --yes when not on a terminal)
    Delete {
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        target: LabArgs,
    },
}

fn when(unix: u64) -> String {
    chrono::DateTime::from_timestamp(i64::try_from(unix).unwrap_or(0), 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    match args.command {
        SnapshotCommand::Save { name, json, target } => {
            let report = block_on(async {
                let mut lab = target.lock(ctx, "mlab snapshot save", Settings::new(ctx.provisioners()), progress_for(json)).await?;
                snapshot::save(&mut lab, &name).await.map_err(lifecycle_failure)
            })??;
            if json {
                print_json(&report)?;
            } else {
                let memory = report.snapshot.running().count();
                println!(
                    "saved lab {} as {name}: {} node{} ({memory} with memory), paused {:.1} s, {:.1} s in all; `mlab snapshot restore {name}` puts it back",
                    report.lab,
                    report.snapshot.nodes.len(),
                    if report.snapshot.nodes.len() == 1 { "" } else { "s" },
                    report.paused_s,
                    report.total_s
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SnapshotCommand::Restore { name, yes, timeout, ready_timeout, json, target } => {
            let instance = target.instance(ctx)?;
            let taken = snapshot::LabSnapshot::load(&instance.dir, &name).map_err(lifecycle_failure)?;
            let what = format!(
                "what the nodes of lab `{}` hold now, to put back snapshot `{name}` of {} (nodes made since are removed)",
                instance.name(),
                when(taken.created_at)
            );
            if !confirm(yes, &what)? {
                println!("kept lab {} as it is", instance.name());
                return Ok(ExitCode::SUCCESS);
            }
            let settings =
                Settings { ssh_timeout: Duration::from_secs(timeout), ready_timeout: Duration::from_secs(ready_timeout), ..Settings::new(ctx.provisioners()) };
            let report = block_on(async {
                let mut lab = target.lock(ctx, "mlab snapshot restore", settings, progress_for(json)).await?;
                snapshot::restore(&mut lab, &name).await.map_err(lifecycle_failure)
            })??;
            let status = if report.readiness.as_ref().is_none_or(|r| r.all_ready()) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
            if json {
                print_json(&report)?;
                return Ok(status);
            }
            if !report.removed.is_empty() {
                println!("removed {} (made after the snapshot)", report.removed.join(", "));
            }
            println!(
                "restored lab {} to {name}: {} node{} running again at {:.1} s, answering SSH at {:.1} s, {:.1} s in all",
                report.lab,
                report.restored.len(),
                if report.restored.len() == 1 { "" } else { "s" },
                report.resumed_s,
                report.answered_s,
                report.total_s
            );
            if let Some(readiness) = &report.readiness {
                crate::cli::commands::up::print_readiness(readiness);
            }
            Ok(status)
        }
        SnapshotCommand::List { json, target } => {
            let instance = target.instance(ctx)?;
            let snapshots = snapshot::list(&instance.dir).map_err(lifecycle_failure)?;
            if json {
                print_json(&snapshots)?;
            } else if snapshots.is_empty() {
                println!("lab {} has no snapshots; take one with `mlab snapshot save NAME`", instance.name());
            } else {
                let mut t = table(&["SNAPSHOT", "TAKEN", "NODES", "WITH MEMORY"]);
                for s in &snapshots {
                    let nodes: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
                    t.add_row([s.name.clone(), when(s.created_at), nodes.join(" "), s.running().collect::<Vec<_>>().join(" ")]);
                }
                println!("{t}");
            }
            Ok(ExitCode::SUCCESS)
        }
        SnapshotCommand::Delete { name, yes, target } => {
            let instance = target.instance(ctx)?;
            snapshot::LabSnapshot::load(&instance.dir, &name).map_err(lifecycle_failure)?;
            if !confirm(yes, &format!("snapshot `{name}` of lab `{}`", instance.name()))? {
                println!("kept snapshot {name}");
                return Ok(ExitCode::SUCCESS);
            }
            block_on(async {
                let (conn, instance) = target.open(ctx).await?;
                snapshot::delete(&conn, &instance.dir, &name).await.map_err(lifecycle_failure)
            })??;
            println!("deleted snapshot {name} of lab {}", instance.name());
            Ok(ExitCode::SUCCESS)
        }
    }
}
