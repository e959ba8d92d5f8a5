//! Growing and shrinking a running lab: `mlab add-agent` and `mlab remove-agent`.

use std::time::Duration;

use serde::Serialize;

use super::{Connected, Instance, LifecycleError, NodeProgress, UpOptions, UpReport, connect_sessions, provision_lab, up};
use crate::lab::{AddedNode, Catalog, LabLibrary, Role};
use crate::provision::{ProvisionOptions, ProvisionReport};
use crate::render::Provisioners;
use crate::state::{LabLock, LabState};

/// What `add-agent` asks for.
#[derive(Debug, Clone, Default)]
pub struct AddAgentOptions {
    pub count: u32,
    /// Resources of newly declared agents (spares declared in the lab file keep their own).
    pub cpus: Option<u32>,
    pub memory_mib: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddAgentReport {
    /// Spares from the lab file, started now.
    pub started_spares: Vec<String>,
    /// Agents beyond the lab file, with the next names and addresses.
    pub added: Vec<String>,
    pub up: UpReport,
}

/// Choose the agents to add (declared spares first, then new ones), record them, and bring
/// them up: created, booted and provisioned in parallel, with every node's host entries
/// rewritten and the agents pointed at the lab's masters.
#[allow(clippy::too_many_arguments)]
pub async fn add_agents(
    conn: &Connected,
    library: &LabLibrary,
    catalog: &Catalog,
    instance: Instance,
    opts: &AddAgentOptions,
    provisioners: Provisioners,
    ssh_timeout: Duration,
    progress: &NodeProgress,
) -> Result<AddAgentReport, LifecycleError> {
    let (started_spares, added) = {
        let _lock = LabLock::acquire(&instance.dir, "mlab add-agent")?;
        let mut state = LabState::load(&instance.dir)?.ok_or_else(|| LifecycleError::NoSuchLab(instance.name().into()))?;
        let (spares, new) = choose_agents(&instance, opts)?;
        state.started_on_demand.extend(spares.iter().cloned());
        state.added_nodes.extend(new.iter().cloned());
        state.save(&instance.dir)?;
        (spares, new.into_iter().map(|n| n.name).collect::<Vec<_>>())
    };
    // Re-plan with the new state: the new agents get their addresses, every node's hosts
    // block lists them, and `up` creates, boots and provisions what is missing.
    let grown = super::open_instance(library, catalog, instance.name())?;
    let up_opts = UpOptions {
        source: grown.state.source.clone(),
        ssh_timeout,
        provision: Some((provisioners, ProvisionOptions::default())),
        host_entries: None,
        ready_timeout: Duration::from_secs(180),
        network: None,
    };
    let report = up(conn, &grown.dir, &grown.lab, &up_opts, progress).await?;
    Ok(AddAgentReport { started_spares, added, up: report })
}

/// Declared spares (autostart off) in lab-file order, then new names after the last agent.
fn choose_agents(instance: &Instance, opts: &AddAgentOptions) -> Result<(Vec<String>, Vec<AddedNode>), LifecycleError> {
    let wanted = opts.count.max(1) as usize;
    let spares: Vec<String> = instance
        .lab
        .nodes
        .iter()
        .filter(|n| n.has(Role::MesosAgent) && !n.has(Role::MesosMaster) && !n.autostart)
        .map(|n| n.name.clone())
        .take(wanted)
        .collect();
    let mut added = Vec::new();
    if spares.len() < wanted {
        // Copy the entry of the lab's agents (an agent-only entry, so no master is cloned).
        let entry =
            instance.lab.nodes.iter().rev().find(|n| n.has(Role::MesosAgent) && !n.has(Role::MesosMaster)).map(|n| n.entry.clone()).ok_or_else(|| {
                LifecycleError::Other(format!(
                    "lab `{}` has no agent-only node to copy; declare agents in its lab file (e.g. `- name: agent` with `roles: [mesos-agent]`)",
                    instance.name()
                ))
            })?;
        let prefix = entry.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
        let mut next = instance.lab.nodes.iter().filter_map(|n| n.name.strip_prefix(&prefix).and_then(|d| d.parse::<u32>().ok())).max().unwrap_or(0) + 1;
        while spares.len() + added.len() < wanted {
            let name = format!("{prefix}{next}");
            next += 1;
            if instance.lab.node(&name).is_some() {
                continue;
            }
            added.push(AddedNode { name, entry: entry.clone(), cpus: opts.cpus, memory_mib: opts.memory_mib });
        }
    }
    Ok((spares, added))
}

#[derive(Debug, Clone, Serialize)]
pub struct RemoveAgentReport {
    pub removed: String,
    /// The Mesos agent id the leading master now records as gone.
    pub marked_gone: Option<String>,
    /// Why the master could not be told, if it could not.
    pub note: Option<String>,
    pub provision: ProvisionReport,
}

/// Destroy an agent started on demand or added, forget it, and rewrite every remaining node's
/// host entries.
pub async fn remove_agent(
    conn: &Connected,
    library: &LabLibrary,
    catalog: &Catalog,
    instance: &Instance,
    node: &str,
    provisioners: &Provisioners,
    progress: &NodeProgress,
) -> Result<RemoveAgentReport, LifecycleError> {
    removable(instance, node)?;
    {
        let _lock = LabLock::acquire(&instance.dir, "mlab remove-agent")?;
        let line = progress.line(node);
        line.set_message("removing");
        conn.provider.destroy_node(instance.name(), node).await?;
        line.finish_with_message("removed");
        let mut state = LabState::load(&instance.dir)?.ok_or_else(|| LifecycleError::NoSuchLab(instance.name().into()))?;
        state.started_on_demand.retain(|n| n != node);
        state.added_nodes.retain(|n| n.name != node);
        state.steps.remove(node);
        state.save(&instance.dir)?;
    }
    let mut shrunk = super::open_instance(library, catalog, instance.name())?;
    let _lock = LabLock::acquire(&shrunk.dir, "mlab remove-agent")?;
    let nodes: Vec<String> = shrunk.lab.autostart_nodes().map(|n| n.name.clone()).collect();
    let sessions = connect_sessions(&shrunk.dir, &shrunk.lab, &nodes, Duration::from_secs(120)).await?;
    let lab = shrunk.lab.clone();
    let provision = provision_lab(&shrunk.dir, &mut shrunk.state, &lab, provisioners, &sessions, &ProvisionOptions::default(), progress).await?;
    if let Some(path) = &shrunk.state.host_entries {
        crate::hostfile::update(path, shrunk.name(), Some(&crate::render::hosts_block(&lab))).map_err(LifecycleError::Other)?;
    }
    let fqdn = instance.node(node)?.fqdn.clone();
    let (marked_gone, note) = match super::readiness::mark_agent_gone(&lab, &sessions, &fqdn).await {
        Ok(Some(id)) => (Some(id), None),
        Ok(None) => (None, Some(format!("no Mesos master knew an agent {fqdn}"))),
        Err(e) => (None, Some(format!("could not tell the Mesos master that {node} is gone: {e}"))),
    };
    Ok(RemoveAgentReport { removed: node.to_string(), marked_gone, note, provision })
}

/// Only agents that `add-agent` brought in can be removed; the lab file's own nodes come back
/// with every `up`.
pub fn removable(instance: &Instance, node: &str) -> Result<(), LifecycleError> {
    let n = instance.node(node)?;
    let on_demand = instance.state.started_on_demand.iter().any(|s| s == node) || instance.state.added_nodes.iter().any(|a| a.name == node);
    if !n.has(Role::MesosAgent) || n.has(Role::MesosMaster) {
        return Err(LifecycleError::Other(format!("`{node}` is not an agent; remove-agent only removes agents")));
    }
    if !on_demand {
        return Err(LifecycleError::Other(format!(
            "`{node}` is part of the lab file and starts with every `mlab up`; `mlab halt {node}` stops it, or change the lab file"
        )));
    }
    Ok(())
}
