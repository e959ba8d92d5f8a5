//! Errors of the box store.

use std::path::PathBuf;

use thiserror::Error;

use super::DEFAULT_BOX;

/// Everything that can go wrong while listing, adding, building or removing boxes.
#[derive(Debug, Error)]
pub enum BoxError {
    #[error("cannot reach the host's network (to download or debootstrap from there): {0}")]
    HostNetwork(std::io::Error),

    #[error("box '{name}' is not installed; get it with `{hint}`")]
    NotFound { name: String, hint: String },

    #[error("box '{0}' already exists; remove it first with `mlab box remove {0}`")]
    AlreadyExists(String),

    #[error("invalid box name '{0}': {rule}", rule = crate::lab::fields::NAME_RULE)]
    InvalidName(String),

    #[error(
        "box '{name}' in {dir} is incomplete or damaged (no readable box.json or disk.qcow2); remove it with `mlab box remove {name}` and add or build it again"
    )]
    Damaged { name: String, dir: PathBuf },

    #[error(
        "box '{name}' changed since it was stored: {disk} has sha256 {actual}, not the {expected} recorded; remove it with `mlab box remove {name}` and add or build it again"
    )]
    Changed { name: String, disk: PathBuf, expected: String, actual: String },

    #[error("{action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },

    #[error("download of {url} failed: {message}; check the URL and that the host can reach it")]
    Download { url: String, message: String },

    #[error("source '{0}' is neither an http(s) URL nor an existing file; give a URL or a path to a disk image")]
    BadSource(String),

    #[error(
        "checksum mismatch for {image}: expected sha256 {expected}, got {actual}; nothing was stored. Check the --sha256 value against the image publisher's SHA256SUMS"
    )]
    ChecksumMismatch { image: String, expected: String, actual: String },

    #[error("'{0}' is not a sha256 checksum: give 64 hexadecimal digits")]
    BadChecksum(String),

    #[error(
        "{0} is downloaded, so its sha256 is required: add `--sha256 H` with the value from the image publisher's SHA256SUMS (nothing unverified becomes a box)"
    )]
    ChecksumRequired(String),

    #[error("{path} is a '{format}' image; mlab boxes must be qcow2 or raw disk images (e.g. a Debian 'genericcloud' .qcow2)")]
    UnsupportedFormat { path: PathBuf, format: String },

    #[error("{path} is a {why}; give a qcow2 cloud image or a raw disk image")]
    NotADisk { path: PathBuf, why: String },

    #[error("{path} is a qcow2 image with a backing file ({backing}); give a standalone image (`qemu-img convert -O qcow2` flattens it)")]
    HasBackingFile { path: PathBuf, backing: String },

    #[error("`{program}` is not installed; run `scripts/host-setup.sh` (or `apt-get install {package}`)")]
    MissingTool { program: String, package: String },

    #[error("`{command}` failed ({status}): {output}")]
    Command { command: String, status: String, output: String },

    #[error("building a box needs root (debootstrap and device files); run it as root, e.g. `sudo mlab box build {0}`")]
    NotRoot(String),
    #[error("no Debian mirror for {0} in this host's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/); add one, as `apt-get update` uses")]
    NoMirror(String),

    #[error("could not understand `qemu-img info` output for {path}: {message}")]
    QemuImgInfo { path: PathBuf, message: String },
}

impl BoxError {
    /// The error for a box that is not in the store, naming the command that gets it.
    pub fn not_found(name: &str) -> BoxError {
        let hint = if name == DEFAULT_BOX {
            format!("mlab box build {name}")
        } else {
            format!(
                "mlab box add {name} SOURCE --sha256 H` (SOURCE: an https URL or a local qcow2 file), or build it from Debian packages with `mlab box build {name}"
            )
        };
        BoxError::NotFound { name: name.to_string(), hint }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BoxError {
        let path = path.into();
        move |source| BoxError::Io { action, path, source }
    }
}

pub type Result<T, E = BoxError> = std::result::Result<T, E>;
