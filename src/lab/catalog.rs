//! The artifact catalog, as data: what mlab stages into labs for software Debian does not ship, each
//! entry with where it comes from (a source to fetch, a recipe to build, or a plain statement
//! that it cannot be had) and a checksum. The built-in catalog is `provisioners/artifacts.yaml`;
//! a provisioners override directory can replace it, and a lab's `artifacts:` section
//! overrides entries by name, field by field.
//!
//! The model owns what an artifact is and which roles need it; getting one (fetch, build,
//! cache, stage) belongs to the layers above, which this module knows nothing of.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::ArtifactEntry;
use super::role::Role;
use super::source::{SourceFile, join_key};
use super::validate::{is_sha256, is_sha512};

/// How an artifact is obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Obtain {
    /// Downloaded or copied from `source`, verified against the pinned sha256.
    Fetch,
    /// Made by `mlab artifact build` with a recipe from its inputs.
    Build { recipe: String },
    /// No source mlab can reach: a person brings the file (`mlab artifact import`).
    Import,
    /// Cannot be obtained at all, with the reason.
    Unavailable { why: String },
}

/// The checksum an artifact's file is verified against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin<'a> {
    Sha256(&'a str),
    Sha512(&'a str),
}

impl std::fmt::Display for Pin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pin::Sha256(sum) => write!(f, "sha256 {sum}"),
            Pin::Sha512(sum) => write!(f, "sha512 {sum}"),
        }
    }
}

/// One artifact as a lab will use it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Artifact {
    pub name: String,
    pub version: Option<String>,
    pub source: Option<String>,
    /// `None` until pinned (fetched and imported artifacts), or for built artifacts until
    /// built: then the built file's checksum, filled in from the cache.
    pub sha256: Option<String>,
    /// A SHA-512 pin instead (Apache publishes only that); the SHA-256 is learnt on fetch.
    pub sha512: Option<String>,
    pub roles: Vec<Role>,
    /// The file name it is cached and staged under.
    pub file_name: Option<String>,
    pub obtain: Obtain,
    /// Build inputs, by artifact name.
    pub inputs: Vec<String>,
    pub origin: Option<String>,
}

impl Artifact {
    /// Build it from its catalog entry (after a lab's overrides).
    fn from_entry(name: &str, entry: ArtifactEntry) -> Artifact {
        let obtain = match (&entry.unavailable, &entry.build, &entry.source) {
            (Some(why), _, _) => Obtain::Unavailable { why: why.clone() },
            (None, Some(recipe), _) => Obtain::Build { recipe: recipe.clone() },
            (None, None, Some(_)) => Obtain::Fetch,
            (None, None, None) => Obtain::Import,
        };
        let file_name = entry.file.clone().or_else(|| {
            let source = entry.source.as_deref()?;
            if source.starts_with("pypi:") {
                return None;
            }
            source.rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_string)
        });
        Artifact {
            name: name.to_string(),
            version: entry.version,
            source: entry.source,
            sha256: entry.sha256,
            sha512: entry.sha512,
            roles: entry.roles,
            file_name,
            obtain,
            inputs: entry.inputs,
            origin: entry.origin,
        }
    }

    /// What its file is verified against: the SHA-256 when it has one, else the SHA-512.
    pub fn pin(&self) -> Option<Pin<'_>> {
        match (&self.sha256, &self.sha512) {
            (Some(sum), _) => Some(Pin::Sha256(sum)),
            (None, Some(sum)) => Some(Pin::Sha512(sum)),
            (None, None) => None,
        }
    }

    pub fn is_available(&self) -> bool {
        !matches!(self.obtain, Obtain::Unavailable { .. })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    artifacts: BTreeMap<String, ArtifactEntry>,
}

/// The artifact catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, ArtifactEntry>,
}

impl Catalog {
    /// Parse a catalog file (`artifacts:` mapping of name to entry).
    pub fn parse(display: &str, text: &str) -> Result<Catalog, Diagnostics> {
        let file = SourceFile::parse(display.to_string(), None, text.to_string())?;
        let parsed: CatalogFile = serde_path_to_error::deserialize(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| {
            let path = e.path().to_string();
            Diagnostic::new(format!("invalid artifact catalog: {}", e.inner())).at_value(&file, &path)
        })?;
        let mut errors = Vec::new();
        let used_as_input: Vec<&String> = parsed.artifacts.values().flat_map(|e| &e.inputs).collect();
        for (name, entry) in &parsed.artifacts {
            let path = join_key("artifacts", name);
            for p in super::fields::artifact_problems(name, entry) {
                let at = Diagnostic::new(p.message);
                let at = match p.field {
                    Some(field) => at.at_value(&file, &join_key(&path, field)),
                    None => at.at_key(&file, &path),
                };
                errors.push(at.help(p.help));
            }
            if let Some(sum) = &entry.sha256 {
                if !is_sha256(sum) {
                    errors.push(
                        Diagnostic::new(format!("`{sum}` is not a SHA-256 checksum"))
                            .at_value(&file, &join_key(&path, "sha256"))
                            .help("write the 64 lowercase hex digits that `sha256sum FILE` prints"),
                    );
                }
            }
            if let Some(sum) = &entry.sha512 {
                if !is_sha512(sum) {
                    errors.push(
                        Diagnostic::new(format!("`{sum}` is not a SHA-512 checksum"))
                            .at_value(&file, &join_key(&path, "sha512"))
                            .help("write the 128 lowercase hex digits that `sha512sum FILE` prints (or the published .sha512, lowercased)"),
                    );
                }
            }
            if entry.roles.is_empty() && !used_as_input.contains(&name) {
                errors.push(
                    Diagnostic::new(format!("catalog artifact `{name}` names no roles and no build uses it"))
                        .at_key(&file, &path)
                        .help("add `roles: [...]` with the roles that need it, or list it in a build's `inputs`"),
                );
            }
            for input in &entry.inputs {
                if !parsed.artifacts.contains_key(input) {
                    errors.push(
                        Diagnostic::new(format!("build input `{input}` of `{name}` is not in the catalog"))
                            .at_value(&file, &join_key(&path, "inputs"))
                            .help("add an entry for it with its source and sha256"),
                    );
                }
            }
            if entry.build.is_none() && !entry.inputs.is_empty() {
                errors.push(
                    Diagnostic::new(format!("`{name}` has inputs but no `build` recipe"))
                        .at_key(&file, &join_key(&path, "inputs"))
                        .help("add `build: RECIPE` or remove `inputs`"),
                );
            }
            if let Some(source) = &entry.source {
                if source.starts_with("pypi:") && entry.file.is_none() {
                    errors.push(
                        Diagnostic::new(format!("`{name}` comes from PyPI but names no file"))
                            .at_key(&file, &path)
                            .help("add `file: NAME` with the release file to take (a release has several)"),
                    );
                }
            }
        }
        if errors.is_empty() { Ok(Catalog { entries: parsed.artifacts }) } else { Err(Diagnostics(errors)) }
    }

