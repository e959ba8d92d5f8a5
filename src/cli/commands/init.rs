//! `mlab init [NAME] [--extends LAB]`: a new lab file to edit, where `mlab up NAME` finds it.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{Context, Failure};

/// Write a new lab file (in your labs directory unless `--out` says where) with the schema
/// modeline editors use, standalone or built on another lab; refuses to replace a file
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new lab's name: lowercase letters, digits and `-`
    #[arg(default_value = "my-lab", value_parser = crate::cli::names::lab)]
    pub name: String,
    /// Build on this lab (a built-in name, one of yours, or a path) instead of starting alone
    #[arg(long, value_name = "LAB", add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub extends: Option<String>,
    /// Where to write the file (default: NAME.yaml in your labs directory)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let Some(labs_dir) = ctx.library.user_dir.clone() else {
        return Err(anyhow::anyhow!("no labs directory: set MLAB_LABS_DIR or XDG_CONFIG_HOME").into());
    };
    // The base must load now; a path is written as an absolute one, so the new file may live
    // anywhere.
    let extends = match &args.extends {
        Some(base) => {
            ctx.load_lab(base)?;
            let path = std::path::Path::new(base);
            Some(if path.exists() { std::fs::canonicalize(path).map_err(anyhow::Error::from)?.display().to_string() } else { base.clone() })
        }
        None => None,
    };
    let file = args.out.clone().unwrap_or_else(|| labs_dir.join(format!("{}.yaml", args.name)));
    mlab::lab::init::write(&labs_dir, &file, &args.name, extends.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
    // What was written must be a lab mlab accepts; if not (a bug), it does not stay behind.
    if let Err(failure) = ctx.load_lab(&file.display().to_string()) {
        let _ = std::fs::remove_file(&file);
        return Err(failure);
    }
    println!("{}", file.display());
    if !crate::cli::output::quiet() {
        let reference = if args.out.is_some() { file.display().to_string() } else { args.name.clone() };
        eprintln!("wrote lab `{}`; next: edit it, then `mlab show {reference}` and `mlab up {reference}`", args.name);
    }
    Ok(ExitCode::SUCCESS)
}
