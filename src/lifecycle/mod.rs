//! Lab lifecycle on a provider: `up`, `status`, `halt`, `destroy`, `list`.
//!
//! Bring-up is a list of small actions run in order against a [`Provider`] (the shape of
//! kind's create actions): keys, network, node creation, start, wait for SSH. Each action is
//! idempotent, so an interrupted `up` is finished by the next one and undone by `destroy`.

mod agents;
mod destroy;
mod halt;
mod instance;
mod progress;
mod provisioning;
pub mod readiness;
mod spec;
mod status;
mod up;

use std::sync::Arc;

pub use agents::{AddAgentOptions, AddAgentReport, RemoveAgentReport, add_agents, removable, remove_agent};
pub use destroy::{DestroyReport, destroy};
pub use halt::halt;
pub use instance::{Instance, choose_instance, free_subnet, open_instance, plan_instance, plan_new_instance};
pub use progress::NodeProgress;
pub(crate) use provisioning::close_sessions;
pub use provisioning::{connect_sessions, provision_lab};
pub use spec::{GUEST_USER, ssh_target};
pub use status::{LabSummary, NodeStatus, list_labs, status};
pub use up::{UpOptions, UpReport, up};

use crate::provider::libvirt::{LibvirtProvider, resolve_uri};
use crate::provider::{Accel, Provider, ProviderError};

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
    #[error(transparent)]
    Provision(#[from] crate::provision::ProvisionError),
    #[error("{0}")]
    Other(String),
}

/// A node task that panicked (a bug), as an error the command can report.
fn task_failed(e: tokio::task::JoinError) -> LifecycleError {
    LifecycleError::Other(format!("internal task failed: {e}"))
}

/// Which hypervisor to use and how.
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    /// libvirt URI; default `$MLAB_LIBVIRT_URI` or `qemu:///system`.
    pub uri: Option<String>,
    pub accel: Accel,
}

/// A connected provider plus the one-line notice about its accelerator, if any.
pub struct Connected {
    pub provider: Arc<dyn Provider>,
    pub uri: String,
    pub notice: Option<String>,
}

pub async fn connect(opts: &ProviderOptions) -> Result<Connected, LifecycleError> {
    let uri = resolve_uri(opts.uri.as_deref());
    let provider = LibvirtProvider::connect(&uri, opts.accel).await?;
    let notice = provider.accel().notice.clone();
    Ok(Connected { provider: Arc::new(provider), uri, notice })
}
