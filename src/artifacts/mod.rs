//! Artifacts: the software Debian does not ship (Mesos, Mesos-DNS, Spark, Kafka, ...).
//!
//! - [`catalog`]: where each comes from (`provisioners/artifacts.yaml`, lab overrides).
//! - [`cache`]: verified files by checksum on this host, and the index of finished builds.
//! - [`fetch`]: downloads and copies, verified while written.
//! - [`build`] and [`buildroot`]: recipes run in a Debian 12 chroot, cached by input checksums.
//! - [`elf`]: the one binary edit the Mesos build needs.
//!
//! [`obtain`] is the one entry point that gets an artifact by whatever means it has; staging
//! into labs (the `artifacts` provisioning step) takes files from the cache only.

pub mod build;
pub mod buildroot;
pub mod bundle;
pub mod cache;
pub mod elf;
pub mod fetch;
pub mod listing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use cache::{ArtifactCache, Availability, CachedFile};

use crate::boxes::Progress;
use crate::lab::{Artifact, Obtain};
use crate::provisioners::Provisioners;

/// What can go wrong obtaining an artifact, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("cannot {what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{file} has sha256 {actual}, not the pinned {expected}; nothing was stored (check the source, or pin the checksum of the file you trust)")]
    Mismatch { file: String, expected: String, actual: String },
    #[error("artifact `{name}` is not pinned: nothing unverified enters a lab; check the file, then add `sha256:` (what `sha256sum FILE` prints) to the lab's `artifacts.{name}` or your catalog{}", if source_hint.is_empty() { String::new() } else { format!(" (source: {source_hint})") })]
    Unpinned { name: String, source_hint: String },
    #[error("artifact `{0}` has no source mlab can fetch from; bring the file and run `mlab artifact import FILE`")]
    NoSource(String),
    #[error("artifact `{name}`: source {location} cannot be used: {why}")]
    BadSource { name: String, location: String, why: String },
    #[error("downloading `{name}` from {url} failed: {why}; nothing was stored, run the command again to restart it")]
    Download { name: String, url: String, why: String },
    #[error("PyPI: {0}")]
    Pypi(String),
    #[error("`{0}` is not a file name an artifact can have (no `/`, no leading `.`)")]
    BadFileName(String),
    #[error("no artifact `{name}` in the catalog; `mlab artifact list` shows them{}", suggestion.as_deref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown { name: String, suggestion: Option<String> },
    #[error("artifact `{0}` is not available here: {1}")]
    Unavailable(String, String),
    #[error("artifact `{0}` is not built on this host yet; run `mlab artifact build {0}` (minutes, once)")]
    NotBuiltYet(String),
    #[error("artifact `{0}` is not made by a build recipe")]
    NotBuilt(String),
    #[error("build recipe `{recipe}`: {why}")]
    Recipe { recipe: String, why: String },
    #[error("build of `{build}` needs its input `{input}`, which is not in the host cache")]
    MissingInput { build: String, input: String },
    #[error("building `{name}` failed in step {step} ({status})\n  last lines of its log:\n{tail}\n  full log: {}", log.display())]
    BuildFailed { name: String, step: String, status: String, tail: String, log: PathBuf },
    #[error("building artifacts needs root (debootstrap and chroot); run it as root")]
    NeedsRoot,
    #[error("{0}")]
    Tool(String),
}

impl ArtifactError {
    pub(crate) fn io(what: &'static str, path: &Path, source: std::io::Error) -> Self {
        ArtifactError::Io { what, path: path.to_path_buf(), source }
    }
}

