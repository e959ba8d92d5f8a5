//! `mlab artifact export --lab LAB FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use mlab::artifacts::{ArtifactCache, bundle};

use crate::cli::{Context, Failure};

/// Write what a lab stages into one bundle file (for hosts with no network)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    lab: String,
    file: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (_, needed) = super::artifacts_for(ctx, Some(&args.lab))?;
    let cache = ArtifactCache::default_location();
    let written = bundle::export(&cache, &ctx.provisioners(), &needed.unwrap_or_default(), &args.file).map_err(super::failure)?;
    println!("{}: {}", args.file.display(), written.join(", "));
    Ok(ExitCode::SUCCESS)
}
