//! The host's artifact cache: verified files by checksum, `DIR/<sha256>/<file>`, and for built
//! artifacts an index from the build's key (the checksums of its recipe and inputs) to the file
//! it made, `DIR/built/<name>-<key>.json`. `DIR` is `$MLAB_ARTIFACTS`, else
//! `$MLAB_HOME/artifacts`.
//!
//! Nothing enters the cache unverified: a file is hashed while it is copied into a temporary
//! file inside the cache, checked against the pinned checksum, and only then renamed into
//! place, so an interrupted or mismatched copy leaves nothing under a checksum's name.

use std::collections::BTreeMap;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ArtifactError;
use crate::boxes::copy_hashing;
use crate::lab::catalog::{Artifact, Obtain, Pin};

/// A verified file in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CachedFile {
    pub path: PathBuf,
    pub sha256: String,
    pub file_name: String,
    pub size: u64,
}

/// Whether an artifact can be staged, and if not what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Availability {
    Ready(CachedFile),
    /// Not on this host yet; `fix` is the command (or step) that gets it.
    Missing {
        why: String,
        fix: String,
    },
    /// Cannot be obtained at all.
    Unavailable(String),
}

impl Availability {
    /// One line for reports: why not, and what to do.
    pub fn reason(&self) -> Option<String> {
        match self {
            Availability::Ready(_) => None,
            Availability::Missing { why, fix } => Some(format!("{why}; {fix}")),
            Availability::Unavailable(why) => Some(format!("not available: {why}")),
        }
    }
}

/// What a finished build made, as recorded in the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BuiltRecord {
    sha256: String,
    file_name: String,
    built_at: u64,
    seconds: f64,
}

/// The host's artifact cache.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    pub dir: PathBuf,
}

