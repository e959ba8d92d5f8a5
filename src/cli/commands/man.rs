//! `mlab man`: manual pages, generated from the same definitions as `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Context, Failure};

/// Print the mlab(1) manual page, or write one page per command into a directory
/// (`mlab man --dir /usr/local/share/man/man1`)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write mlab.1 and mlab-COMMAND.1 for every command into DIR instead
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(_ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let cmd = Cli::command();
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir).map_err(|e| anyhow::anyhow!("cannot write the manual pages into {}: {e}", dir.display()))?;
        }
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?,
    }
    Ok(ExitCode::SUCCESS)
}