/// Get `name` into the cache by whatever means it has: already cached, fetched, or built (its
/// inputs fetched first). `build` false refuses to start a build (it takes minutes). Downloads
/// and builds run in the host's network namespace, never in the labs' (see [`crate::netns`]).
pub fn obtain(
    cache: &ArtifactCache,
    provisioners: &Provisioners,
    all: &BTreeMap<String, Artifact>,
    name: &str,
    allow_build: bool,
    progress: Progress,
) -> Result<CachedFile, ArtifactError> {
    crate::netns::from_host(|| {
        let artifact = lookup(all, name)?;
        match &artifact.obtain {
            Obtain::Unavailable { why } => Err(ArtifactError::Unavailable(name.to_string(), why.clone())),
            Obtain::Fetch => fetch::fetch(cache, artifact, progress),
            Obtain::Import => {
                let (Some(sum), Some(file)) = (&artifact.sha256, &artifact.file_name) else { return Err(ArtifactError::NoSource(name.to_string())) };
                cache.pinned(sum, file).ok_or_else(|| ArtifactError::NoSource(name.to_string()))
            }
            Obtain::Build { .. } => {
                let key = build::build_key(provisioners, artifact, all)?;
                if let Some(done) = cache.built(name, &key) {
                    return Ok(done);
                }
                if !allow_build {
                    return Err(ArtifactError::NotBuiltYet(name.to_string()));
                }
                let mut inputs = BTreeMap::new();
                for input in &artifact.inputs {
                    inputs.insert(input.clone(), obtain(cache, provisioners, all, input, allow_build, progress)?);
                }
                build::build(cache, provisioners, artifact, &inputs, progress, all)
            }
        }
    })
    .map_err(|e| ArtifactError::Tool(format!("cannot reach the host's network to get {name}: {e}")))?
}

/// Before a lab is provisioned: fetch what the lab needs that is pinned, build what it needs
/// where that needs no network (inputs cached, build root made), and for the rest say which
/// command gets it. Returns one line per
/// artifact still missing; unavailable ones are left to their steps to report.
pub fn prepare_for_lab(cache: &ArtifactCache, provisioners: &Provisioners, lab_artifacts: &BTreeMap<String, Artifact>, progress: Progress) -> Vec<String> {
    let available = availability(cache, provisioners, lab_artifacts, lab_artifacts);
    let mut notes = Vec::new();
    for (name, state) in &available {
        let artifact = &lab_artifacts[name];
        if artifact.roles.is_empty() {
            continue; // a build input: its build says what it lacks
        }
        let Availability::Missing { why, fix } = state else { continue };
        let fetchable = |a: &Artifact| a.obtain == Obtain::Fetch && a.pin().is_some();
        if fetchable(artifact) {
            progress.note(format!("{name}: fetching it now"));
            match obtain(cache, provisioners, lab_artifacts, name, false, progress) {
                Ok(_) => continue,
                Err(e) => {
                    notes.push(format!("{name}: {e}"));
                    continue;
                }
            }
        }
        // A build starts here once its build root is made (that is the slow, root-only part;
        // a recipe that runs on the host needs none): inputs are here or can be fetched.
        let needs_root = |recipe: &str| build::load_recipe(provisioners, recipe).map(|r| r.runs_in == build::RunsIn::BuildRoot).unwrap_or(true);
        let buildable = matches!(&artifact.obtain, Obtain::Build { recipe } if !needs_root(recipe) || buildroot::BuildRoot::exists(cache, provisioners))
            && artifact.inputs.iter().all(|i| matches!(available.get(i), Some(Availability::Ready(_))) || lab_artifacts.get(i).is_some_and(fetchable));
        if buildable {
            progress.note(format!("{name}: building it now (its inputs are here or pinned)"));
            match obtain(cache, provisioners, lab_artifacts, name, true, progress) {
                Ok(_) => continue,
                Err(e) => notes.push(format!("{name}: {e}")),
            }
        } else {
            notes.push(format!("{why}; {fix}"));
        }
    }
    notes
}

