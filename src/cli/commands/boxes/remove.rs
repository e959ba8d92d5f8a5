//! `mlab box remove NAME`: asks first (`--yes` when not on a terminal).

use mlab::boxes::BoxStore;

use crate::cli::{Failure, confirm};

/// Remove a box (labs already created from it keep working only while their disks exist)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_parser = crate::cli::names::plain)]
    name: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    if !confirm(args.yes, &format!("box `{}` (its image)", args.name))? {
        println!("kept box {}", args.name);
        return Ok(());
    }
    BoxStore::open_default().remove(&args.name).map_err(super::failure)?;
    println!("removed box {}", args.name);
    Ok(())
}
