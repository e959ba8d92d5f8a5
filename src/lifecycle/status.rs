//! `mlab status` and `mlab list`: what the hypervisor says now, compared with the plan.

use std::collections::HashMap;

use serde::Serialize;

use super::{Instance, LifecycleError};
use crate::provider::{Connected, NodeState, ProviderOptions, connect};
use crate::state::{LabDir, LabState, known_labs};

/// One node of `mlab status`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub ip: String,
    pub roles: Vec<String>,
    /// `running`, `stopped`, `not created`, or the hypervisor's word.
    pub state: String,
    /// Set when reality differs from what mlab made: a VM deleted behind its back, or one
    /// the plan no longer has.
    pub drift: Option<String>,
}

/// Ask the provider (never a cache) about every node of the instance.
pub async fn status(conn: &Connected, instance: &Instance) -> Result<Vec<NodeStatus>, LifecycleError> {
    let found: HashMap<String, NodeState> = conn.provider.list_nodes(instance.name()).await?.into_iter().map(|n| (n.name, n.state)).collect();
    let mut rows = Vec::new();
    for node in &instance.lab.nodes {
        let expected = node.autostart || instance.state.started_on_demand.contains(&node.name);
        let state = found.get(&node.name).cloned().unwrap_or(NodeState::Missing);
        let drift = match (&state, expected) {
            (NodeState::Missing, true) => Some("VM missing: deleted outside mlab? `mlab up` recreates it".to_string()),
            _ => None,
        };
        rows.push(NodeStatus {
            name: node.name.clone(),
            ip: node.ip.to_string(),
            roles: node.roles.iter().map(|r| r.name().to_string()).collect(),
            state: match state {
                NodeState::Missing if expected => "missing".into(),
                NodeState::Missing => "not created".into(),
                other => other.to_string(),
            },
            drift,
        });
    }
    for (name, state) in &found {
        if instance.lab.node(name).is_none() {
            rows.push(NodeStatus {
                name: name.clone(),
                ip: String::new(),
                roles: Vec::new(),
                state: state.to_string(),
                drift: Some("not in the lab's plan; `mlab destroy` removes it".into()),
            });
        }
    }
    Ok(rows)
}

/// One lab of `mlab list`.
#[derive(Debug, Clone, Serialize)]
pub struct LabSummary {
    pub name: String,
    /// The lab file it was made from; empty for another home's lab.
    pub source: String,
    pub nodes_running: usize,
    pub nodes_total: usize,
    pub network: bool,
    /// Who made its VMs (`user@host:/lab/directory`), as recorded with them; `None` when they
    /// recorded none or there are none.
    pub owner: Option<String>,
    /// Whether the lab is this mlab home's: its state is here and its VMs were made from here
    /// (only then can it be acted on from here).
    pub this_home: bool,
}

/// Every lab under `labs_dir` with what runs of it, each asked of the provider it was made with.
/// When `provider` names a hypervisor (`--connect`, `--provider`), every other mlab lab found
/// there is listed too, with its owner: what a class shares on one server.
pub async fn list_labs(labs_dir: &std::path::Path, provider: &ProviderOptions) -> Result<Vec<LabSummary>, LifecycleError> {
    let mut connections: HashMap<String, Connected> = HashMap::new();
    let mut out = Vec::new();
    let mut listed: Vec<(String, String)> = Vec::new();
    for name in known_labs(labs_dir) {
        let dir = LabDir::new(labs_dir, &name);
        let Some(state) = LabState::load(&dir)? else { continue };
        let opts = provider.or_saved(&state.provider, &state.uri)?;
        let target = opts.target();
        if !connections.contains_key(&target) {
            connections.insert(target.clone(), connect(&opts).await?);
        }
        let conn = &connections[&target];
        let nodes = conn.provider.list_nodes(&name).await?;
        let owner = nodes.iter().find_map(|n| n.owner.clone());
        // A lab of this name whose VMs another home made is theirs, whatever this home holds.
        let this_home = owner.as_ref().is_none_or(|o| *o == super::spec::owner(&dir));
        out.push(LabSummary {
            nodes_running: nodes.iter().filter(|n| n.state == NodeState::Running).count(),
            nodes_total: nodes.len(),
            network: conn.provider.network_exists(&name).await?,
            owner,
            this_home,
            name: name.clone(),
            source: state.source,
        });
        listed.push((target, name));
    }
    if provider.kind.is_some() || provider.uri.is_some() {
        let target = provider.target();
        if !connections.contains_key(&target) {
            connections.insert(target.clone(), connect(provider).await?);
        }
        let conn = &connections[&target];
        let mut others: Vec<(String, Option<String>, Vec<NodeState>)> = Vec::new();
        for node in conn.provider.list_all_nodes().await? {
            if listed.iter().any(|(t, lab)| *t == target && *lab == node.lab) {
                continue;
            }
            match others.iter_mut().find(|(lab, owner, _)| *lab == node.lab && *owner == node.owner) {
                Some((_, _, states)) => states.push(node.state),
                None => others.push((node.lab, node.owner, vec![node.state])),
            }
        }
        for (name, owner, states) in others {
            out.push(LabSummary {
                nodes_running: states.iter().filter(|s| **s == NodeState::Running).count(),
                nodes_total: states.len(),
                network: conn.provider.network_exists(&name).await?,
                owner,
                this_home: false,
                name,
                source: String::new(),
            });
        }
    }
    Ok(out)
}