/// Where every artifact of `artifacts` stands on this host (`all`: the whole merged catalog,
/// for build inputs).
pub fn availability(
    cache: &ArtifactCache,
    provisioners: &Provisioners,
    artifacts: &BTreeMap<String, Artifact>,
    all: &BTreeMap<String, Artifact>,
) -> BTreeMap<String, Availability> {
    cache.availability(artifacts, &build::build_keys(provisioners, all))
}

/// `artifacts` with the checksum and file name of what is in the cache filled in where the
/// catalog cannot say them (built artifacts, and those pinned by SHA-512), so the staging step
/// names and verifies the file it installs.
pub fn with_cached_files(artifacts: &BTreeMap<String, Artifact>, available: &BTreeMap<String, Availability>) -> BTreeMap<String, Artifact> {
    let mut out = artifacts.clone();
    for (name, artifact) in &mut out {
        let Some(Availability::Ready(file)) = available.get(name) else { continue };
        if matches!(artifact.obtain, Obtain::Build { .. }) || artifact.sha256.is_none() {
            artifact.sha256 = Some(file.sha256.clone());
            artifact.file_name = Some(file.file_name.clone());
        }
    }
    out
}

/// Add files to the cache that match a pinned artifact of `all` by checksum: a file, or every
/// file in a directory. Returns what was recognised; other files are left alone.
pub fn import(cache: &ArtifactCache, all: &BTreeMap<String, Artifact>, path: &Path) -> Result<Vec<(String, CachedFile)>, ArtifactError> {
    if path.is_file() && bundle::is_bundle(path) {
        return bundle::import_bundle(cache, path);
    }
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(path).map_err(|e| ArtifactError::io("read", path, e))?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
        v.sort();
        v
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        // Say what it is, without reading from it (a device or a FIFO could block or never end).
        let what = match std::fs::metadata(path) {
            Err(e) => return Err(ArtifactError::io("read", path, e)),
            Ok(meta) => {
                use std::os::unix::fs::FileTypeExt;
                let kind = meta.file_type();
                match () {
                    _ if kind.is_char_device() => "a character device",
                    _ if kind.is_block_device() => "a block device",
                    _ if kind.is_fifo() => "a FIFO",
                    _ if kind.is_socket() => "a socket",
                    _ => "not a regular file",
                }
            }
        };
        return Err(ArtifactError::Tool(format!("{} is {what}, not a file or a directory of files; import the files themselves", path.display())));
    };
    let mut found = Vec::new();
    let by_sha512 = all.values().any(|a| a.sha512.is_some());
    for file in files {
        let sum = crate::boxes::sha256_file(&file).map_err(|e| ArtifactError::io("read", &file, e))?;
        let sum512 = if by_sha512 { Some(crate::boxes::sha512_file(&file).map_err(|e| ArtifactError::io("read", &file, e))?) } else { None };
        for artifact in all.values() {
            let Some(file_name) = &artifact.file_name else { continue };
            let stored = if artifact.sha256.as_deref() == Some(sum.as_str()) {
                match cache.pinned(&sum, file_name) {
                    Some(done) => done,
                    None => cache.store_file(&file, file_name, Some(&sum))?,
                }
            } else if artifact.sha256.is_none() && sum512.is_some() && artifact.sha512 == sum512 {
                let mut reader = std::fs::File::open(&file).map_err(|e| ArtifactError::io("open", &file, e))?;
                cache.store_sha512(&mut reader, file_name, sum512.as_deref().unwrap_or_default(), |_| {})?
            } else {
                continue;
            };
            found.push((artifact.name.clone(), stored));
        }
    }
    Ok(found)
}

fn lookup<'a>(all: &'a BTreeMap<String, Artifact>, name: &str) -> Result<&'a Artifact, ArtifactError> {
    all.get(name).ok_or_else(|| ArtifactError::Unknown {
        name: name.to_string(),
        suggestion: all.keys().min_by_key(|k| strsim::levenshtein(k, name)).filter(|k| strsim::levenshtein(k, name) <= 3).cloned(),
    })
}
