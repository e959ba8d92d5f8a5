//! Base images ("boxes") that lab nodes are cloned from.
//!
//! A box is a directory `$MLAB_HOME/boxes/<name>/` holding:
//! - `disk.qcow2`: the root disk every node's disk is a linked clone of (qcow2 backing file);
//! - `box.json`: [`BoxMeta`];
//! - for boxes built from Debian packages (`mlab box build`), `vmlinuz` and `initrd.img`, booted
//!   with libvirt direct kernel boot and [`BoxMeta::cmdline`]; cloud images have neither and boot
//!   through their own boot loader.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod add;
mod build;
mod digest;
mod error;
mod progress;
mod store;
#[cfg(test)]
mod tests;
pub(crate) mod tools;

pub use add::Source;
pub use build::{BASE_PACKAGES, BuildOptions, DEFAULT_SIZE, DEFAULT_SUITE, DIRECT_BOOT_CMDLINE, GUEST_SETUP, LAB_PACKAGES, apt_mirror};
pub use digest::{Stored, check_stored, copy_hashing, parse_sha256, sha256_file, sha512_file, stamp_verified};
pub use error::{BoxError, Result};
pub use progress::Progress;
pub use store::{BoxStore, BoxSummary, validate_name};

pub use crate::lab::DEFAULT_BOX;

/// The metadata stored beside a box's disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BoxMeta {
    pub name: String,
    /// Where the disk came from: a URL, a local path, or `debootstrap:<suite>` for built boxes.
    pub source: String,
    /// sha256 of `disk.qcow2` as stored.
    pub sha256: String,
    /// Kernel command line for direct kernel boot; present iff the box has `vmlinuz`.
    #[serde(default)]
    pub cmdline: Option<String>,
    /// Debian packages baked into the box (beyond the base set).
    #[serde(default)]
    pub packages: Vec<String>,
    /// What `mlab box build` made of the guest ([`GUEST_SETUP`]); 0 for boxes added from an
    /// image or built by an older mlab.
    #[serde(default)]
    pub guest_setup: u32,
    /// RFC 3339 creation time.
    pub created: String,
}

/// A box found in the store, with the paths a provider needs.
#[derive(Debug, Clone)]
pub struct BoxImage {
    pub meta: BoxMeta,
    pub dir: PathBuf,
    pub disk: PathBuf,
    /// `Some` for direct-kernel-boot boxes.
    pub kernel: Option<PathBuf>,
    pub initrd: Option<PathBuf>,
}

impl BoxImage {
    /// Load the box stored in `dir`, or `None` if there is no complete box there.
    pub fn load(dir: &Path) -> Option<BoxImage> {
        let meta: BoxMeta = serde_json::from_slice(&std::fs::read(dir.join("box.json")).ok()?).ok()?;
        let disk = dir.join("disk.qcow2");
        if !disk.is_file() {
            return None;
        }
        let kernel = Some(dir.join("vmlinuz")).filter(|p| p.is_file());
        let initrd = Some(dir.join("initrd.img")).filter(|p| p.is_file());
        Some(BoxImage { meta, dir: dir.to_path_buf(), disk, kernel, initrd })
    }
}
