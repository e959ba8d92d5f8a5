//! Running commands on a node.

use russh::{ChannelMsg, Sig};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::debug;

use super::{Result, Session, SshError};

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit status; 128 + signal number if a signal killed it (as POSIX shells report).
    pub status: u32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl Session {
    /// Run `cmd` through the login user's shell on the node, streaming its stdout and stderr
    /// into the given writers as it arrives, and return its exit status. The command gets an
    /// empty stdin. Build `cmd` from an argv with [`super::shell_quote`].
    pub async fn exec<O, E>(&self, cmd: &str, mut stdout: O, mut stderr: E) -> Result<u32>
    where
        O: AsyncWrite + Unpin,
        E: AsyncWrite + Unpin,
    {
        debug!(node = %self.node, cmd, "exec");
        let mut channel = self.handle.channel_open_session().await.map_err(|e| self.protocol_error("opening a channel", e))?;
        channel.exec(true, cmd).await.map_err(|e| self.protocol_error("starting the command", e))?;
        channel.eof().await.map_err(|e| self.protocol_error("closing the command's stdin", e))?;

        let output_error = |source| SshError::LocalIo { action: format!("writing the output of `{cmd}` from node `{}`", self.node), source };
        let mut status = None;
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } => {
                    stdout.write_all(&data).await.map_err(output_error)?;
                    stdout.flush().await.map_err(output_error)?;
                }
                // Extended data type 1 is stderr (RFC 4254 §5.2).
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    stderr.write_all(&data).await.map_err(output_error)?;
                    stderr.flush().await.map_err(output_error)?;
                }
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::ExitSignal { signal_name, error_message, .. } => {
                    debug!(node = %self.node, ?signal_name, error_message, "command killed by signal");
                    status = Some(128 + signal_number(&signal_name));
                }
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        status.ok_or_else(|| SshError::NoExitStatus { node: self.node.clone(), command: cmd.to_owned() })
    }

    /// Run `cmd` like [`Session::exec`] and collect everything it printed.
    pub async fn exec_capture(&self, cmd: &str) -> Result<ExecOutput> {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let status = self.exec(cmd, &mut stdout, &mut stderr).await?;
        Ok(ExecOutput { status, stdout, stderr })
    }
}

/// Linux signal numbers; unknown signals count as 127 so the status still reads as "killed".
fn signal_number(signal: &Sig) -> u32 {
    match signal {
        Sig::HUP => 1,
        Sig::INT => 2,
        Sig::QUIT => 3,
        Sig::ILL => 4,
        Sig::ABRT => 6,
        Sig::FPE => 8,
        Sig::KILL => 9,
        Sig::USR1 => 10,
        Sig::SEGV => 11,
        Sig::PIPE => 13,
        Sig::ALRM => 14,
        Sig::TERM => 15,
        Sig::Custom(_) => 127,
    }
}
