//! Lab lifecycle on a provider: `up`, `add-agent`, `remove-agent`, `provision`, `status`,
//! `halt`, `destroy`, `list`.
//!
//! Where things go:
//! - [`actions`]: bring-up as an ordered list of small actions (the shape of kind's create
//!   actions), one file each, run against one [`LabContext`]. A command that changes a lab is
//!   a list of actions: `up`, `add_agent`, `remove_agent`, `provision` here are each a few lines
//!   around one.
//! - [`context`]: the lab locked for the whole command, its state loaded once under the lock,
//!   its plan, the provider connection, the sessions and progress lines, and what was done.
//! - [`instance`]: planning an instance once per command ([`Planner`]), and opening a lab to
//!   look at it (`status`, `ssh`).
//! - The provider comes from [`crate::provider::connect`]; what a step does and whether it runs
//!   is [`crate::provision`]'s business.

pub mod actions;
mod agents;
mod context;
mod defining;
mod destroy;
pub mod endpoints;
mod forward;
mod halt;
mod instance;
mod provision;
pub mod readiness;
mod sessions;
pub mod snapshot;
mod snapshot_restore;
mod snapshot_save;
mod spec;
mod status;
mod up;

pub use actions::AddAgentOptions;
pub use agents::{AddAgentReport, RemoveAgentReport, add_agents, removable, remove_agent};
pub use context::{LabContext, Record, Settings};
pub use destroy::{DestroyReport, destroy};
pub use forward::{ForwardSpec, Forwarding};
pub use halt::halt;
pub use instance::{Instance, Planner};
pub use provision::provision;
pub(crate) use sessions::close_sessions;
pub use sessions::connect_sessions;
pub use snapshot_restore::{RestoreReport, restore as restore_snapshot};
pub use snapshot_save::{SaveReport, save as save_snapshot};
pub use spec::{GUEST_USER, ssh_target};
pub use status::{LabSummary, NodeStatus, list_labs, status};
pub use up::{UpNode, UpReport, up};

use crate::provider::ProviderError;

/// Everything that can stop a lifecycle command, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Lab(#[from] crate::lab::Diagnostics),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Box(#[from] crate::boxes::BoxError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("no lab `{0}` on this host; `mlab list` shows the labs here, `mlab up LAB` creates one")]
    NoSuchLab(String),
    #[error("there is no lab on this host yet; create one with `mlab up LAB` (see `mlab labs`)")]
    NoLabs,
    #[error("several labs exist on this host ({0}); say which with `--lab NAME` or MLAB_LAB")]
    WhichLab(String),
    #[error("lab `{lab}` has no node `{node}`; its nodes: {known}")]
    NoSuchNode { lab: String, node: String, known: String },
    #[error("node `{node}` did not answer SSH at {address} within {waited_s} s: {reason}\n  console log: {console}{tail}")]
    SshTimeout { node: String, address: String, waited_s: u64, reason: String, console: String, tail: String },
    #[error(
        "lab `{lab}` already has a VM for node `{node}`, but {whose} is not in this lab's directory {dir}: \
         it belongs to another mlab home (MLAB_HOME) or to a run whose directory is gone. \
         Remove it with `mlab destroy --lab {lab}` from its own home (or from here, which deletes that VM and its disk), \
         or bring this lab up under another name with `mlab up --name NAME`"
    )]
    ForeignNode { lab: String, node: String, whose: String, dir: String },
    #[error(transparent)]
    Ssh(#[from] crate::ssh::SshError),
    #[error(transparent)]
    Provision(#[from] crate::provision::ProvisionError),
    #[error("{0}")]
    Other(String),
}

/// A node task that panicked (a bug), as an error the command can report.
fn task_failed(e: tokio::task::JoinError) -> LifecycleError {
    LifecycleError::Other(format!("internal task failed: {e}"))
}
