//! What mlab remembers about a lab on this host, under `$MLAB_HOME/labs/<lab>/`:
//! - `state.json`: the lab reference, provider, nodes added on demand, finished provisioning
//!   steps; written atomically (temp file + rename), so a crash never leaves half a file;
//! - `lock`: held while a command changes the lab, naming its holder for the next one;
//! - keys, known_hosts, disks, seeds, console and step logs ([`LabDir`] names them all).
//!
//! The hypervisor is the truth about what exists; this state only says what mlab meant.

mod dir;
mod lock;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use dir::LabDir;
pub use lock::LabLock;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("lab `{lab}` is busy: {holder}")]
    Locked { lab: String, holder: String },
    #[error("cannot {action} {path}: {source}")]
    Io { action: &'static str, path: String, source: std::io::Error },
    #[error("the state file {path} is damaged ({source}); `mlab destroy --lab {lab}` removes the lab, or restore the file")]
    Corrupt { lab: String, path: String, source: serde_json::Error },
}

impl StateError {
    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        StateError::Io { action, path: path.display().to_string(), source }
    }
}

/// A node `mlab add-agent` added beyond the lab file.
pub use crate::lab::AddedNode;

/// The state file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    /// The lab as the user named it: a built-in name or an absolute path to its file.
    pub source: String,
    /// The provider and its connection, e.g. `libvirt` + `qemu:///system`.
    pub provider: String,
    pub uri: String,
    /// Unix time of the first `up`.
    pub created_at: u64,
    /// Nodes added with `mlab add-agent`, in order.
    #[serde(default)]
    pub added_nodes: Vec<AddedNode>,
    /// Nodes started on demand (autostart off in the lab file) that `up` should keep running.
    #[serde(default)]
    pub started_on_demand: Vec<String>,
    /// The subnet mlab chose for this instance because its lab file's overlapped another lab's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<ipnet::Ipv4Net>,
    /// The host's hosts file that carries the lab's block (`mlab up --host-entries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_entries: Option<std::path::PathBuf>,
    /// node -> step -> hash of what the step ran, for steps that finished.
    #[serde(default)]
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
}

impl LabState {
    /// Read the state of the lab in `dir`; `None` if it has none yet.
    pub fn load(dir: &LabDir) -> Result<Option<LabState>, StateError> {
        let path = dir.state_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|source| StateError::Corrupt {
                lab: dir.name.clone(),
                path: path.display().to_string(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", &path, e)),
        }
    }

    /// Write atomically (see [`write_private`]).
    pub fn save(&self, dir: &LabDir) -> Result<(), StateError> {
        let path = dir.state_file();
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| StateError::io("encode", &path, std::io::Error::other(e)))?;
        write_private(&path, &bytes)
    }
}

/// Write a lab's file atomically, private to its owner like everything of a lab that is not for
/// qemu (see [`LabDir::create`]): a temp file beside it, synced, then renamed over it, so a
/// crash never leaves half a file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)
    }
    .map_err(|e| StateError::io("write", &tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| StateError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| StateError::io("replace", path, e))
}

/// Labs that have a directory on this host, sorted.
pub fn known_labs(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut names: Vec<String> =
        entries.filter_map(|e| e.ok()).filter(|e| e.path().join("state.json").is_file()).filter_map(|e| e.file_name().to_str().map(str::to_string)).collect();
    names.sort();
    names
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labs_files_are_private_but_what_qemu_opens() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "demo");
        dir.create().unwrap();
        LabState::default().save(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.state_file()), 0o600);
        assert_eq!(mode(&dir.root.join("hostkeys")), 0o700, "host private keys");
        assert_eq!(mode(&dir.logs()), 0o700, "step logs");
        for qemu_reaches in [dir.root.clone(), dir.disks(), dir.seeds(), dir.consoles()] {
            assert_eq!(mode(&qemu_reaches), 0o711, "{}: traversable, not listable", qemu_reaches.display());
        }
    }

    #[test]
    fn state_round_trips_and_replaces_atomically() {
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "demo");
        dir.create().unwrap();
        assert_eq!(LabState::load(&dir).unwrap(), None);
        let mut s = LabState { source: "mini-cluster".into(), provider: "libvirt".into(), uri: "test:///default".into(), ..Default::default() };
        s.steps.entry("master1".into()).or_default().insert("zookeeper".into(), "abc".into());
        s.save(&dir).unwrap();
        assert_eq!(LabState::load(&dir).unwrap(), Some(s.clone()));
        assert!(!dir.state_file().with_extension("json.tmp").exists());
        assert_eq!(known_labs(root.path()), vec!["demo".to_string()]);
    }

    #[test]
    fn damaged_state_says_what_to_do() {
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "demo");
        dir.create().unwrap();
        std::fs::write(dir.state_file(), b"{not json").unwrap();
        let err = LabState::load(&dir).unwrap_err().to_string();
        assert!(err.contains("damaged") && err.contains("mlab destroy --lab demo"), "{err}");
    }
}
