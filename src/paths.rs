//! Where mlab keeps things on the host.
//!
//! Everything lives under one root, `$MLAB_HOME`, so a test (or a user with two setups) can
//! point mlab somewhere else with one variable. Default: the XDG data dir (`~/.local/share/mlab`),
//! or `/var/lib/mlab` for root: with `qemu:///system` the VMs run as libvirt's qemu user, which
//! must reach the disks, and root's home is closed to it.

use std::path::PathBuf;

/// The root of all mlab state: `$MLAB_HOME`, else `/var/lib/mlab` for root, else
/// `$XDG_DATA_HOME/mlab` (`~/.local/share/mlab`).
pub fn mlab_home() -> PathBuf {
    if let Some(home) = std::env::var_os("MLAB_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    if is_root() {
        return PathBuf::from("/var/lib/mlab");
    }
    directories::ProjectDirs::from("", "", "mlab").map(|dirs| dirs.data_dir().to_path_buf()).unwrap_or_else(|| PathBuf::from(".mlab"))
}

/// Base images: `$MLAB_HOME/boxes/<name>/`.
pub fn boxes_dir() -> PathBuf {
    mlab_home().join("boxes")
}

/// Per-lab state: `$MLAB_HOME/labs/<lab>/`.
pub fn labs_dir() -> PathBuf {
    mlab_home().join("labs")
}

fn is_root() -> bool {
    // The effective uid of this process; /proc is always there on Linux hosts mlab supports.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0")))
        .unwrap_or(false)
}
