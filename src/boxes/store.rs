//! The box store: one directory per box under `paths::boxes_dir()`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tracing::info;

use super::error::{BoxError, Result};
use super::{BoxImage, BoxMeta};

/// A directory of boxes. In-progress adds and builds live in hidden `.NAME-*` temp
/// directories beside the boxes and are renamed into place only when complete.
#[derive(Debug, Clone)]
pub struct BoxStore {
    dir: PathBuf,
}

/// One line of `mlab box list`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BoxSummary {
    pub name: String,
    pub source: String,
    /// Bytes used by the box's files on the host.
    pub size: u64,
    pub packages: Vec<String>,
    pub created: String,
}

impl BoxStore {
    /// The store at `$MLAB_HOME/boxes`.
    pub fn open_default() -> BoxStore {
        BoxStore::new(crate::paths::boxes_dir())
    }

    /// A store in an explicit directory (tests, or a second store). It need not exist yet.
    pub fn new(dir: impl Into<PathBuf>) -> BoxStore {
        BoxStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the box `name` lives (whether or not it exists).
    pub fn box_dir(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.dir.join(name))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.box_dir(name).map(|dir| dir.exists()).unwrap_or(false)
    }

    /// The box `name`; if absent, the error names the command that gets it.
    pub fn get(&self, name: &str) -> Result<BoxImage> {
        let dir = self.box_dir(name)?;
        if !dir.exists() {
            return Err(BoxError::not_found(name));
        }
        let image = BoxImage::load(&dir).ok_or_else(|| BoxError::Damaged { name: name.to_string(), dir: dir.clone() })?;
        // Every node's disk is a linked clone of this one: a box changed since it was stored
        // would give nodes a disk nobody checked. Cheap unless the file changed (a stamp).
        match super::check_stored(&image.disk, &image.meta.sha256).map_err(BoxError::io("cannot read", &image.disk))? {
            super::Stored::Intact => Ok(image),
            super::Stored::Changed { actual } => Err(BoxError::Changed { name: name.to_string(), disk: image.disk, expected: image.meta.sha256, actual }),
        }
    }

    /// All complete boxes, sorted by name. Damaged entries are skipped (with a log line).
    pub fn list(&self) -> Result<Vec<BoxSummary>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BoxError::io("cannot read box store", &self.dir)(e)),
        };
        let mut boxes = Vec::new();
        for entry in entries {
            let entry = entry.map_err(BoxError::io("cannot read box store", &self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            match BoxImage::load(&entry.path()) {
                Some(image) => boxes.push(summarise(&name, &image.meta, dir_size(&entry.path()))),
                None => info!(box_dir = %entry.path().display(), "skipping incomplete box"),
            }
        }
        boxes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(boxes)
    }

    /// Delete the box `name` and its files.
    pub fn remove(&self, name: &str) -> Result<()> {
        let dir = self.box_dir(name)?;
        if !dir.exists() {
            return Err(BoxError::not_found(name));
        }
        std::fs::remove_dir_all(&dir).map_err(BoxError::io("cannot remove", &dir))?;
        info!(name, "box removed");
        Ok(())
    }

    /// A fresh hidden working directory inside the store (same file system, so the finished
    /// box can be renamed into place atomically). Removed when dropped.
    pub(crate) fn work_dir(&self, name: &str, purpose: &str) -> Result<tempfile::TempDir> {
        std::fs::create_dir_all(&self.dir).map_err(BoxError::io("cannot create box store", &self.dir))?;
        tempfile::Builder::new()
            .prefix(&format!(".{purpose}-{name}-"))
            .tempdir_in(&self.dir)
            .map_err(BoxError::io("cannot create a working directory in", &self.dir))
    }

    /// Move a finished box directory into place. Fails (leaving the store unchanged) if a box
    /// of that name appeared meanwhile.
    pub(crate) fn install(&self, name: &str, finished: &Path) -> Result<BoxImage> {
        let target = self.box_dir(name)?;
        if target.exists() {
            return Err(BoxError::AlreadyExists(name.to_string()));
        }
        // Temp dirs are created 0700; qemu runs as an unprivileged user (libvirt-qemu) that
        // must reach the disk and kernel through this directory.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(finished, std::fs::Permissions::from_mode(0o755)).map_err(BoxError::io("cannot set permissions of", finished))?;
        std::fs::rename(finished, &target).map_err(BoxError::io("cannot move the finished box to", &target))?;
        BoxImage::load(&target).ok_or_else(|| BoxError::Damaged { name: name.to_string(), dir: target })
    }
}

fn summarise(name: &str, meta: &BoxMeta, size: u64) -> BoxSummary {
    BoxSummary { name: name.to_string(), source: meta.source.clone(), size, packages: meta.packages.clone(), created: meta.created.clone() }
}

/// Bytes used by the regular files directly in `dir` (boxes are flat).
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(|entry| entry.metadata().ok()).filter(|meta| meta.is_file()).map(|meta| meta.len()).sum()
}

/// Box names become directory names and libvirt volume names: keep them simple.
pub fn validate_name(name: &str) -> Result<()> {
    if crate::lab::fields::is_artifact_name(name) { Ok(()) } else { Err(BoxError::InvalidName(name.to_string())) }
}

/// Now, as RFC 3339 UTC with seconds, for `BoxMeta::created`.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Write `box.json` into a box directory being assembled.
pub(crate) fn write_meta(dir: &Path, meta: &BoxMeta) -> Result<()> {
    let path = dir.join("box.json");
    let json = serde_json::to_vec_pretty(meta).map_err(|e| BoxError::Io { action: "cannot encode", path: path.clone(), source: std::io::Error::other(e) })?;
    std::fs::write(&path, json).map_err(BoxError::io("cannot write", &path))
}
