//! Hypervisor providers.
//!
//! [`Provider`] is what the lab layer drives: one network per lab, one VM per node. The spec
//! structs here are provider-neutral (no libvirt types) so another backend (VirtualBox) can
//! implement the same trait. The libvirt implementation is [`libvirt::LibvirtProvider`].
//! A new provider is one folder here plus one arm in [`choice`]: its kind, how it connects,
//! and its `mlab doctor` checks.

mod choice;
pub mod libvirt;
pub mod virtualbox;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::Ipv4Net;

use crate::boxes::BoxImage;
use crate::cloudinit::{SeedConfig, SeedError};
use crate::keys::KeyPair;

pub use choice::{Accel, Connected, ProviderKind, ProviderOptions, connect, host_checks};

/// What went wrong talking to the hypervisor.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("could not connect to libvirt at {uri}: {reason}; is libvirtd running and may you use it? (try `virsh -c {uri} list`)")]
    Connect { uri: String, reason: String },
    #[error("the lab network {cidr} overlaps {conflict}; choose another `network` CIDR in the lab file")]
    NetworkOverlap { cidr: Ipv4Net, conflict: String },
    #[error("could not {action} {object}: {reason}")]
    Backend { action: &'static str, object: String, reason: String },
    #[error("{object} does not exist; create the lab first (`mlab up`)")]
    Missing { object: String },
    #[error("could not create the disk {path}: {reason}")]
    Disk { path: PathBuf, reason: String },
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("could not build the cloud-init seed: {0}")]
    Seed(#[from] SeedError),
    #[error("{0}")]
    Unsupported(String),
    #[error("internal task failed: {0}")]
    Task(String),
}

/// How a lab network reaches the outside (the lab model's own type: one definition).
pub use crate::lab::model::NetworkMode;

/// One static host entry of a lab network (DHCP reservation and DNS name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkHost {
    pub mac: String,
    pub ip: Ipv4Addr,
    pub hostname: String,
    pub fqdn: String,
}

/// A lab's network.
#[derive(Debug, Clone)]
pub struct NetworkSpec {
    pub lab: String,
    /// The lab's network, e.g. `192.168.124.0/24`.
    pub cidr: Ipv4Net,
    /// The host's address on it, which is also the guests' gateway and DNS server.
    pub gateway: Ipv4Addr,
    pub mode: NetworkMode,
    /// DNS domain of the lab, e.g. `demo.test`.
    pub domain: String,
    pub hosts: Vec<NetworkHost>,
}

/// A lab node to create.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub lab: String,
    /// Node name within the lab (`master1`).
    pub name: String,
    pub hostname: String,
    pub fqdn: String,
    pub cpus: u32,
    pub memory_mib: u64,
    pub disk_gib: u64,
    pub mac: String,
    pub ip: Ipv4Addr,
    /// The lab network (for the prefix length in the guest's address).
    pub network: Ipv4Net,
    pub gateway: Ipv4Addr,
    pub domain: String,
    pub box_image: BoxImage,
    /// Login user created by cloud-init, with passwordless sudo.
    pub user: String,
    /// Public keys (`ssh-ed25519 AAAA...`) allowed to log in as `user`.
    pub authorized_keys: Vec<String>,
    pub host_key: KeyPair,
    /// Where the node's qcow2 linked clone goes.
    pub disk_path: PathBuf,
    /// Where the node's cloud-init seed image goes.
    pub seed_path: PathBuf,
    /// Where the serial console is logged.
    pub console_log: PathBuf,
    /// Whether the lab reaches out (a provider may need a second adapter for it).
    pub network_mode: NetworkMode,
    /// Whose lab this is (`user@host:/path/to/lab`), recorded with the VM so that another mlab
    /// home, or another machine sharing the server, sees the VM is not its own.
    pub owner: String,
}

impl NodeSpec {
    /// The cloud-init seed for this node.
    pub fn seed_config(&self) -> Result<SeedConfig, ProviderError> {
        let address =
            Ipv4Net::new(self.ip, self.network.prefix_len()).map_err(|e| ProviderError::Unsupported(format!("node {} address {}: {e}", self.name, self.ip)))?;
        Ok(SeedConfig {
            instance_id: format!("mlab-{}-{}-{}", self.lab, self.name, self.mac.replace(':', "")),
            hostname: self.hostname.clone(),
            fqdn: self.fqdn.clone(),
            user: self.user.clone(),
            authorized_keys: self.authorized_keys.clone(),
            host_key: self.host_key.clone(),
            mac: self.mac.clone(),
            address,
            gateway: self.gateway,
            nameservers: vec![self.gateway],
            search_domain: Some(self.domain.clone()).filter(|d| !d.is_empty()),
            egress_mac: None,
        })
    }
}

/// A node's power state as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeState {
    Missing,
    Stopped,
    Running,
    /// Paused, crashed, shutting down... with the provider's word for it.
    Other(String),
}

impl std::fmt::Display for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeState::Missing => f.write_str("missing"),
            NodeState::Stopped => f.write_str("stopped"),
            NodeState::Running => f.write_str("running"),
            NodeState::Other(s) => f.write_str(s),
        }
    }
}

