//! `mlab artifact list`: each artifact with how it is had, where it stands on this host, and
//! who uses it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ArtifactCache, Availability, availability};
use crate::lab::{Artifact, Obtain};
use crate::provisioners::Provisioners;

/// One artifact, as `mlab artifact list` shows it (and `--json` gives it).
#[derive(Debug, Serialize)]
pub struct ArtifactRow {
    pub name: String,
    pub version: Option<String>,
    pub obtain: Obtain,
    pub source: Option<String>,
    pub sha256: Option<String>,
    /// The SHA-512 pin, for sources that publish only that (the SHA-256 is known once cached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    pub file: Option<String>,
    pub size: Option<u64>,
    pub cached: bool,
    /// Why it cannot be staged yet and what to run, when it cannot.
    pub status: String,
    pub roles: Vec<String>,
    pub labs: Vec<String>,
    pub inputs: Vec<String>,
    /// A word or two for the table: cached, not built, not fetched, to import, ...
    #[serde(skip)]
    pub state: &'static str,
    /// True when something can be done to get it (the table lists what).
    #[serde(skip)]
    pub missing: bool,
}

impl ArtifactRow {
    /// How it is had, for the table.
    pub fn how(&self) -> String {
        match &self.obtain {
            Obtain::Fetch => "fetch".to_string(),
            Obtain::Import => "import".to_string(),
            Obtain::Build { recipe } => format!("build ({recipe})"),
            Obtain::Unavailable { .. } => "not available".to_string(),
        }
    }
}

/// The rows for `shown` (resolved against `all` for build inputs); `users` names the labs that
/// stage each artifact.
pub fn rows(
    cache: &ArtifactCache,
    provisioners: &Provisioners,
    shown: &BTreeMap<String, Artifact>,
    all: &BTreeMap<String, Artifact>,
    users: &BTreeMap<String, Vec<String>>,
) -> Vec<ArtifactRow> {
    let available = availability(cache, provisioners, shown, all);
    shown
        .values()
        .map(|a| {
            let here = &available[&a.name];
            let ready = match here {
                Availability::Ready(file) => Some(file),
                _ => None,
            };
            let sha256 = ready.map(|f| f.sha256.clone()).or(a.sha256.clone());
            let state = match (here, &a.obtain) {
                (Availability::Ready(_), _) => "cached",
                (Availability::Unavailable(_), _) => "not available",
                (Availability::Missing { .. }, Obtain::Build { .. }) => "not built",
                (Availability::Missing { .. }, _) if sha256.is_none() && a.sha512.is_none() => "not pinned",
                (Availability::Missing { .. }, Obtain::Import) => "to import",
                (Availability::Missing { .. }, _) => "not fetched",
            };
            ArtifactRow {
                name: a.name.clone(),
                version: a.version.clone(),
                obtain: a.obtain.clone(),
                source: a.source.clone(),
                sha256,
                sha512: a.sha512.clone(),
                file: ready.map(|f| f.file_name.clone()).or(a.file_name.clone()),
                size: ready.map(|f| f.size),
                cached: ready.is_some(),
                status: here.reason().unwrap_or_else(|| "cached".into()),
                roles: a.roles.iter().map(|r| r.to_string()).collect(),
                labs: users.get(&a.name).cloned().unwrap_or_default(),
                inputs: a.inputs.clone(),
                state,
                missing: matches!(here, Availability::Missing { .. }),
            }
        })
        .collect()
}
