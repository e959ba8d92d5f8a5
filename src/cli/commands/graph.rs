//! `mlab graph LAB`: the topology as Mermaid or Graphviz DOT.

use std::process::ExitCode;

use mlab::lab::graph::{GraphFormat, render};

use crate::cli::{Context, Failure};

/// Draw a lab's topology (network, nodes with addresses and roles, services): Mermaid for
/// Markdown, or DOT for Graphviz (`mlab graph LAB --format dot | dot -Tsvg > lab.svg`)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name (see `mlab labs`) or a path to a lab file
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (_, lab) = ctx.load_lab(&args.lab)?;
    print!("{}", render(&lab, args.format));
    Ok(ExitCode::SUCCESS)
}
