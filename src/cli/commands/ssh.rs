//! `mlab ssh [NODE] [-c 'SHELL STRING' | -- CMD...]`: a shell on a node, or one command.

use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle;
use mlab::ssh::{Session, shell_quote};

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure};

/// Open a shell on a node, or run one command there (`mlab ssh agent1 -- uptime`, or a shell
/// string: `mlab ssh agent1 -c 'cd /tmp; ls'`); exits with the command's status, or 255 when the
/// node cannot be reached
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The node (on a terminal, omit it to pick one)
    #[arg(value_parser = crate::cli::names::node, add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::node_names))]
    pub node: Option<String>,
    /// The command and its arguments, after `--`; each word reaches the node as one argument
    #[arg(last = true, value_name = "CMD", conflicts_with = "shell_command")]
    pub command: Vec<String>,
    /// A command line for the node's shell, as written (`;`, pipes, `$VAR` and globs work there)
    #[arg(short = 'c', long = "command", value_name = "SHELL STRING")]
    pub shell_command: Option<String>,
    /// Seconds to wait for the node to answer (1 to 86400)
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let status = block_on(async {
        let (conn, instance) = args.target.open(ctx).await?;
        let node_name = match &args.node {
            Some(n) => n.clone(),
            None => crate::cli::lab_args::pick_running_node(&conn, &instance).await?,
        };
        let node = instance.node(&node_name).map_err(lifecycle_failure)?;
        let target = lifecycle::ssh_target(&instance.dir, node);
        let session = match Session::connect(&target, Duration::from_secs(args.timeout)).await {
            Ok(session) => session,
            Err(e) => {
                // As OpenSSH does: 255 when the node cannot be reached, so a remote command's own
                // status is never mistaken for it.
                eprintln!("{} {e}", crate::cli::output::error_label());
                return Ok(255);
            }
        };
        // `-c` goes to the node's shell as written; words after `--` each arrive as one word.
        let command = match (&args.shell_command, args.command.is_empty()) {
            (Some(line), _) => Some(line.clone()),
            (None, false) => Some(shell_quote(&args.command)),
            (None, true) => None,
        };
        let status = match command {
            None => session.shell().await,
            Some(command) => session.exec(&command, tokio::io::stdout(), tokio::io::stderr()).await,
        };
        let _ = session.close().await;
        status.map_err(|e| Failure::Other(e.into()))
    })??;
    Ok(ExitCode::from(u8::try_from(status).unwrap_or(255)))
}
