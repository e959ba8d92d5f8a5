//! The provisioning manifest (`provisioners/manifest.yaml`): which steps exist, in which
//! order, on which nodes, and which templates each step renders to which guest paths. It is
//! data so an override directory can add steps and files without changing mlab.

use serde::Deserialize;

use crate::lab::Role;

use super::RenderError;
use crate::provisioners::Provisioners;

/// The manifest file inside the provisioners set.
pub const MANIFEST_FILE: &str = "manifest.yaml";

/// Where step scripts land on the guest; the file name is `NN-step.sh` with NN the order.
pub const SCRIPT_DIR: &str = "/var/lib/mlab/provision";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub steps: Vec<StepSpec>,
}

/// One provisioning step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name: String,
    /// Steps run in ascending order (0..=99); it also numbers the script.
    pub order: u32,
    /// The step applies to nodes with any of these roles; empty means every node.
    #[serde(default)]
    pub roles: Vec<String>,
    /// A template expression; the step applies only where it is true (e.g. `node.artifacts`).
    #[serde(default)]
    pub when: Option<String>,
    /// Artifacts the step needs (`*`: all of the node's, uploaded with the step). While one is
    /// not staged on the host the step is skipped.
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// Template of the step's script, run after the step's files are in place.
    #[serde(default)]
    pub script: Option<String>,
    #[serde(default)]
    pub files: Vec<FileSpec>,
}

/// One file a step renders.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Template path relative to the provisioners directory.
    pub template: String,
    /// Absolute guest path; itself a template (e.g. `/opt/chronos/{{ ... }}`).
    pub dest: String,
    /// Octal file mode as a string, e.g. `"0644"` (the default).
    #[serde(default)]
    pub mode: Option<String>,
    /// Only on nodes with any of these roles (in addition to the step's roles).
    #[serde(default)]
    pub roles: Vec<String>,
    /// A template expression; the file is rendered only where it is true.
    #[serde(default)]
    pub when: Option<String>,
}

impl StepSpec {
    /// The guest path of the step's script.
    pub fn script_dest(&self) -> String {
        format!("{SCRIPT_DIR}/{:02}-{}.sh", self.order, self.name)
    }
}

impl FileSpec {
    pub fn mode_bits(&self) -> Result<u32, String> {
        match &self.mode {
            None => Ok(0o644),
            Some(text) => u32::from_str_radix(text.trim_start_matches("0o"), 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| format!("mode `{text}` of `{}` is not an octal file mode; write it like \"0644\"", self.template)),
        }
    }
}

impl Manifest {
    /// Read and check the manifest of a provisioners set. Steps come back sorted by order.
    pub fn load(provisioners: &Provisioners) -> Result<Manifest, RenderError> {
        let origin = provisioners.origin(MANIFEST_FILE);
        let text = provisioners.require(MANIFEST_FILE)?;
        let mut manifest: Manifest = serde_yaml_ng::from_str(&text).map_err(|e| RenderError::Manifest { file: origin.clone(), message: e.to_string() })?;
        manifest.check().map_err(|message| RenderError::Manifest { file: origin, message })?;
        manifest.steps.sort_by_key(|s| s.order);
        Ok(manifest)
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::BTreeSet::new();
        let mut orders = std::collections::BTreeSet::new();
        for step in &self.steps {
            if step.name.is_empty() || !step.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(format!("step name `{}` must be letters, digits, `-` or `_`", step.name));
            }
            if !names.insert(step.name.as_str()) {
                return Err(format!("step `{}` is declared twice; give each step a unique name", step.name));
            }
            if step.order > 99 || !orders.insert(step.order) {
                return Err(format!("step `{}` has order {} which is taken or above 99; orders must be unique in 0..=99", step.name, step.order));
            }
            for role in step.roles.iter().chain(step.files.iter().flat_map(|f| f.roles.iter())) {
                if !Role::ALL.iter().any(|r| r.name() == role) {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                    return Err(format!("step `{}` names unknown role `{role}`; known roles: {}", step.name, known.join(", ")));
                }
            }
            for file in &step.files {
                file.mode_bits()?;
                if !file.dest.starts_with('/') {
                    return Err(format!("dest `{}` of `{}` must be an absolute guest path", file.dest, file.template));
                }
            }
        }
        Ok(())
    }
}

/// Does a node with `node_roles` match a role filter (empty filter matches every node)?
pub fn roles_match(filter: &[String], node_roles: &[Role]) -> bool {
    filter.is_empty() || node_roles.iter().any(|r| filter.iter().any(|f| f == r.name()))
}
