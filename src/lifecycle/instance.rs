//! A lab instance on this host: its directory, its state, and its plan.

use std::io::IsTerminal;

use super::LifecycleError;
use crate::lab::{self, Catalog, LabLibrary, ResolvedLab};
use crate::paths;
use crate::state::{LabDir, LabState, known_labs};

/// One lab on this host.
pub struct Instance {
    pub dir: LabDir,
    pub state: LabState,
    pub lab: ResolvedLab,
}

impl Instance {
    pub fn name(&self) -> &str {
        &self.dir.name
    }

    /// The plan's node named `node`, or an error listing the nodes.
    pub fn node(&self, node: &str) -> Result<&lab::Node, LifecycleError> {
        self.lab.node(node).ok_or_else(|| LifecycleError::NoSuchNode {
            lab: self.dir.name.clone(),
            node: node.to_string(),
            known: self.lab.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// Plan the lab `reference` as instance `name` (the lab's own name by default), with what
/// its state adds: nodes added by `mlab add-agent`, spare nodes started on demand (they count
/// as running nodes: host entries, `up`).
pub fn plan_instance(
    library: &LabLibrary,
    catalog: &Catalog,
    reference: &str,
    name: Option<&str>,
    state: Option<&LabState>,
) -> Result<ResolvedLab, LifecycleError> {
    let added = state.map(|s| s.added_nodes.as_slice()).unwrap_or_default();
    let (_, mut lab) = lab::load_with_added(library, catalog, reference, added)?;
    if let Some(state) = state {
        for node in &mut lab.nodes {
            if state.started_on_demand.contains(&node.name) {
                node.autostart = true;
            }
        }
    }
    if let Some(name) = name {
        if !lab::validate::is_dns_label(name) {
            return Err(LifecycleError::Other(format!("`{name}` cannot name a lab: use lowercase letters, digits and `-`, starting with a letter")));
        }
        lab.name = name.to_string();
    }
    Ok(lab)
}

/// Open an existing instance: read its state and re-plan it from its source.
pub fn open_instance(library: &LabLibrary, catalog: &Catalog, name: &str) -> Result<Instance, LifecycleError> {
    let dir = LabDir::new(&paths::labs_dir(), name);
    let state = LabState::load(&dir)?.ok_or_else(|| LifecycleError::NoSuchLab(name.to_string()))?;
    let lab = plan_instance(library, catalog, &state.source, Some(name), Some(&state))?;
    Ok(Instance { dir, state, lab })
}

/// The instance a command acts on: `--lab` / MLAB_LAB if given; else the only lab on this
/// host; with several, a picker on a terminal, or an error listing them.
pub fn choose_instance(explicit: Option<&str>) -> Result<String, LifecycleError> {
    if let Some(name) = explicit {
        return Ok(name.to_string());
    }
    let labs = known_labs(&paths::labs_dir());
    match labs.len() {
        0 => Err(LifecycleError::NoLabs),
        1 => Ok(labs[0].clone()),
        _ if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            let picked = dialoguer::Select::new()
                .with_prompt("Which lab?")
                .items(&labs)
                .default(0)
                .interact()
                .map_err(|e| LifecycleError::Other(format!("no lab chosen: {e}")))?;
            Ok(labs[picked].clone())
        }
        _ => Err(LifecycleError::WhichLab(labs.join(", "))),
    }
}
