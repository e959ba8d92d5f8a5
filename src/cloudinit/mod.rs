//! The cloud-init NoCloud seed each node boots with.
//!
//! The seed is a small FAT image labelled `cidata` holding `meta-data`, `user-data` and
//! `network-config`. It is attached to the VM as a virtio disk: the Debian cloud kernel has no
//! AHCI driver, so a SATA cdrom would never be seen. The image is built in memory with the
//! `fatfs` crate, so no mkfs/genisoimage is needed on the host.
//!
//! The seed carries the node's SSH host key pair, generated on the host, so the host key is
//! pinned in the lab's `known_hosts` before the node's first boot.

mod documents;
mod image;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;

pub use documents::{meta_data_yaml, network_config_yaml, user_data_yaml};
pub use image::{SEED_LABEL, build_seed_image, read_seed_file};

/// What went wrong building a seed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("could not serialize the cloud-init {document}: {reason}")]
    Yaml { document: &'static str, reason: String },
    #[error("could not build the FAT seed image: {0}")]
    Image(std::io::Error),
    #[error("could not write the seed image {path}: {source}; check that the directory exists and is writable")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the node's host key could not be encoded: {0}")]
    Key(#[from] crate::keys::KeyError),
}

/// Everything a node's seed says about it.
#[derive(Debug, Clone)]
pub struct SeedConfig {
    /// Unique per VM instance; cloud-init re-runs its first-boot modules when it changes.
    pub instance_id: String,
    pub hostname: String,
    pub fqdn: String,
    /// The login user (mlab uses `mlab`), with passwordless sudo.
    pub user: String,
    /// `ssh-ed25519 AAAA... comment` lines allowed to log in as `user`.
    pub authorized_keys: Vec<String>,
    /// The node's SSH host key, installed by cloud-init instead of generating one.
    pub host_key: crate::keys::KeyPair,
    /// The NIC's fixed MAC, used to match the interface.
    pub mac: String,
    /// Address and prefix length, e.g. `192.168.124.11/24`.
    pub address: Ipv4Net,
    pub gateway: Ipv4Addr,
    pub nameservers: Vec<Ipv4Addr>,
    /// DNS search domain (the lab's domain), if any.
    pub search_domain: Option<String>,
}

impl SeedConfig {
    /// Build the seed image and write it to `path` (mode 0600: it holds a private host key).
    pub fn write_image(&self, path: &Path) -> Result<(), SeedError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let bytes = build_seed_image(self)?;
        let err = |source| SeedError::Write { path: path.to_path_buf(), source };
        let _ = std::fs::remove_file(path);
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(err)?;
        file.write_all(&bytes).map_err(err)?;
        file.sync_all().map_err(err)
    }
}
