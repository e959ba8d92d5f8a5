//! `mlab plan LAB --out DIR`: every rendered file, per node, without touching a hypervisor.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Context, Failure};

/// Write every file the lab's provisioning would use, per node, into DIR (a dry run to read and diff)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name or a path to a lab file
    pub lab: String,
    /// Where to write the files: DIR/<node>/<guest path>
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (_, _lab) = ctx.load_lab(&args.lab)?;
    let _ = args.out;
    Err(anyhow::anyhow!("plan: rendering is being merged").into())
}
