//! Which artifacts the host has staged. An artifact is usable only when it is pinned (has a
//! sha256) and its verified file is in the host cache, `$MLAB_HOME/artifacts/<sha256>/<file>`.
//! A source that is a local path is verified and copied into the cache; download of remote
//! sources is not done here, so such an artifact says where to put the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::lab::artifacts::Artifact;

/// Whether an artifact can be staged, and from where.
#[derive(Debug, Clone, PartialEq)]
pub enum Availability {
    /// Verified file in the host cache.
    Ready(PathBuf),
    /// Why not, and what to do.
    Missing(String),
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

    /// `$MLAB_HOME/artifacts`.
    pub fn default_location() -> Self {
        ArtifactCache::new(crate::paths::mlab_home().join("artifacts"))
    }

    /// Where a pinned artifact's file lives in the cache.
    pub fn path_of(&self, sha256: &str, file_name: &str) -> PathBuf {
        self.dir.join(sha256).join(file_name)
    }

    /// Check (and for local sources, fill) the cache for every artifact of a lab.
    pub fn availability(&self, artifacts: &BTreeMap<String, Artifact>) -> BTreeMap<String, Availability> {
        artifacts.iter().map(|(name, a)| (name.clone(), self.check(a))).collect()
    }

    fn check(&self, a: &Artifact) -> Availability {
        let Some(sum) = &a.sha256 else {
            return Availability::Missing(format!(
                "artifact `{}` is not pinned: add its sha256 to the lab's `artifacts:` (or your catalog) after checking the file",
                a.name
            ));
        };
        let Some(file_name) = &a.file_name else {
            return Availability::Missing(format!("artifact `{}` has no source", a.name));
        };
        let cached = self.path_of(sum, file_name);
        if cached.is_file() {
            return Availability::Ready(cached);
        }
        let source = a.source.as_deref().unwrap_or_default();
        let local = source.strip_prefix("file://").unwrap_or(source);
        if !local.contains("://") && Path::new(local).is_file() {
            return match self.import(Path::new(local), sum, &cached) {
                Ok(()) => Availability::Ready(cached),
                Err(why) => Availability::Missing(why),
            };
        }
        Availability::Missing(format!(
            "artifact `{}` is not in the host cache: download {source} yourself, check it, and put it at {}",
            a.name,
            cached.display()
        ))
    }

    /// Copy a local file into the cache if its checksum matches; nothing is kept otherwise.
    fn import(&self, from: &Path, sum: &str, to: &Path) -> Result<(), String> {
        let actual = crate::boxes::sha256_file(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        if actual != *sum {
            return Err(format!("{} has sha256 {actual}, not the pinned {sum}; nothing was staged", from.display()));
        }
        let dir = to.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let tmp = to.with_extension("partial");
        std::fs::copy(from, &tmp).and_then(|_| std::fs::rename(&tmp, to)).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot copy {} into the artifact cache: {e}", from.display())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;

    fn artifact(source: &Path, sha256: Option<String>) -> Artifact {
        Artifact {
            name: "tool".into(),
            version: None,
            source: Some(source.display().to_string()),
            sha256,
            roles: vec![Role::MesosMaster],
            file_name: source.file_name().map(|n| n.to_string_lossy().into_owned()),
        }
    }

    #[test]
    fn local_sources_are_verified_then_cached() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("tool.tgz");
        std::fs::write(&file, b"tool contents").unwrap();
        let sum = crate::boxes::sha256_file(&file).unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));

        let ok = cache.check(&artifact(&file, Some(sum.clone())));
        assert_eq!(ok, Availability::Ready(cache.path_of(&sum, "tool.tgz")));
        assert_eq!(std::fs::read(cache.path_of(&sum, "tool.tgz")).unwrap(), b"tool contents");

        let wrong = "0".repeat(64);
        let Availability::Missing(why) = cache.check(&artifact(&file, Some(wrong.clone()))) else { panic!("accepted a wrong checksum") };
        assert!(why.contains("not the pinned"), "{why}");
        assert!(!cache.path_of(&wrong, "tool.tgz").exists(), "nothing kept");

        let Availability::Missing(why) = cache.check(&artifact(&file, None)) else { panic!("accepted an unpinned artifact") };
        assert!(why.contains("not pinned"), "{why}");
    }
}
