//! `mlab artifact import PATH...`: files recognised by the checksums the catalog pins.

use std::path::PathBuf;
use std::process::ExitCode;

use mlab::artifacts::{self, ArtifactCache};

use crate::cli::{Context, Failure};

/// Add files (or every file of a directory) whose checksum a catalog artifact pins, or a bundle made by `export`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also recognise the artifacts this lab's own `artifacts:` section pins
    #[arg(long)]
    lab: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (all, _) = super::artifacts_for(ctx, args.lab.as_deref())?;
    let cache = ArtifactCache::default_location();
    let mut any = false;
    for path in &args.paths {
        for (name, file) in artifacts::import(&cache, &all, path).map_err(super::failure)? {
            any = true;
            println!("{name}: {} ({})", file.path.display(), file.sha256);
        }
    }
    if !any {
        return Err(anyhow::anyhow!("no file there has the checksum of a catalog artifact (`mlab artifact list --json` shows the pinned ones)").into());
    }
    Ok(ExitCode::SUCCESS)
}
