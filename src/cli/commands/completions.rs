//! `mlab completions SHELL`: the script that registers mlab's shell completion.

use std::process::ExitCode;

use clap_complete::env::Shells;

use crate::cli::{Context, Failure};

/// Print the shell completion script (lab, lab instance and node names included): for bash,
/// `mlab completions bash > /etc/bash_completion.d/mlab`, or `source <(mlab completions bash)`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell
    #[arg(value_parser = ["bash", "zsh", "fish", "elvish", "powershell"])]
    pub shell: String,
}

pub fn run(_ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let shells = Shells::builtins();
    let shell = shells.completer(&args.shell).ok_or_else(|| anyhow::anyhow!("no completion for shell `{}`", args.shell))?;
    // The script calls this very binary back at each Tab (`COMPLETE=bash /path/to/mlab`), so
    // completion works whether or not mlab is on PATH.
    let exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find mlab's own path: {e}"))?;
    let mut out = std::io::stdout().lock();
    shell.write_registration("COMPLETE", "mlab", "mlab", &exe.display().to_string(), &mut out)?;
    Ok(ExitCode::SUCCESS)
}
