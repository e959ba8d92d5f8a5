//! `mlab schema`: the JSON Schema of the lab file format.

use std::process::ExitCode;

use crate::cli::{Context, Failure, print_json};

/// Print the JSON Schema of lab files (for editor completion and checking)
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_ctx: &Context, _args: Args) -> Result<ExitCode, Failure> {
    print_json(&mlab::lab::json_schema())?;
    Ok(ExitCode::SUCCESS)
}
