//! Bring-up as an ordered list of small actions (the shape of kind's create actions), each in
//! its own file, each run against the command's [`LabContext`].
//!
//! Every action is idempotent: it looks at what exists and does only what is missing, so an
//! interrupted command is finished by running it again and undone by `destroy`. A command is a
//! list of actions ([`UP`], [`add_agent`], [`remove_agent`], [`PROVISION`]); a new action is a
//! file here plus a variant of [`Action`].

mod check_readiness;
mod create_nodes;
mod ensure_network;
mod grow_agents;
mod mark_agent_gone;
mod prepare_artifacts;
mod provision;
mod remove_node;
mod restart_marathon;
mod revert_to_snapshot;
mod save_snapshot;
mod set_clocks;
mod start_nodes;
mod wait_for_ssh;
mod write_host_entries;

pub use grow_agents::AddAgentOptions;

use super::{LabContext, LifecycleError};

/// One step of a command.
#[derive(Debug, Clone)]
pub enum Action {
    /// Build or fetch what the lab stages and this host can make (Mesos, Mesos-DNS...).
    PrepareArtifacts,
    /// The lab's private network, with a DHCP reservation for every planned node.
    EnsureNetwork,
    /// Disks, cloud-init seeds and VM definitions of target nodes that do not exist yet.
    CreateNodes,
    /// Start target nodes that are not running.
    StartNodes,
    /// An SSH session to every target node, host key pinned.
    WaitForSsh,
    /// Run the provisioning steps on the target nodes.
    Provision,
    /// The lab's block in the host's hosts file, if it asked for one.
    WriteHostEntries,
    /// Ask every service, live, whether it is ready.
    CheckReadiness,
    /// add-agent: start spares and declare new agents in the state, and target them.
    GrowAgents(AddAgentOptions),
    /// remove-agent: destroy an on-demand agent's VM and forget it.
    RemoveNode(String),
    /// remove-agent: tell the leading Mesos master that the removed agent is gone.
    MarkAgentGone,
    /// snapshot save: every node paused, saved and resumed together, the snapshot recorded.
    SaveSnapshot(String),
    /// snapshot restore: every saved node put back and resumed together, nodes made since
    /// removed, the lab's state as it was.
    RevertToSnapshot(String),
    /// Set the target nodes' clocks to the host's (after a pause or a restore).
    SetClocks,
    /// snapshot restore: Marathon restarted where it runs (it does not answer once restored).
    RestartMarathon,
}

/// `mlab up`.
pub const UP: &[Action] = &[
    Action::PrepareArtifacts,
    Action::EnsureNetwork,
    Action::CreateNodes,
    Action::StartNodes,
    Action::WaitForSsh,
    Action::Provision,
    Action::WriteHostEntries,
    Action::CheckReadiness,
];

/// `mlab provision`.
pub const PROVISION: &[Action] = &[Action::WaitForSsh, Action::Provision];

/// `mlab add-agent`: grow the lab, then bring it up like `up` does.
pub fn add_agent(opts: AddAgentOptions) -> Vec<Action> {
    std::iter::once(Action::GrowAgents(opts)).chain(UP.iter().cloned()).collect()
}

/// `mlab remove-agent NODE`: remove it, then rewrite every remaining node's host entries.
pub fn remove_agent(node: &str) -> Vec<Action> {
    vec![Action::RemoveNode(node.to_string()), Action::WaitForSsh, Action::Provision, Action::WriteHostEntries, Action::MarkAgentGone]
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::PrepareArtifacts => "prepare artifacts",
            Action::EnsureNetwork => "ensure network",
            Action::CreateNodes => "create nodes",
            Action::StartNodes => "start nodes",
            Action::WaitForSsh => "wait for SSH",
            Action::Provision => "provision",
            Action::WriteHostEntries => "write host entries",
            Action::CheckReadiness => "check readiness",
            Action::GrowAgents(_) => "grow agents",
            Action::RemoveNode(_) => "remove node",
            Action::MarkAgentGone => "mark agent gone",
            Action::SaveSnapshot(_) => "save snapshot",
            Action::RevertToSnapshot(_) => "revert to snapshot",
            Action::SetClocks => "set clocks",
            Action::RestartMarathon => "restart Marathon",
        }
    }

    pub async fn run(&self, ctx: &mut LabContext) -> Result<(), LifecycleError> {
        match self {
            Action::PrepareArtifacts => prepare_artifacts::run(ctx),
            Action::EnsureNetwork => ensure_network::run(ctx).await,
            Action::CreateNodes => create_nodes::run(ctx).await,
            Action::StartNodes => start_nodes::run(ctx).await,
            Action::WaitForSsh => wait_for_ssh::run(ctx).await,
            Action::Provision => provision::run(ctx).await,
            Action::WriteHostEntries => write_host_entries::run(ctx),
            Action::CheckReadiness => check_readiness::run(ctx).await,
            Action::GrowAgents(opts) => grow_agents::run(ctx, opts),
            Action::RemoveNode(node) => remove_node::run(ctx, node).await,
            Action::MarkAgentGone => mark_agent_gone::run(ctx).await,
            Action::SaveSnapshot(name) => save_snapshot::run(ctx, name).await,
            Action::RevertToSnapshot(name) => revert_to_snapshot::run(ctx, name).await,
            Action::SetClocks => set_clocks::run(ctx).await,
            Action::RestartMarathon => restart_marathon::run(ctx).await,
        }
    }
}

/// Run `actions` in order; the first error stops the command (the lab stays as far as it got).
pub async fn run_all(ctx: &mut LabContext, actions: &[Action]) -> Result<(), LifecycleError> {
    for action in actions {
        let t0 = std::time::Instant::now();
        tracing::debug!(lab = ctx.name(), action = action.name(), "action starts");
        action.run(ctx).await?;
        tracing::debug!(lab = ctx.name(), action = action.name(), seconds = t0.elapsed().as_secs_f64(), "action done");
    }
    Ok(())
}
