//! Growing and shrinking a running lab: `mlab add-agent` and `mlab remove-agent`.

use serde::Serialize;

use super::actions::{self, AddAgentOptions, run_all};
use super::up::{UpReport, up_report};
use super::{LabContext, LifecycleError};
use crate::lab::{ResolvedLab, Role};
use crate::provision::ProvisionReport;
use crate::state::LabState;

#[derive(Debug, Clone, Serialize)]
pub struct AddAgentReport {
    /// Spares from the lab file, started now.
    pub started_spares: Vec<String>,
    /// Agents beyond the lab file, with the next names and addresses.
    pub added: Vec<String>,
    pub up: UpReport,
}

/// Add agents (declared spares first, then new ones) and bring them up: created, booted and
/// provisioned in parallel, with every node's host entries rewritten and the agents pointed at
/// the lab's masters. The lab stays locked from choosing the agents to the readiness report.
pub async fn add_agents(ctx: &mut LabContext, opts: AddAgentOptions) -> Result<AddAgentReport, LifecycleError> {
    let result = run_all(ctx, &actions::add_agent(opts)).await;
    ctx.close_sessions().await;
    result?;
    Ok(AddAgentReport { started_spares: ctx.record.started_spares.clone(), added: ctx.record.added.clone(), up: up_report(ctx) })
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
pub async fn remove_agent(ctx: &mut LabContext, node: &str) -> Result<RemoveAgentReport, LifecycleError> {
    let result = run_all(ctx, &actions::remove_agent(node)).await;
    ctx.close_sessions().await;
    result?;
    let (marked_gone, note) = match ctx.record.marked_gone.clone() {
        Some(Ok(id)) => (Some(id), None),
        Some(Err(why)) => (None, Some(why)),
        None => (None, None),
    };
    Ok(RemoveAgentReport { removed: node.to_string(), marked_gone, note, provision: ctx.record.provision.clone().unwrap_or_default() })
}

/// Only agents that `add-agent` brought in can be removed; the lab file's own nodes come back
/// with every `up`.
pub fn removable(lab: &ResolvedLab, state: &LabState, node: &str) -> Result<(), LifecycleError> {
    let n = lab.node(node).ok_or_else(|| LifecycleError::NoSuchNode {
        lab: lab.name.clone(),
        node: node.to_string(),
        known: lab.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let on_demand = state.started_on_demand.iter().any(|s| s == node) || state.added_nodes.iter().any(|a| a.name == node);
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
