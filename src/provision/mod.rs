//! The provisioning engine: the rendered files of every node, grouped into ordered steps
//! (common, then each role in dependency order), run over SSH.
//!
//! - A stage is one step on all the nodes that have it, run in parallel; a stage waits for the
//!   one before it (ZooKeeper is up before the masters, the masters before the agents...).
//! - On a node, a step uploads its files over SFTP, installs them with sudo, then runs its
//!   script as root. Output goes to `logs/<node>/<step>.log` in the lab directory; the terminal
//!   shows one line per node.
//! - A finished step is recorded with a hash of everything it ran; it runs again only when
//!   that changes or with `--force`. A failure names the node, the step, the last lines of its
//!   log and the log's path; the other nodes' steps of that stage finish first.
//! - Steps that need an artifact the host has not staged (Mesos, Marathon, ...) are skipped
//!   with the reason, never reported as done.

mod plan;
mod run;

pub use plan::{NodeStep, Stage, StepPlan, plan_stages};
pub use run::{ProvisionOptions, ProvisionReport, StepOutcome, StepStatus, provision};

/// A step that failed on a node.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(
        "step `{step}` failed on node `{node}`: {reason}\n  last lines of its log:\n{tail}\n  full log: {log}\n  fix the cause, then `mlab up` (or `mlab provision`) continues from this step"
    )]
    StepFailed { node: String, step: String, reason: String, tail: String, log: String },
    #[error("cannot reach node `{node}` to provision it: {source}")]
    Ssh { node: String, source: crate::ssh::SshError },
    #[error("cannot write the log {path}: {source}")]
    Log { path: String, source: std::io::Error },
    #[error(transparent)]
    State(#[from] crate::state::StateError),
}
