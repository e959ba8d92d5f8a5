//! `mlab artifact fetch` and `mlab artifact build`: into this host's cache, from the host's
//! network (never the labs' namespace).

use std::process::ExitCode;

use mlab::artifacts::{self, ArtifactCache};
use mlab::boxes::Progress;
use mlab::lab::Obtain;

use crate::cli::{Context, Failure};

/// Download (or copy) artifacts into the cache, verified against their pinned checksums
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Artifacts to fetch (with --lab: what that lab needs, build inputs included)
    #[arg(value_parser = crate::cli::names::plain)]
    names: Vec<String>,
    #[arg(long, conflicts_with = "names")]
    lab: Option<String>,
}

/// Build artifacts that only a build makes (mesos, mesos-dns) in a Debian 12 build root; needs root
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[arg(required = true, value_parser = crate::cli::names::plain)]
    names: Vec<String>,
}

pub fn fetch(ctx: &Context, args: FetchArgs) -> Result<ExitCode, Failure> {
    let (all, needed) = super::artifacts_for(ctx, args.lab.as_deref())?;
    let names = match needed {
        Some(needed) => needed.values().filter(|a| a.obtain == Obtain::Fetch).map(|a| a.name.clone()).collect(),
        None if args.names.is_empty() => {
            return Err(anyhow::anyhow!("name the artifacts to fetch, or `--lab LAB` for what a lab needs (`mlab artifact list` shows them)").into());
        }
        None => args.names,
    };
    obtain(ctx, &all, &names, false)
}

pub fn build(ctx: &Context, args: BuildArgs) -> Result<ExitCode, Failure> {
    let (all, _) = super::artifacts_for(ctx, None)?;
    obtain(ctx, &all, &args.names, true)
}

fn obtain(ctx: &Context, all: &super::Artifacts, names: &[String], allow_build: bool) -> Result<ExitCode, Failure> {
    let cache = ArtifactCache::default_location();
    for name in names {
        let file = artifacts::obtain(&cache, &ctx.provisioners(), all, name, allow_build, Progress::for_stderr()).map_err(super::failure)?;
        println!("{name}: {} ({})", file.path.display(), file.sha256);
    }
    Ok(ExitCode::SUCCESS)
}
