//! add-agent: choose the agents to add (the lab file's spares first, then new ones after the
//! last agent), record them in the state, re-plan, and target every running node (each one's
//! host entries list the new agents).

use serde::Serialize;

use crate::lab::{AddedNode, ResolvedLab, Role};
use crate::lifecycle::{LabContext, LifecycleError};

/// What add-agent asks for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddAgentOptions {
    pub count: u32,
    /// Resources of newly declared agents (spares declared in the lab file keep their own).
    pub cpus: Option<u32>,
    pub memory_mib: Option<u64>,
}

pub fn run(ctx: &mut LabContext, opts: &AddAgentOptions) -> Result<(), LifecycleError> {
    let (spares, added) = choose_agents(&ctx.lab, opts)?;
    ctx.state.started_on_demand.extend(spares.iter().cloned());
    ctx.state.added_nodes.extend(added.iter().cloned());
    ctx.save()?;
    ctx.replan()?;
    ctx.target_running_nodes();
    ctx.record.started_spares = spares;
    ctx.record.added = added.into_iter().map(|n| n.name).collect();
    Ok(())
}

/// Declared spares (autostart off) in lab-file order, then new names after the last agent.
fn choose_agents(lab: &ResolvedLab, opts: &AddAgentOptions) -> Result<(Vec<String>, Vec<AddedNode>), LifecycleError> {
    let wanted = opts.count.max(1) as usize;
    let agent_only = |n: &&crate::lab::Node| n.has(Role::MesosAgent) && !n.has(Role::MesosMaster);
    let spares: Vec<String> = lab.nodes.iter().filter(agent_only).filter(|n| !n.autostart).map(|n| n.name.clone()).take(wanted).collect();
    let mut added = Vec::new();
    if spares.len() < wanted {
        // Copy the entry of the lab's agents (an agent-only entry, so no master is cloned).
        let entry = lab.nodes.iter().rev().find(agent_only).map(|n| n.entry.clone()).ok_or_else(|| {
            LifecycleError::Other(format!(
                "lab `{}` has no agent-only node to copy; declare agents in its lab file (e.g. `- name: agent` with `roles: [mesos-agent]`)",
                lab.name
            ))
        })?;
        let prefix = entry.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
        let mut next = lab.nodes.iter().filter_map(|n| n.name.strip_prefix(&prefix).and_then(|d| d.parse::<u32>().ok())).max().unwrap_or(0) + 1;
        while spares.len() + added.len() < wanted {
            let name = format!("{prefix}{next}");
            next += 1;
            if lab.node(&name).is_some() {
                continue;
            }
            added.push(AddedNode { name, entry: entry.clone(), cpus: opts.cpus, memory_mib: opts.memory_mib });
        }
    }
    // Every node needs an address in the first /24 of the lab's network.
    let max = crate::lab::validate::MAX_NODES as usize;
    if lab.nodes.len() + added.len() > max {
        return Err(LifecycleError::Other(format!("lab `{}` has {} nodes and a lab has at most {max}; add fewer agents", lab.name, lab.nodes.len())));
    }
    Ok((spares, added))
}