    /// Every artifact of the catalog, with a lab's overrides applied field by field (a lab entry
    /// with a new name adds an artifact).
    pub fn merged_with(&self, overrides: &BTreeMap<String, ArtifactEntry>) -> BTreeMap<String, Artifact> {
        let mut out = BTreeMap::new();
        for name in self.entries.keys().chain(overrides.keys()) {
            if out.contains_key(name) {
                continue;
            }
            let base = self.entries.get(name).cloned().unwrap_or_default();
            let over = overrides.get(name).cloned().unwrap_or_default();
            // A new source makes the old checksum and file name meaningless.
            let new_source = over.source.is_some();
            let entry = ArtifactEntry {
                version: over.version.or(base.version),
                file: over.file.or(if new_source { None } else { base.file }),
                sha256: over.sha256.or(if new_source { None } else { base.sha256 }),
                sha512: over.sha512.or(if new_source { None } else { base.sha512 }),
                source: over.source.or(base.source),
                build: over.build.or(base.build),
                inputs: if over.inputs.is_empty() { base.inputs } else { over.inputs },
                unavailable: over.unavailable.or(base.unavailable),
                origin: over.origin.or(base.origin),
                roles: if over.roles.is_empty() { base.roles } else { over.roles },
            };
            out.insert(name.clone(), Artifact::from_entry(name, entry));
        }
        out
    }

    /// Every artifact of the catalog alone.
    pub fn artifacts(&self) -> BTreeMap<String, Artifact> {
        self.merged_with(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "artifacts:
  tool:
    build: tool
    inputs: [tool-src]
    roles: [mesos-master]
  tool-src:
    source: https://example.invalid/tool-1.0.tar.gz
    sha256: 1111111111111111111111111111111111111111111111111111111111111111
  gone:
    unavailable: its servers were shut down
    roles: [marathon]
  wheel:
    source: pypi:tool==1.0
    file: tool-1.0.tar.gz
    sha256: 2222222222222222222222222222222222222222222222222222222222222222
    roles: [chronos]
";

    #[test]
    fn entries_say_how_they_are_obtained() {
        let all = Catalog::parse("artifacts.yaml", CATALOG).unwrap().artifacts();
        assert_eq!(all["tool"].obtain, Obtain::Build { recipe: "tool".into() });
        assert_eq!(all["tool"].inputs, vec!["tool-src".to_string()]);
        assert_eq!(all["tool-src"].obtain, Obtain::Fetch);
        assert_eq!(all["tool-src"].file_name.as_deref(), Some("tool-1.0.tar.gz"));
        assert!(!all["gone"].is_available());
        assert_eq!(all["wheel"].file_name.as_deref(), Some("tool-1.0.tar.gz"));
    }

    #[test]
    fn a_lab_source_override_drops_the_catalog_checksum() {
        let catalog = Catalog::parse("artifacts.yaml", CATALOG).unwrap();
        let over: BTreeMap<String, ArtifactEntry> =
            [("tool-src".to_string(), ArtifactEntry { source: Some("/srv/tool-1.0-full.tar.gz".into()), ..Default::default() })].into();
        let merged = catalog.merged_with(&over);
        assert_eq!(merged["tool-src"].sha256, None, "the pinned checksum belonged to the other file");
        assert_eq!(merged["tool-src"].file_name.as_deref(), Some("tool-1.0-full.tar.gz"));
    }

    #[test]
    fn bad_catalogs_are_refused_with_the_line() {
        let err = Catalog::parse(
            "artifacts.yaml",
            "artifacts:\n  a:\n    build: a\n    inputs: [missing]\n    roles: [mesos-master]\n  b:\n    source: pypi:b==1\n    roles: [marathon]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("build input `missing` of `a` is not in the catalog"), "{err}");
        assert!(err.contains("`b` comes from PyPI but names no file"), "{err}");
        assert!(err.contains("artifacts.yaml:4"), "{err}");
        let err = Catalog::parse("artifacts.yaml", "artifacts:\n  lonely:\n    source: /x\n").unwrap_err().to_string();
        assert!(err.contains("names no roles and no build uses it"), "{err}");
    }
}
