//! The artifact catalog: packages mlab cannot get from Debian (Mesos, Marathon, Chronos,
//! Mesos-DNS, the Kafka framework, Spark), each with a source and a checksum. The host fetches
//! them once into its cache and stages them into labs. The built-in catalog is
//! `provisioners/artifacts.yaml`; a provisioners override directory can replace it, and a lab's
//! `artifacts:` section overrides entries by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::ArtifactEntry;
use super::role::Role;
use super::source::{SourceFile, join_key};
use super::validate::is_sha256;

/// One artifact as a lab will use it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Artifact {
    pub name: String,
    pub version: Option<String>,
    pub source: Option<String>,
    /// `None` until pinned: fetching refuses an artifact without a checksum.
    pub sha256: Option<String>,
    pub roles: Vec<Role>,
    /// The file name it is cached and staged under.
    pub file_name: Option<String>,
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
        for (name, entry) in &parsed.artifacts {
            let path = join_key("artifacts", name);
            if let Some(sum) = &entry.sha256 {
                if !is_sha256(sum) {
                    errors.push(
                        Diagnostic::new(format!("`{sum}` is not a SHA-256 checksum"))
                            .at_value(&file, &join_key(&path, "sha256"))
                            .help("write the 64 lowercase hex digits that `sha256sum FILE` prints"),
                    );
                }
            }
            if entry.roles.is_empty() {
                errors.push(
                    Diagnostic::new(format!("catalog artifact `{name}` names no roles"))
                        .at_key(&file, &path)
                        .help("add `roles: [...]` with the roles that need it"),
                );
            }
        }
        if errors.is_empty() { Ok(Catalog { entries: parsed.artifacts }) } else { Err(Diagnostics(errors)) }
    }

    /// The catalog with a lab's overrides applied field by field (a lab entry with a new name
    /// adds an artifact).
    pub fn merged_with(&self, overrides: &BTreeMap<String, ArtifactEntry>) -> BTreeMap<String, Artifact> {
        let mut out = BTreeMap::new();
        let names = self.entries.keys().chain(overrides.keys());
        for name in names {
            if out.contains_key(name) {
                continue;
            }
            let base = self.entries.get(name).cloned().unwrap_or_default();
            let over = overrides.get(name).cloned().unwrap_or_default();
            let source = over.source.or(base.source);
            let file_name = source.as_deref().and_then(|s| s.rsplit('/').next()).filter(|s| !s.is_empty()).map(str::to_string);
            out.insert(
                name.clone(),
                Artifact {
                    name: name.clone(),
                    version: over.version.or(base.version),
                    sha256: over.sha256.or(base.sha256),
                    roles: if over.roles.is_empty() { base.roles } else { over.roles },
                    source,
                    file_name,
                },
            );
        }
        out
    }
}
