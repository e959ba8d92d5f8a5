//! `mlab snapshot save|restore|list|delete`: the whole lab at one instant, memory included.

use std::process::ExitCode;

use crate::cli::{Context, Failure};

mod delete;
mod list;
mod restore;
mod save;

/// Save the whole lab, memory included, and put it back in seconds
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SnapshotCommand {
    Save(save::Args),
    Restore(restore::Args),
    List(list::Args),
    Delete(delete::Args),
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    match args.command {
        SnapshotCommand::Save(args) => save::run(ctx, args),
        SnapshotCommand::Restore(args) => restore::run(ctx, args),
        SnapshotCommand::List(args) => list::run(ctx, args),
        SnapshotCommand::Delete(args) => delete::run(ctx, args),
    }
}