/// How [`Provider::stop_node`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// It was not running (or does not exist).
    AlreadyStopped,
    /// The guest shut itself down within the grace period.
    ShutDown,
    /// The guest ignored the request and was forced off (like pulling the plug).
    ForcedOff,
}

/// A node found by [`Provider::list_nodes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// The lab the VM was made for (its marker's, not parsed from the VM's name).
    pub lab: String,
    pub name: String,
    pub state: NodeState,
    pub ip: Option<Ipv4Addr>,
    /// The files the VM's definition uses (its disk and seed), where the provider knows them.
    pub files: Vec<std::path::PathBuf>,
    /// Those of `files` that are not there: such a node cannot boot, and `up` defines it again.
    pub missing_files: Vec<std::path::PathBuf>,
    /// The owner recorded with the VM ([`NodeSpec::owner`]); `None` for VMs made by an mlab
    /// that recorded none.
    pub owner: Option<String>,
}

/// A hypervisor backend. Object-safe: use it as `Arc<dyn Provider>`.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Create (and start) the lab's network unless it exists; refuse overlapping CIDRs.
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), ProviderError>;
    async fn network_exists(&self, lab: &str) -> Result<bool, ProviderError>;
    /// Stop and remove the lab's network; no error if it is already gone.
    async fn destroy_network(&self, lab: &str) -> Result<(), ProviderError>;

    /// Define the VM with its disk and seed, without starting it.
    async fn create_node(&self, spec: &NodeSpec) -> Result<(), ProviderError>;
    async fn start_node(&self, lab: &str, node: &str) -> Result<(), ProviderError>;
    /// Ask the guest to shut down (ACPI power button); force it off after `grace`.
    async fn stop_node(&self, lab: &str, node: &str, grace: Duration) -> Result<StopOutcome, ProviderError>;
    /// Force off, undefine, and delete the node's disk and seed; no error if already gone.
    async fn destroy_node(&self, lab: &str, node: &str) -> Result<(), ProviderError>;
    async fn node_state(&self, lab: &str, node: &str) -> Result<NodeState, ProviderError>;
    async fn list_nodes(&self, lab: &str) -> Result<Vec<NodeInfo>, ProviderError>;
    /// Every mlab VM this provider sees, of any lab and any owner (`mlab list --connect`).
    async fn list_all_nodes(&self) -> Result<Vec<NodeInfo>, ProviderError>;
    /// The IPv4 subnets of the networks the hypervisor has, by network name, except lab
    /// `except_lab`'s own: a new lab instance is given a subnet beside them. A provider that
    /// allocates its own addresses per lab has none to report.
    async fn subnets_in_use(&self, _except_lab: &str) -> Result<Vec<(String, Ipv4Net)>, ProviderError> {
        Ok(Vec::new())
    }

    /// Freeze a running node's CPUs; its memory stays as it is. `mlab snapshot` pauses every
    /// node of a lab before saving any, so the saved nodes agree with each other.
    async fn pause_node(&self, _lab: &str, _node: &str) -> Result<(), ProviderError> {
        Err(no_snapshots())
    }
    /// Let a paused node run again; no error if it runs already.
    async fn resume_node(&self, _lab: &str, _node: &str) -> Result<(), ProviderError> {
        Err(no_snapshots())
    }
    /// Record the node as snapshot `name`: its disk, and its memory if it is running or paused.
    async fn save_snapshot(&self, _lab: &str, _node: &str, _name: &str) -> Result<(), ProviderError> {
        Err(no_snapshots())
    }
    /// Put the node back as snapshot `name` recorded it, left paused if it was running then.
    async fn revert_snapshot(&self, _lab: &str, _node: &str, _name: &str) -> Result<(), ProviderError> {
        Err(no_snapshots())
    }
    /// Forget snapshot `name` of the node; no error if it has none of that name.
    async fn delete_snapshot(&self, _lab: &str, _node: &str, _name: &str) -> Result<(), ProviderError> {
        Err(no_snapshots())
    }
    /// The names of the node's snapshots (none if the node does not exist).
    async fn snapshots(&self, _lab: &str, _node: &str) -> Result<Vec<String>, ProviderError> {
        Err(no_snapshots())
    }
}

fn no_snapshots() -> ProviderError {
    ProviderError::Unsupported("this provider cannot take snapshots".into())
}

/// The VM name of a lab's node, the same for every provider: `mlab-<lab>-<node>`.
pub fn vm_name(lab: &str, node: &str) -> String {
    format!("mlab-{lab}-{node}")
}

/// Remove a file if it exists.
pub async fn remove_if_exists(path: &std::path::Path) -> Result<(), ProviderError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ProviderError::Io { what: "could not delete", path: path.to_path_buf(), source }),
    }
}

/// Create several nodes concurrently (disk clones and seeds are independent); the first error
/// is returned after every creation has finished, so none is left running in the background.
pub async fn create_nodes(provider: std::sync::Arc<dyn Provider>, specs: Vec<NodeSpec>) -> Result<(), ProviderError> {
    let mut creating = tokio::task::JoinSet::new();
    for spec in specs {
        let provider = std::sync::Arc::clone(&provider);
        creating.spawn(async move { provider.create_node(&spec).await });
    }
    let (_, first_error) = crate::tasks::join_all(creating, |e| ProviderError::Task(e.to_string())).await;
    first_error.map_or(Ok(()), Err)
}
