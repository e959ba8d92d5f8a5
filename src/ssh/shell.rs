//! An interactive login shell on a node, wired to the local terminal.

use russh::ChannelMsg;
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{SignalKind, signal};
use tracing::debug;

use super::terminal::{LocalStdin, RawMode, TerminalSize, resize_to_forward};
use super::{Result, Session, SshError};

impl Session {
    /// Open an interactive login shell on the node, like `ssh node`: a remote PTY of the local
    /// terminal's size and `$TERM`, the local terminal in raw mode, keystrokes forwarded,
    /// window resizes forwarded. The terminal is restored however this returns. Returns the
    /// remote shell's exit status.
    pub async fn shell(&self) -> Result<u32> {
        let mut size = TerminalSize::query().unwrap_or(TerminalSize::FALLBACK);
        let term = std::env::var("TERM").ok().filter(|t| !t.is_empty());
        let term = term.as_deref().unwrap_or("xterm-256color");
        let mut channel = self.handle.channel_open_session().await.map_err(|e| self.protocol_error("opening a channel", e))?;
        channel.request_pty(true, term, size.cols.into(), size.rows.into(), 0, 0, &[]).await.map_err(|e| self.protocol_error("requesting a terminal", e))?;
        channel.request_shell(true).await.map_err(|e| self.protocol_error("starting the shell", e))?;

        let mut resized = signal(SignalKind::window_change()).map_err(|source| SshError::Terminal { action: "watched for resizes", source })?;
        // Order matters for restoring: stdin flags are dropped before raw mode is left.
        let _raw_mode = RawMode::enable_if_terminal()?;
        let mut stdin = LocalStdin::open()?;
        let mut stdout = tokio::io::stdout();
        let mut stderr = tokio::io::stderr();
        let local_io = |action: &str, source| SshError::LocalIo { action: action.to_owned(), source };

        let mut buf = vec![0u8; 4096];
        let mut stdin_open = true;
        let mut status = None;
        loop {
            tokio::select! {
                read = stdin.read(&mut buf), if stdin_open => {
                    match read.map_err(|e| local_io("reading the keyboard", e))? {
                        0 => {
                            stdin_open = false;
                            channel.eof().await.map_err(|e| self.protocol_error("sending end of input", e))?;
                        }
                        n => channel
                            .data_bytes(buf[..n].to_vec())
                            .await
                            .map_err(|e| self.protocol_error("sending keystrokes", e))?,
                    }
                }
                Some(()) = resized.recv() => {
                    if let Some(new_size) = resize_to_forward(size, TerminalSize::query()) {
                        debug!(?new_size, "forwarding window size");
                        size = new_size;
                        channel
                            .window_change(size.cols.into(), size.rows.into(), 0, 0)
                            .await
                            .map_err(|e| self.protocol_error("resizing the terminal", e))?;
                    }
                }
                message = channel.wait() => {
                    match message {
                        Some(ChannelMsg::Data { data }) => {
                            stdout.write_all(&data).await.map_err(|e| local_io("writing to the terminal", e))?;
                            stdout.flush().await.map_err(|e| local_io("writing to the terminal", e))?;
                        }
                        Some(ChannelMsg::ExtendedData { data, .. }) => {
                            stderr.write_all(&data).await.map_err(|e| local_io("writing to the terminal", e))?;
                            stderr.flush().await.map_err(|e| local_io("writing to the terminal", e))?;
                        }
                        Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                        Some(ChannelMsg::ExitSignal { .. }) => status = status.or(Some(255)),
                        Some(ChannelMsg::Close) | None => break,
                        Some(_) => {}
                    }
                }
            }
        }
        status.ok_or_else(|| SshError::NoExitStatus { node: self.node.clone(), command: "interactive shell".into() })
    }
}
