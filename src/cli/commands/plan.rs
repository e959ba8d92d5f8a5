//! `mlab plan LAB --out DIR`: every rendered file, per node, without touching a hypervisor.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Context, Failure};

/// Write every file the lab's provisioning would use, per node, into DIR (a dry run to read and diff)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name or a path to a lab file
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    /// Where to write the files: DIR/<node>/<guest path>, plus DIR/plan.json
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR when it holds files already (an earlier plan)
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let provisioners = ctx.provisioners();
    let catalog = provisioners.catalog().map_err(anyhow::Error::from)?;
    let (_, lab) = mlab::lab::load(&ctx.library, &catalog, &args.lab)?;
    let rendered = mlab::render::render_lab(&provisioners, &lab).map_err(anyhow::Error::from)?;
    let plan = serde_json::to_string_pretty(&lab).map_err(anyhow::Error::from)? + "\n";
    let files =
        rendered.iter().flat_map(|n| n.files.iter().map(move |f| (format!("{}/{}", n.node, f.path.trim_start_matches('/')), f.content.as_str(), f.mode)));
    let written =
        mlab::render::write_tree(&args.out, files.chain([("plan.json".to_string(), plan.as_str(), 0o644)]), args.force).map_err(|e| anyhow::anyhow!(e))?;
    println!("wrote {} files for {} nodes of lab {} to {}", written - 1, rendered.len(), lab.name, args.out.display());
    Ok(ExitCode::SUCCESS)
}
