//! SSH to lab nodes, with pinned host keys.
//!
//! Every node's host key is known in advance (mlab generates it and writes it into the lab's
//! `known_hosts` file), so a connection is only accepted when the server proves it holds that key.
//! Nothing here ever accepts an unknown or changed key.
//!
//! - [`SshTarget`]: where a node is and which files authenticate both sides.
//! - [`Session`]: a connection; [`Session::connect`] waits for a booting node until a deadline,
//!   then [`Session::exec`], [`Session::exec_capture`], [`Session::upload_bytes`],
//!   [`Session::upload_file`], [`Session::shell`] and [`Session::open_tcp`].
//! - [`serve_forward`]: carry connections from a host listener to a node's network.
//! - [`shell_quote`]: turn an argv into one command line for the remote POSIX shell.
//! - [`ssh_config_block`]: an OpenSSH client config so users can run plain `ssh <node>`.

mod client_config;
mod error;
mod exec;
mod forward;
mod known_hosts;
mod quote;
mod session;
mod shell;
mod target;
mod terminal;
mod upload;

pub use client_config::ssh_config_block;
pub use error::SshError;
pub use exec::ExecOutput;
pub use forward::{ForwardTarget, serve_forward};
pub use known_hosts::{HostKeyVerdict, KnownHosts, fingerprint};
pub use quote::{is_plain_word, shell_quote};
pub use session::Session;
pub use target::SshTarget;
pub use terminal::{TerminalSize, resize_to_forward};
pub use upload::UploadOptions;

/// Result type of this module.
pub type Result<T, E = SshError> = std::result::Result<T, E>;