impl ArtifactCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ArtifactCache { dir: dir.into() }
    }

    /// `$MLAB_ARTIFACTS`, else `$MLAB_HOME/artifacts`.
    pub fn default_location() -> Self {
        let dir = std::env::var_os("MLAB_ARTIFACTS").filter(|v| !v.is_empty()).map(PathBuf::from);
        ArtifactCache::new(dir.unwrap_or_else(|| crate::paths::mlab_home().join("artifacts")))
    }

    /// Where a verified file lives.
    pub fn path_of(&self, sha256: &str, file_name: &str) -> PathBuf {
        self.dir.join(sha256).join(file_name)
    }

    /// Build roots live beside the files they make.
    pub fn buildroots_dir(&self) -> PathBuf {
        self.dir.join("buildroots")
    }

    /// Logs of builds, kept for the message of a failed one.
    pub fn logs_dir(&self) -> PathBuf {
        self.dir.join("logs")
    }

    fn built_record(&self, name: &str, key: &str) -> PathBuf {
        self.dir.join("built").join(format!("{name}-{key}.json"))
    }

    /// Where the record of a finished build is kept (bundles carry it along).
    pub(crate) fn built_record_path(&self, name: &str, key: &str) -> PathBuf {
        self.built_record(name, key)
    }

    /// Take a build record from a bundle, if the file it names is in the cache already (it is
    /// imported first, verified). Returns whether it was taken.
    pub(crate) fn adopt_record(&self, name: &str, key: &str, text: &str) -> Result<bool, ArtifactError> {
        let Ok(record) = serde_json::from_str::<BuiltRecord>(text) else { return Ok(false) };
        if check_file_name(name).is_err() || !key.chars().all(|c| c.is_ascii_hexdigit()) || self.pinned(&record.sha256, &record.file_name).is_none() {
            return Ok(false);
        }
        write_atomically(&self.built_record(name, key), text.as_bytes())?;
        Ok(true)
    }

    /// The cached file of a pinned artifact, if it is here and still what was verified.
    ///
    /// Cheap on the common path: a file whose size, modification time and inode match the stamp
    /// written when it was last hashed is trusted. Any other (changed in place, truncated, or
    /// cached before stamps existed) is hashed again; a file that no longer matches its
    /// checksum is not used, so the artifact is fetched or built again.
    pub fn pinned(&self, sha256: &str, file_name: &str) -> Option<CachedFile> {
        let path = self.path_of(sha256, file_name);
        let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
        match crate::boxes::check_stored(&path, sha256) {
            Ok(crate::boxes::Stored::Intact) => {}
            Ok(crate::boxes::Stored::Changed { actual }) => {
                tracing::warn!(path = %path.display(), expected = sha256, actual, "a cached file changed; it is not used");
                return None;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "a cached file cannot be read; it is not used");
                return None;
            }
        }
        Some(CachedFile { path, sha256: sha256.to_string(), file_name: file_name.to_string(), size: meta.len() })
    }

    /// What the build `name` with key `key` made, if it finished before and its file is here.
    pub fn built(&self, name: &str, key: &str) -> Option<CachedFile> {
        let text = std::fs::read_to_string(self.built_record(name, key)).ok()?;
        let record: BuiltRecord = serde_json::from_str(&text).ok()?;
        self.pinned(&record.sha256, &record.file_name)
    }

    /// Record that the build `name` with key `key` made `file` (already in the cache).
    pub fn record_built(&self, name: &str, key: &str, file: &CachedFile, seconds: f64) -> Result<(), ArtifactError> {
        let record = BuiltRecord { sha256: file.sha256.clone(), file_name: file.file_name.clone(), built_at: crate::state::now(), seconds };
        let path = self.built_record(name, key);
        let text = serde_json::to_string_pretty(&record).unwrap_or_default();
        write_atomically(&path, text.as_bytes())
    }

    /// Copy `reader` into the cache as `file_name`, hashing while writing; keep it only if its
    /// checksum is `expected` (any checksum when `None`, for what a build made).
    pub fn store(&self, reader: &mut dyn Read, file_name: &str, expected: Option<&str>, on_progress: impl FnMut(u64)) -> Result<CachedFile, ArtifactError> {
        check_file_name(file_name)?;
        let incoming = self.dir.join("incoming");
        std::fs::create_dir_all(&incoming).map_err(|e| ArtifactError::io("create", &incoming, e))?;
        remove_abandoned(&incoming);
        let temp = tempfile::Builder::new().prefix(".partial-").tempfile_in(&incoming).map_err(|e| ArtifactError::io("create a file in", &incoming, e))?;
        let (size, sha256) = {
            let mut writer = BufWriter::new(temp.as_file());
            copy_hashing(reader, &mut writer, on_progress).map_err(|e| ArtifactError::io("write", temp.path(), e))?
        };
        if let Some(expected) = expected {
            if sha256 != expected {
                // The temporary file is removed as `temp` drops.
                return Err(ArtifactError::Mismatch { file: file_name.to_string(), expected: expected.to_string(), actual: sha256 });
            }
        }
        temp.as_file().sync_all().map_err(|e| ArtifactError::io("sync", temp.path(), e))?;
        let path = self.path_of(&sha256, file_name);
        let dir = path.parent().unwrap_or(&self.dir).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| ArtifactError::io("create", &dir, e))?;
        temp.persist(&path).map_err(|e| ArtifactError::io("move into place", &path, e.error))?;
        // Hashed on the way in: stamped, so `pinned` need not hash it again.
        crate::boxes::stamp_verified(&path);
        Ok(CachedFile { path, sha256, file_name: file_name.to_string(), size })
    }

    /// The cached file pinned by SHA-512 `sha512` (found through the alias a verified store
    /// wrote), if it is here.
    pub fn pinned_sha512(&self, sha512: &str, file_name: &str) -> Option<CachedFile> {
        let alias = self.sha512_alias(sha512)?;
        let sha256 = std::fs::read_to_string(alias).ok()?;
        self.pinned(sha256.trim(), file_name)
    }

    /// The file an artifact's pin names, if it is in the cache: by SHA-256, else by SHA-512.
    pub fn pinned_artifact(&self, a: &Artifact, file_name: &str) -> Option<CachedFile> {
        match a.pin()? {
            Pin::Sha256(sum) => self.pinned(sum, file_name),
            Pin::Sha512(sum) => self.pinned_sha512(sum, file_name),
        }
    }

    fn sha512_alias(&self, sha512: &str) -> Option<PathBuf> {
        crate::lab::validate::is_sha512(sha512).then(|| self.dir.join("sha512").join(sha512))
    }

    /// [`ArtifactCache::store`] for a file pinned by SHA-512: verified against it before it is
    /// kept, then recorded so that [`ArtifactCache::pinned_sha512`] finds it.
    pub fn store_sha512(&self, reader: &mut dyn Read, file_name: &str, sha512: &str, on_progress: impl FnMut(u64)) -> Result<CachedFile, ArtifactError> {
        let alias = self.sha512_alias(sha512).ok_or_else(|| ArtifactError::Tool(format!("`{sha512}` is not a SHA-512 checksum")))?;
        check_file_name(file_name)?;
        let incoming = self.dir.join("incoming");
        std::fs::create_dir_all(&incoming).map_err(|e| ArtifactError::io("create", &incoming, e))?;
        let temp = tempfile::Builder::new().prefix(".partial-").tempfile_in(&incoming).map_err(|e| ArtifactError::io("create a file in", &incoming, e))?;
        {
            let mut writer = BufWriter::new(temp.as_file());
            copy_hashing(reader, &mut writer, on_progress).map_err(|e| ArtifactError::io("write", temp.path(), e))?;
        }
        let actual = crate::boxes::sha512_file(temp.path()).map_err(|e| ArtifactError::io("read", temp.path(), e))?;
        if actual != sha512 {
            return Err(ArtifactError::Mismatch { file: file_name.to_string(), expected: format!("sha512 {sha512}"), actual: format!("sha512 {actual}") });
        }
        let mut file = std::fs::File::open(temp.path()).map_err(|e| ArtifactError::io("open", temp.path(), e))?;
        let stored = self.store(&mut file, file_name, None, |_| {})?;
        write_atomically(&alias, stored.sha256.as_bytes())?;
        Ok(stored)
    }

    /// Copy a local file into the cache, verified against `expected`.
    pub fn store_file(&self, from: &Path, file_name: &str, expected: Option<&str>) -> Result<CachedFile, ArtifactError> {
        let mut file = std::fs::File::open(from).map_err(|e| ArtifactError::io("open", from, e))?;
        self.store(&mut file, file_name, expected, |_| {}).map_err(|e| match e {
            ArtifactError::Mismatch { expected, actual, .. } => ArtifactError::Mismatch { file: from.display().to_string(), expected, actual },
            other => other,
        })
    }

    /// Where each artifact stands on this host. Built artifacts are found by their build key
    /// (`keys`, computed by the caller from the recipes); the rest by their pinned checksum.
    pub fn availability(&self, artifacts: &BTreeMap<String, Artifact>, keys: &BTreeMap<String, String>) -> BTreeMap<String, Availability> {
        artifacts.iter().map(|(name, a)| (name.clone(), self.check(a, keys.get(name).map(String::as_str)))).collect()
    }

    fn check(&self, a: &Artifact, build_key: Option<&str>) -> Availability {
        match &a.obtain {
            Obtain::Unavailable { why } => Availability::Unavailable(why.clone()),
            Obtain::Build { .. } => match build_key.and_then(|key| self.built(&a.name, key)) {
                Some(file) => Availability::Ready(file),
                None => {
                    Availability::Missing { why: format!("`{}` is not built on this host yet", a.name), fix: format!("run `mlab artifact build {}`", a.name) }
                }
            },
            Obtain::Fetch | Obtain::Import => {
                let Some(pin) = a.pin() else {
                    return Availability::Missing {
                        why: format!("artifact `{}` is not pinned", a.name),
                        fix: "add its sha256 to the lab's `artifacts:` (or your catalog) after checking the file (`sha256sum FILE`)".into(),
                    };
                };
                let Some(file_name) = &a.file_name else {
                    return Availability::Missing {
                        why: format!("artifact `{}` has no source or file name", a.name),
                        fix: "give it `source:` or `file:`".into(),
                    };
                };
                match self.pinned_artifact(a, file_name) {
                    Some(file) => Availability::Ready(file),
                    None if a.obtain == Obtain::Fetch => {
                        Availability::Missing { why: format!("`{}` is not in the host cache", a.name), fix: format!("run `mlab artifact fetch {}`", a.name) }
                    }
                    None => Availability::Missing {
                        why: format!("`{}` has no source mlab can reach{}", a.name, a.origin.as_deref().map(|o| format!(" (it is {o})")).unwrap_or_default()),
                        fix: format!("bring the file and run `mlab artifact import FILE` ({pin})"),
                    },
                }
            }
        }
    }
}

