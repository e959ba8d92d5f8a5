//! Where mlab keeps things on the host.
//!
//! Everything lives under one root, `$MLAB_HOME`, so a test (or a user with two setups) can
//! point mlab somewhere else with one variable. Default: the XDG data dir (`~/.local/share/mlab`).

use std::path::PathBuf;

/// The root of all mlab state: `$MLAB_HOME`, else `$XDG_DATA_HOME/mlab`, else `~/.local/share/mlab`.
pub fn mlab_home() -> PathBuf {
    if let Some(home) = std::env::var_os("MLAB_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    directories::ProjectDirs::from("", "", "mlab")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".mlab"))
}

/// Base images: `$MLAB_HOME/boxes/<name>/`.
pub fn boxes_dir() -> PathBuf {
    mlab_home().join("boxes")
}

/// Per-lab state: `$MLAB_HOME/labs/<lab>/`.
pub fn labs_dir() -> PathBuf {
    mlab_home().join("labs")
}
