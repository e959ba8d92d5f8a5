//! What each step needs from the host's artifact cache: which artifacts it stages, which it
//! uploads, and, when one cannot be had yet, why it must wait.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::artifacts::Availability;
use crate::lab::ResolvedLab;
use crate::render::Manifest;

/// The lab's artifacts as the steps see them.
pub struct StepInputs<'a> {
    manifest: &'a Manifest,
    lab: &'a ResolvedLab,
    availability: &'a BTreeMap<String, Availability>,
    /// Artifacts in the cache, by name: the file each uploads.
    ready: BTreeMap<String, PathBuf>,
}

impl<'a> StepInputs<'a> {
    pub fn new(manifest: &'a Manifest, lab: &'a ResolvedLab, availability: &'a BTreeMap<String, Availability>) -> StepInputs<'a> {
        let ready = availability
            .iter()
            .filter_map(|(name, a)| match a {
                Availability::Ready(file) => Some((name.clone(), file.path.clone())),
                _ => None,
            })
            .collect();
        StepInputs { manifest, lab, availability, ready }
    }

    /// The cached file of each artifact that can be uploaded.
    pub fn files(&self) -> &BTreeMap<String, PathBuf> {
        &self.ready
    }

    /// Whether `step` is the staging step (manifest `artifacts: ["*"]`), which installs every
    /// artifact of its node's roles.
    fn stages_all(&self, step: &str) -> bool {
        self.manifest.steps.iter().find(|s| s.name == step).is_some_and(|spec| spec.artifacts.iter().any(|a| a == "*"))
    }

    /// The artifacts `step` on `node` needs.
    fn needs(&self, node: &str, step: &str) -> Vec<String> {
        let Some(spec) = self.manifest.steps.iter().find(|s| s.name == step) else { return Vec::new() };
        if self.stages_all(step) {
            // The staging step installs what can be had; a role whose artifact cannot be had
            // at all is reported by its own step.
            let node_artifacts = self.lab.node(node).map(|n| n.artifacts.clone()).unwrap_or_default();
            node_artifacts.into_iter().filter(|a| !matches!(self.availability.get(a), Some(Availability::Unavailable(_)))).collect()
        } else {
            spec.artifacts.iter().filter(|a| self.lab.artifacts.contains_key(*a)).cloned().collect()
        }
    }

    /// (name, sha256) of the artifacts `step` uploads to `node`: only the staging step uploads.
    pub fn uploads(&self, node: &str, step: &str) -> Vec<(String, String)> {
        if !self.stages_all(step) {
            return Vec::new();
        }
        self.needs(node, step)
            .into_iter()
            .filter(|name| self.ready.contains_key(name))
            .map(|name| {
                let sum = self.lab.artifacts.get(&name).and_then(|a| a.sha256.clone()).unwrap_or_default();
                (name, sum)
            })
            .collect()
    }

    /// Why `step` cannot run on `node` yet (an artifact it needs is not here), if it cannot.
    pub fn blocked(&self, node: &str, step: &str) -> Option<String> {
        let missing: Vec<String> = self.needs(node, step).into_iter().filter_map(|name| self.availability.get(&name).and_then(Availability::reason)).collect();
        (!missing.is_empty()).then(|| missing.join("; "))
    }
}
