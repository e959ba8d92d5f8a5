//! Where a node is and which files authenticate both ends of the connection.

use std::path::PathBuf;

/// Everything needed to reach one lab node over SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// The node's name in the lab (used in messages and as the `Host` alias in ssh config).
    pub node: String,
    /// The address to connect to (an IP address, normally).
    pub host: String,
    /// TCP port of the node's sshd (22 for lab VMs).
    pub port: u16,
    /// Login user on the node.
    pub user: String,
    /// The lab's ed25519 private key (OpenSSH format) used to log in.
    pub key_path: PathBuf,
    /// The lab's known_hosts file holding the node's pinned host key.
    pub known_hosts: PathBuf,
    /// Extra names the node's known_hosts line may list (e.g. the node name). A line matches
    /// when it lists any of these, or the address as OpenSSH spells it: `host` on port 22,
    /// `[host]:port` otherwise.
    pub host_key_aliases: Vec<String>,
}

impl SshTarget {
    /// `host:port` as used in messages (IPv6 addresses get brackets).
    pub fn address(&self) -> String {
        if self.host.contains(':') { format!("[{}]:{}", self.host, self.port) } else { format!("{}:{}", self.host, self.port) }
    }

    /// The names a known_hosts line may list for this target, in OpenSSH's spelling.
    pub fn known_host_names(&self) -> Vec<String> {
        // Same spelling as OpenSSH, so `ssh` with the generated config agrees with us.
        let mut names = if self.port == 22 { vec![self.host.clone()] } else { vec![format!("[{}]:{}", self.host, self.port)] };
        names.extend(self.host_key_aliases.iter().cloned());
        names
    }
}
