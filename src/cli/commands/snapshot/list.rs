//! `mlab snapshot list`.

use std::process::ExitCode;

use mlab::lifecycle::snapshot;

use crate::cli::lab_args::{LabArgs, lifecycle_failure};
use crate::cli::{Context, Failure, print_json, reports, table};

/// List the lab's snapshots
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    let snapshots = snapshot::list(&instance.dir).map_err(lifecycle_failure)?;
    if args.json {
        print_json(&snapshots)?;
    } else if snapshots.is_empty() {
        println!("lab {} has no snapshots; take one with `mlab snapshot save NAME`", instance.name());
    } else {
        let mut t = table(&["SNAPSHOT", "TAKEN", "NODES", "WITH MEMORY"]);
        for s in &snapshots {
            let nodes: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
            t.add_row([s.name.clone(), reports::when(s.created_at), nodes.join(" "), s.running().collect::<Vec<_>>().join(" ")]);
        }
        println!("{t}");
    }
    Ok(ExitCode::SUCCESS)
}
