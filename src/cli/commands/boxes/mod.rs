//! `mlab box list|add|build|remove`: the base images labs are cloned from.

use std::process::ExitCode;

use crate::cli::{Context, Failure};

mod add;
mod build;
mod list;
mod remove;

/// Manage boxes (base images): list, add a cloud image, build one from Debian packages, remove
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: BoxCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum BoxCommand {
    List(list::Args),
    Add(add::Args),
    Build(build::Args),
    Remove(remove::Args),
}

pub fn run(_ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    match args.command {
        BoxCommand::List(args) => list::run(args),
        BoxCommand::Add(args) => add::run(args),
        BoxCommand::Build(args) => build::run(args),
        BoxCommand::Remove(args) => remove::run(args),
    }?;
    Ok(ExitCode::SUCCESS)
}

fn failure(e: mlab::boxes::BoxError) -> Failure {
    Failure::Other(e.into())
}
