//! The local terminal during an interactive shell: its size, raw mode and a pollable stdin.
//! Every guard here restores what it changed when dropped, so any exit path (error, `?`, panic)
//! gives the user back a sane terminal.

use std::io::IsTerminal;
use std::os::fd::{AsRawFd, BorrowedFd};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, Interest, Stdin};

use super::{Result, SshError};

/// A terminal size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    pub cols: u16,
    pub rows: u16,
}

impl TerminalSize {
    /// What to tell the node when the local size is unknown (stdout is not a terminal).
    pub const FALLBACK: TerminalSize = TerminalSize { cols: 80, rows: 24 };

    /// The local terminal's size, if there is a terminal to ask.
    pub fn query() -> Option<TerminalSize> {
        match crossterm::terminal::size() {
            Ok((cols, rows)) if cols > 0 && rows > 0 => Some(TerminalSize { cols, rows }),
            _ => None,
        }
    }
}

/// After a SIGWINCH: the size to send to the node, or `None` when nothing changed (signals
/// arrive for other reasons too, e.g. a parent terminal emulator re-laying out) or the size
/// is unknown/degenerate.
pub fn resize_to_forward(last: TerminalSize, now: Option<TerminalSize>) -> Option<TerminalSize> {
    now.filter(|size| *size != last && size.cols > 0 && size.rows > 0)
}

/// Raw mode on the local terminal for as long as this lives.
pub(super) struct RawMode {
    _private: (),
}

impl RawMode {
    /// Switch to raw mode if stdin is a terminal; `None` when there is no terminal to switch.
    pub(super) fn enable_if_terminal() -> Result<Option<RawMode>> {
        if !std::io::stdin().is_terminal() {
            return Ok(None);
        }
        crossterm::terminal::enable_raw_mode().map_err(|source| SshError::Terminal { action: "switched to raw mode", source })?;
        Ok(Some(RawMode { _private: () }))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Err(error) = crossterm::terminal::disable_raw_mode() {
            tracing::warn!(%error, "could not restore the terminal; run `reset` if it misbehaves");
        }
    }
}

/// Local stdin, readable without parking a thread forever.
///
/// tokio's own `stdin()` reads on a blocking thread that cannot be cancelled: after the shell
/// ends it would swallow the user's next keystroke and keep the runtime from shutting down.
/// Terminals and pipes can be polled instead, with `O_NONBLOCK` set for the duration (and the
/// original flags restored on drop). Regular files cannot be polled, but reading them never
/// blocks for long, so they use tokio's reader.
pub(super) enum LocalStdin {
    Polled { fd: AsyncFd<BorrowedFd<'static>>, original_flags: libc::c_int },
    Blocking(Stdin),
}

impl LocalStdin {
    pub(super) fn open() -> Result<LocalStdin> {
        // SAFETY: fd 0 stays open for the whole process; we never close it.
        let fd = unsafe { BorrowedFd::borrow_raw(libc::STDIN_FILENO) };
        // SAFETY: fcntl(F_GETFL) only reads the descriptor's flags.
        let original_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        if original_flags < 0 {
            return Ok(LocalStdin::Blocking(tokio::io::stdin()));
        }
        // SAFETY: sets a flag on a valid descriptor; restored in Drop.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, original_flags | libc::O_NONBLOCK) } < 0 {
            return Ok(LocalStdin::Blocking(tokio::io::stdin()));
        }
        // SAFETY: fd 0 stays open and refers to the same file description for the process's
        // lifetime, which outlives this AsyncFd.
        match unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) } {
            Ok(fd) => Ok(LocalStdin::Polled { fd, original_flags }),
            Err(_) => {
                // Not pollable (a regular file): undo and read it the ordinary way.
                // SAFETY: as above.
                unsafe { libc::fcntl(libc::STDIN_FILENO, libc::F_SETFL, original_flags) };
                Ok(LocalStdin::Blocking(tokio::io::stdin()))
            }
        }
    }

    pub(super) async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            LocalStdin::Blocking(stdin) => stdin.read(buf).await,
            LocalStdin::Polled { fd, .. } => loop {
                let mut ready = fd.readable().await?;
                let result = ready.try_io(|fd| {
                    // SAFETY: buf is valid for buf.len() bytes; fd is open.
                    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                    if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
                });
                if let Ok(result) = result {
                    return result;
                }
            },
        }
    }
}

impl Drop for LocalStdin {
    fn drop(&mut self) {
        if let LocalStdin::Polled { original_flags, .. } = self {
            // SAFETY: restores the flags read in `open` on the same descriptor.
            unsafe { libc::fcntl(libc::STDIN_FILENO, libc::F_SETFL, *original_flags) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_only_real_changes() {
        let last = TerminalSize { cols: 80, rows: 24 };
        assert_eq!(resize_to_forward(last, Some(last)), None);
        assert_eq!(resize_to_forward(last, None), None);
        assert_eq!(resize_to_forward(last, Some(TerminalSize { cols: 0, rows: 24 })), None);
        let bigger = TerminalSize { cols: 120, rows: 40 };
        assert_eq!(resize_to_forward(last, Some(bigger)), Some(bigger));
    }
}
