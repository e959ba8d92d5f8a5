//! `mlab ssh-config`: an OpenSSH config block for the lab, for ssh, scp, rsync and editors.

use std::process::ExitCode;

use mlab::lifecycle;

use crate::cli::lab_args::LabArgs;
use crate::cli::{Context, Failure};

/// Print an OpenSSH config block for the lab's nodes (same key, pinned host keys)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    let targets: Vec<_> = instance.lab.autostart_nodes().map(|n| lifecycle::ssh_target(&instance.dir, n)).collect();
    print!("{}", mlab::ssh::ssh_config_block(&targets).map_err(|e| anyhow::anyhow!(e))?);
    Ok(ExitCode::SUCCESS)
}