/// Size, modification time (ns) and inode of a file when its checksum was last confirmed.
/// Partial files a killed mlab left (a Ctrl-C ends the process before it can remove its own):
/// any a day old is no copy still running.
fn remove_abandoned(incoming: &Path) {
    let Ok(entries) = std::fs::read_dir(incoming) else { return };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.filter_map(|e| e.ok()) {
        let old = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).is_some_and(|age| age > day);
        if old && entry.file_name().to_string_lossy().starts_with(".partial-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A file name that stays inside its cache directory.
fn check_file_name(name: &str) -> Result<(), ArtifactError> {
    let ok = !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0') && !name.starts_with('.');
    if ok { Ok(()) } else { Err(ArtifactError::BadFileName(name.to_string())) }
}

/// Write through a temporary file and rename, so a reader never sees half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ArtifactError::io("create", dir, e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ArtifactError::io("create a file in", dir, e))?;
    std::io::Write::write_all(&mut temp, bytes).map_err(|e| ArtifactError::io("write", path, e))?;
    temp.persist(path).map_err(|e| ArtifactError::io("move into place", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;

    fn artifact(obtain: Obtain, sha256: Option<String>) -> Artifact {
        Artifact {
            name: "tool".into(),
            version: None,
            source: Some("/srv/tool.tgz".into()),
            sha256,
            roles: vec![Role::MesosMaster],
            file_name: Some("tool.tgz".into()),
            obtain,
            inputs: Vec::new(),
            origin: None,
            sha512: None,
        }
    }

    #[test]
    fn a_cached_file_changed_in_place_is_not_trusted() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let stored = cache.store(&mut &b"mesos build"[..], "mesos.tar.gz", None, |_| {}).unwrap();
        assert_eq!(cache.pinned(&stored.sha256, "mesos.tar.gz"), Some(stored.clone()), "found after a store");
        // A cache from before stamps: hashed once, then stamped.
        let stamp = stored.path.with_file_name(".mesos.tar.gz.verified");
        std::fs::remove_file(&stamp).unwrap();
        assert_eq!(cache.pinned(&stored.sha256, "mesos.tar.gz"), Some(stored.clone()));
        assert!(stamp.exists(), "stamped after the hash matched");
        // Same size, other bytes: the stamp no longer matches, the hash does not either.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&stored.path, b"mesos BUILD").unwrap();
        assert_eq!(cache.pinned(&stored.sha256, "mesos.tar.gz"), None, "a changed file is not used");
        // Stored again, it is found again.
        let again = cache.store(&mut &b"mesos build"[..], "mesos.tar.gz", None, |_| {}).unwrap();
        assert_eq!(cache.pinned(&again.sha256, "mesos.tar.gz"), Some(again));
    }

    #[test]
    fn a_sha512_pin_is_verified_and_then_found_by_it() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let sha512 = hex::encode(<sha2::Sha512 as sha2::Digest>::digest(b"release contents"));
        let wrong = "0".repeat(128);
        let err = cache.store_sha512(&mut &b"tampered contents"[..], "kafka.tgz", &sha512, |_| {}).unwrap_err().to_string();
        assert!(err.contains(&sha512) && err.contains("nothing was stored"), "{err}");
        assert_eq!(cache.pinned_sha512(&sha512, "kafka.tgz"), None);
        assert!(std::fs::read_dir(cache.dir.join("incoming")).unwrap().next().is_none(), "no partial file is left");

        let stored = cache.store_sha512(&mut &b"release contents"[..], "kafka.tgz", &sha512, |_| {}).unwrap();
        assert_eq!(stored.sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"release contents")), "kept under its SHA-256");
        assert_eq!(cache.pinned_sha512(&sha512, "kafka.tgz"), Some(stored.clone()));
        assert_eq!(cache.pinned_sha512(&wrong, "kafka.tgz"), None);
        let mut pinned = artifact(Obtain::Fetch, None);
        pinned.sha512 = Some(sha512);
        pinned.file_name = Some("kafka.tgz".into());
        assert_eq!(cache.check(&pinned, None), Availability::Ready(stored), "an artifact pinned by SHA-512 is staged once cached");
    }

    #[test]
    fn store_keeps_only_verified_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let sum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"tool contents"));
        let stored = cache.store(&mut &b"tool contents"[..], "tool.tgz", Some(&sum), |_| {}).unwrap();
        assert_eq!(std::fs::read(&stored.path).unwrap(), b"tool contents");
        assert_eq!(cache.pinned(&sum, "tool.tgz"), Some(stored));

        let wrong = "0".repeat(64);
        let err = cache.store(&mut &b"other contents"[..], "tool.tgz", Some(&wrong), |_| {}).unwrap_err().to_string();
        assert!(err.contains(&wrong) && err.contains("has sha256"), "both checksums are named: {err}");
        assert!(!cache.path_of(&wrong, "tool.tgz").exists());
        let leftovers: Vec<_> = std::fs::read_dir(cache.dir.join("incoming")).unwrap().collect();
        assert!(leftovers.is_empty(), "no partial file is left: {leftovers:?}");
    }

    #[test]
    fn an_interrupted_copy_leaves_nothing() {
        struct Breaks(usize);
        impl Read for Breaks {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset"));
                }
                self.0 -= 1;
                buf[0] = b'x';
                Ok(1)
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path());
        assert!(cache.store(&mut Breaks(3), "tool.tgz", None, |_| {}).is_err());
        let everything: Vec<_> = walk(tmp.path());
        assert!(everything.iter().all(|p| p.is_dir()), "only empty directories remain: {everything:?}");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            }
            out.push(path);
        }
        out
    }

    #[test]
    fn file_names_cannot_leave_the_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path());
        for bad in ["../../usr", "a/b", "..", ".hidden", ""] {
            assert!(matches!(cache.store(&mut &b"x"[..], bad, None, |_| {}), Err(ArtifactError::BadFileName(_))), "{bad}");
        }
    }

    #[test]
    fn availability_says_what_to_run() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path());
        let keys = BTreeMap::from([("tool".to_string(), "k1".to_string())]);
        let built = artifact(Obtain::Build { recipe: "tool".into() }, None);
        let all = BTreeMap::from([("tool".to_string(), built)]);
        let Availability::Missing { fix, .. } = &cache.availability(&all, &keys)["tool"] else { panic!("not built yet") };
        assert_eq!(fix, "run `mlab artifact build tool`");
        let file = cache.store(&mut &b"made"[..], "tool.deb", None, |_| {}).unwrap();
        cache.record_built("tool", "k1", &file, 1.0).unwrap();
        assert_eq!(cache.availability(&all, &keys)["tool"], Availability::Ready(file));
        let other_key = BTreeMap::from([("tool".to_string(), "k2".to_string())]);
        assert!(matches!(cache.availability(&all, &other_key)["tool"], Availability::Missing { .. }), "a changed recipe or input needs a new build");

        let gone = BTreeMap::from([("tool".to_string(), artifact(Obtain::Unavailable { why: "shut down".into() }, None))]);
        assert_eq!(cache.availability(&gone, &keys)["tool"].reason().unwrap(), "not available: shut down");
    }
}
