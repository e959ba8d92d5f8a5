//! The cloud-init NoCloud seed each node boots with.
//!
//! The seed is a small volume labelled `cidata` holding `meta-data`, `user-data` and
//! `network-config`: a FAT image for libvirt, an ISO 9660 image for VirtualBox
//! ([`SeedFormat`]). Both are built in memory by crates (`fatfs`, `hadris-iso`), so no
//! mkfs/genisoimage is needed on the host.
//!
//! The seed carries the node's SSH host key pair, generated on the host, so the host key is
//! pinned in the lab's `known_hosts` before the node's first boot.

mod documents;
mod image;
mod iso;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;

pub use documents::{meta_data_yaml, network_config_yaml, user_data_yaml};
pub use image::{SEED_LABEL, build_seed_image, read_seed_file};
pub use iso::{build_seed_iso, read_iso_file};

/// How the seed's three documents are carried to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedFormat {
    /// A FAT file system on a virtio disk (libvirt: the Debian cloud kernel has no AHCI, so a
    /// SATA cdrom would never be seen).
    Fat,
    /// An ISO 9660 image with Rock Ridge and Joliet names, on a virtual DVD drive (VirtualBox,
    /// which attaches no raw disk image).
    Iso,
}

/// What went wrong building a seed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("could not serialize the cloud-init {document}: {reason}")]
    Serialize { document: &'static str, reason: String },
    #[error("could not build the FAT seed image: {0}")]
    Image(std::io::Error),
    #[error("could not build the ISO seed image: {0}")]
    Iso(String),
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
    /// A second NIC's MAC: it takes an address by DHCP and carries the default route (a
    /// VirtualBox NAT adapter beside the host-only lab network). `None`: the lab network's
    /// gateway is the way out.
    pub egress_mac: Option<String>,
}

impl SeedConfig {
    /// Build the seed image and write it to `path` (mode 0600: it holds a private host key).
    pub fn write_image(&self, path: &Path, format: SeedFormat) -> Result<(), SeedError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let bytes = match format {
            SeedFormat::Fat => build_seed_image(self)?,
            SeedFormat::Iso => build_seed_iso(self)?,
        };
        let err = |source| SeedError::Write { path: path.to_path_buf(), source };
        let _ = std::fs::remove_file(path);
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(err)?;
        file.write_all(&bytes).map_err(err)?;
        file.sync_all().map_err(err)
    }
}

/// A seed for tests.
#[cfg(test)]
pub(crate) fn sample_config() -> SeedConfig {
    use crate::keys::KeyPair;
    SeedConfig {
        instance_id: "mlab-demo-master1-1".into(),
        hostname: "master1".into(),
        fqdn: "master1.demo.test".into(),
        user: "mlab".into(),
        authorized_keys: vec![KeyPair::generate_ed25519("mlab@demo").expect("key").public_openssh().expect("pub")],
        host_key: KeyPair::generate_ed25519("master1.demo.test").expect("host key"),
        mac: "52:54:00:AB:CD:01".into(),
        address: "192.168.124.11/24".parse().expect("net"),
        gateway: Ipv4Addr::new(192, 168, 124, 1),
        nameservers: vec![Ipv4Addr::new(192, 168, 124, 1)],
        search_domain: Some("demo.test".into()),
        egress_mac: None,
    }
}
