//! `mlab list`: every lab on this host.

use std::process::ExitCode;

use mlab::lifecycle;

use crate::cli::lab_args::{ProviderArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure, print_json, table};

/// List the labs on this host and how many of their nodes run; with --connect, every lab on
/// that server and whose it is
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(_ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let labs = block_on(lifecycle::list_labs(&mlab::paths::labs_dir(), &args.provider.options()))?.map_err(lifecycle_failure)?;
    if args.json {
        print_json(&labs)?;
        return Ok(ExitCode::SUCCESS);
    }
    if labs.is_empty() {
        println!("no labs on this host; create one with `mlab up LAB` (see `mlab labs`)");
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(&["LAB", "RUNNING", "OWNER", "FROM"]);
    for l in &labs {
        let owner = match (&l.owner, l.this_home) {
            (_, true) => "this home".to_string(),
            (Some(owner), false) => owner.clone(),
            (None, false) => "unknown (made before owners were recorded)".to_string(),
        };
        t.add_row([l.name.clone(), format!("{}/{}", l.nodes_running, l.nodes_total), owner, l.source.clone()]);
    }
    println!("{t}");
    Ok(ExitCode::SUCCESS)
}
