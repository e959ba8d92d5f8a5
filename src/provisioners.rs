//! The provisioners tree: the one way into `provisioners/` (templates, `manifest.yaml`,
//! `artifacts.yaml`, build recipes and scripts). The set is embedded in the binary and
//! optionally overlaid by a user directory: a file in the override directory replaces the
//! embedded file with the same relative path, so one mechanism overrides the templates, the
//! manifest, the recipes and the artifact catalog.
//!
//! This module knows nothing of what the files mean: rendering reads templates and the
//! manifest through it, the artifact builder its recipes, and the lab model's catalog is
//! parsed from its `artifacts.yaml`.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::lab::Catalog;

static BUILTIN_PROVISIONERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/provisioners");

/// The catalog file inside the provisioners set.
pub const CATALOG_FILE: &str = "artifacts.yaml";

/// What went wrong reading the provisioners tree.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("cannot read provisioner override `{}`: {source}; fix its permissions or remove it to use the built-in file", path.display())]
    ReadOverride { path: PathBuf, source: std::io::Error },
    #[error("provisioner file `{file}` is not UTF-8 text; save it as UTF-8")]
    NotUtf8 { file: String },
    #[error("provisioner file `{file}` not found (built-in set{}); add it or fix the name in manifest.yaml", match override_dir { Some(d) => format!(" and override directory {}", d.display()), None => String::new() })]
    MissingFile { file: String, override_dir: Option<PathBuf> },
    #[error("provisioner path `{file}` must be relative and stay inside the provisioners directory")]
    BadPath { file: String },
    #[error("artifact catalog `{file}` is invalid:\n{diagnostics}")]
    Catalog { file: String, diagnostics: String },
}

/// The provisioner file set: embedded files plus an optional override directory.
#[derive(Debug, Clone, Default)]
pub struct Provisioners {
    override_dir: Option<PathBuf>,
}

impl Provisioners {
    /// Only the files built into mlab.
    pub fn builtin() -> Self {
        Provisioners { override_dir: None }
    }

    /// The built-in files, with every file found under `dir` (same relative path) replacing
    /// the built-in one. Files only in `dir` are added.
    pub fn with_override(dir: impl Into<PathBuf>) -> Self {
        Provisioners { override_dir: Some(dir.into()) }
    }

    /// The override directory, if any.
    pub fn override_dir(&self) -> Option<&Path> {
        self.override_dir.as_deref()
    }

    /// The text of `relative` (e.g. `zookeeper/zoo.cfg.j2`), from the override directory if it
    /// has the file, else from the built-in set. `Ok(None)` when neither has it.
    pub fn read(&self, relative: &str) -> Result<Option<Cow<'static, str>>, TreeError> {
        let clean = clean_relative(relative)?;
        if let Some(dir) = &self.override_dir {
            let path = dir.join(&clean);
            if path.is_file() {
                tracing::debug!(path = %path.display(), "provisioner file from override directory");
                return std::fs::read_to_string(&path).map(|text| Some(Cow::Owned(text))).map_err(|source| TreeError::ReadOverride { path, source });
            }
        }
        match BUILTIN_PROVISIONERS.get_file(&clean) {
            None => Ok(None),
            Some(file) => file.contents_utf8().map(|text| Some(Cow::Borrowed(text))).ok_or_else(|| TreeError::NotUtf8 { file: relative.to_string() }),
        }
    }

    /// Like [`read`](Self::read), but a missing file is an error.
    pub fn require(&self, relative: &str) -> Result<Cow<'static, str>, TreeError> {
        self.read(relative)?.ok_or_else(|| TreeError::MissingFile { file: relative.to_string(), override_dir: self.override_dir.clone() })
    }

    /// Where `relative` comes from, for messages: the override path or `builtin:relative`.
    pub fn origin(&self, relative: &str) -> String {
        if let Some(dir) = &self.override_dir {
            let path = dir.join(relative);
            if path.is_file() {
                return path.display().to_string();
            }
        }
        format!("builtin:provisioners/{relative}")
    }

    /// Relative paths of every file in the set (built-in and override), sorted.
    pub fn files(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        collect_builtin(&BUILTIN_PROVISIONERS, &mut out);
        if let Some(dir) = &self.override_dir {
            collect_dir(dir, dir, &mut out);
        }
        out.into_iter().collect()
    }

    /// The artifact catalog (`artifacts.yaml`) of this set.
    pub fn catalog(&self) -> Result<Catalog, TreeError> {
        let text = self.require(CATALOG_FILE)?;
        Catalog::parse(&self.origin(CATALOG_FILE), &text)
            .map_err(|diagnostics| TreeError::Catalog { file: self.origin(CATALOG_FILE), diagnostics: diagnostics.to_string() })
    }
}

/// A relative path that cannot leave the provisioners directory.
fn clean_relative(relative: &str) -> Result<String, TreeError> {
    let path = Path::new(relative);
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(TreeError::BadPath { file: relative.to_string() });
            }
        }
    }
    if parts.is_empty() {
        return Err(TreeError::BadPath { file: relative.to_string() });
    }
    Ok(parts.join("/"))
}

fn collect_builtin(dir: &Dir<'static>, out: &mut BTreeSet<String>) {
    for file in dir.files() {
        if let Some(p) = file.path().to_str() {
            out.insert(p.to_string());
        }
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

fn collect_dir(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_dir(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root)
            && let Some(p) = rel.to_str()
        {
            out.insert(p.replace(std::path::MAIN_SEPARATOR, "/"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape() {
        assert!(clean_relative("../etc/passwd").is_err());
        assert!(clean_relative("/etc/passwd").is_err());
        assert_eq!(clean_relative("./a/b.j2").unwrap(), "a/b.j2");
    }

    #[test]
    fn builtin_has_catalog_and_manifest() {
        let p = Provisioners::builtin();
        let files = p.files();
        assert!(files.iter().any(|f| f == CATALOG_FILE), "{files:?}");
        assert!(files.iter().any(|f| f == "manifest.yaml"), "{files:?}");
        assert!(p.catalog().is_ok());
    }
}
