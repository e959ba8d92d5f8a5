//! Errors of the SSH module. Each message says what went wrong and what to do about it.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong talking to a node over SSH.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error(
        "cannot load the SSH private key {path}: {source}. \
         It must be an unencrypted OpenSSH-format key; recreate the lab's keys if it is damaged."
    )]
    PrivateKey {
        path: PathBuf,
        #[source]
        source: russh::keys::Error,
    },

    #[error(
        "cannot read the known_hosts file {path}: {source}. \
         mlab writes it when the lab is created; recreate the lab if it is missing."
    )]
    KnownHostsUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{path}:{line}: this known_hosts line is not valid ({reason}). \
         Fix or delete the line; mlab can write the file again."
    )]
    KnownHostsInvalid { path: PathBuf, line: usize, reason: String },

    #[error(
        "HOST KEY MISMATCH for node `{node}` at {address}: known_hosts ({known_hosts}) expects \
         {expected}, but the server offered {offered}. Someone may be intercepting the \
         connection, or the VM was recreated with a new key. Connection refused. If you \
         recreated the VM yourself, refresh the lab's known_hosts entry for this node."
    )]
    HostKeyChanged {
        node: String,
        address: String,
        known_hosts: PathBuf,
        /// Fingerprints (`SHA256:...`) listed for the node, joined with " or ".
        expected: String,
        offered: String,
    },

    #[error(
        "UNKNOWN HOST KEY for node `{node}` at {address}: {known_hosts} has no line for any of \
         [{names}], so the offered key {offered} cannot be verified. Connection refused. \
         Add the node's key to the lab's known_hosts (mlab does this when it creates the node)."
    )]
    HostKeyUnknown { node: String, address: String, known_hosts: PathBuf, names: String, offered: String },

    #[error(
        "REVOKED HOST KEY for node `{node}` at {address}: the server offered {offered}, which \
         {known_hosts} marks @revoked. Connection refused; recreate the node."
    )]
    HostKeyRevoked { node: String, address: String, known_hosts: PathBuf, offered: String },

    #[error(
        "gave up connecting to node `{node}` at {address} after waiting {waited:.1?}: {last_error}. \
         Check that the VM is running and finished booting (its console log shows sshd starting), \
         or retry with a longer wait."
    )]
    Deadline { node: String, address: String, waited: Duration, last_error: String },

    #[error("SSH to node `{node}` failed while {action}: {source}. Retry; if it persists, check the node's sshd.")]
    Protocol {
        node: String,
        action: String,
        /// Boxed: russh's error is large and would bloat every `Result` of this module.
        #[source]
        source: Box<russh::Error>,
    },

    #[error(
        "the command on node `{node}` ended without reporting an exit status (the connection \
         was probably lost): {command}"
    )]
    NoExitStatus { node: String, command: String },

    #[error("SFTP on node `{node}` failed while {action} {remote_path}: {source}. Check the path and its permissions on the node.")]
    Sftp {
        node: String,
        action: &'static str,
        remote_path: String,
        #[source]
        source: russh_sftp::client::error::Error,
    },

    #[error("local I/O failed while {action}: {source}")]
    LocalIo {
        action: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the local terminal could not be {action}: {source}. Run the interactive shell from a real terminal.")]
    Terminal {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}
