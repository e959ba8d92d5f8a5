//! `mlab plan LAB --out DIR`: every rendered file, per node, without touching a hypervisor.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

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
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let provisioners = ctx.provisioners();
    let catalog = provisioners.catalog().map_err(anyhow::Error::from)?;
    let (_, lab) = mlab::lab::load(&ctx.library, &catalog, &args.lab)?;
    let rendered = mlab::render::render_lab(&provisioners, &lab).map_err(anyhow::Error::from)?;
    let mut count = 0;
    for node in &rendered {
        for file in &node.files {
            let dest = args.out.join(&node.node).join(file.path.trim_start_matches('/'));
            write_file(&dest, &file.content, file.mode)?;
            count += 1;
        }
    }
    let plan = serde_json::to_string_pretty(&lab).map_err(anyhow::Error::from)?;
    write_file(&args.out.join("plan.json"), &(plan + "\n"), 0o644)?;
    println!("wrote {count} files for {} nodes of lab {} to {}", rendered.len(), lab.name, args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, content: &str, mode: u32) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(|| format!("cannot set mode of {}", path.display()))?;
    }
    Ok(())
}
