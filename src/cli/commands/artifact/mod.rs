//! `mlab artifact list|fetch|build|export|import`: the software Debian does not ship, obtained
//! once on this host, verified and cached, then staged into labs.

use std::collections::BTreeMap;
use std::process::ExitCode;

use mlab::lab::Artifact;

use crate::cli::{Context, Failure};

mod export;
mod get;
mod import;
mod list;

/// Artifacts (Mesos, Mesos-DNS, ...): list them, fetch, build or import them into this host's cache
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ArtifactCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ArtifactCommand {
    List(list::Args),
    Fetch(get::FetchArgs),
    Build(get::BuildArgs),
    Export(export::Args),
    Import(import::Args),
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    match args.command {
        ArtifactCommand::List(args) => list::run(ctx, args),
        ArtifactCommand::Fetch(args) => get::fetch(ctx, args),
        ArtifactCommand::Build(args) => get::build(ctx, args),
        ArtifactCommand::Export(args) => export::run(ctx, args),
        ArtifactCommand::Import(args) => import::run(ctx, args),
    }
}

type Artifacts = BTreeMap<String, Artifact>;

/// Every artifact: the catalog (with a lab's overrides when a lab is named), and with a lab
/// what that lab stages.
fn artifacts_for(ctx: &Context, lab: Option<&str>) -> Result<(Artifacts, Option<Artifacts>), Failure> {
    let catalog = ctx.catalog()?;
    match lab {
        None => Ok((catalog.artifacts(), None)),
        Some(reference) => {
            let (composed, resolved) = ctx.load_lab(reference)?;
            Ok((catalog.merged_with(&composed.lab.artifacts), Some(resolved.artifacts)))
        }
    }
}

fn failure(e: mlab::artifacts::ArtifactError) -> Failure {
    Failure::Other(e.into())
}
