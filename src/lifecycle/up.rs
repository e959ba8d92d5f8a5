//! `mlab up`: create what is missing, start what is stopped, wait until every node answers
//! SSH with its pinned host key, provision, and check live what is ready.

use std::path::PathBuf;

use serde::Serialize;

use super::actions::{UP, run_all};
use super::readiness::ReadinessReport;
use super::{LabContext, LifecycleError};
use crate::provision::{ProvisionReport, StepStatus};

/// What `up` did, for the summary table and `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub lab: String,
    /// Nothing was created or started: the lab was already up.
    pub already_up: bool,
    pub nodes: Vec<UpNode>,
    /// Wall time of the whole command, provisioning included.
    pub total_s: f64,
    /// Wall time until every node answered SSH (what compares with the guests' boot).
    pub booted_s: f64,
    /// The slowest node's time from start to SSH answer.
    pub slowest_boot_s: f64,
    pub created: Vec<String>,
    pub started: Vec<String>,
    /// What provisioning did, step by step (absent with `--no-provision`).
    pub provision: Option<ProvisionReport>,
    /// Each service, checked live after provisioning (absent with `--no-provision`).
    pub readiness: Option<ReadinessReport>,
    /// The lab has an admin router, so `mlab open` shows its portal.
    pub has_portal: bool,
    /// Artifacts that could not be had before the nodes booted: why, and the command that gets
    /// each. The roles that need them wait.
    pub missing_artifacts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpNode {
    pub name: String,
    pub ip: String,
    pub state: String,
    /// Seconds from start to SSH answer, for nodes this run started.
    pub boot_s: Option<f64>,
}

/// Bring the lab of `ctx` up; `host_entries` also lists its nodes in that hosts file of the host.
pub async fn up(ctx: &mut LabContext, host_entries: Option<PathBuf>) -> Result<UpReport, LifecycleError> {
    // The one step that may need privileges is checked before anything is made.
    if let Some(path) = &host_entries {
        crate::hostfile::check_writable(path).map_err(LifecycleError::Other)?;
        ctx.state.host_entries = Some(path.clone());
        ctx.save()?;
    }
    ctx.target_running_nodes();
    let result = run_all(ctx, UP).await;
    ctx.close_sessions().await;
    result?;
    Ok(up_report(ctx))
}

/// The report of a bring-up, from what the context recorded.
pub(crate) fn up_report(ctx: &LabContext) -> UpReport {
    let record = &ctx.record;
    let nodes = ctx
        .lab
        .nodes
        .iter()
        .map(|n| UpNode {
            name: n.name.clone(),
            ip: n.ip.to_string(),
            state: if ctx.targets.contains(&n.name) { "running".into() } else { "on demand".into() },
            boot_s: record.boot_s.get(&n.name).copied(),
        })
        .collect();
    UpReport {
        lab: ctx.name().to_string(),
        already_up: record.created.is_empty() && record.started.is_empty() && record.provision.as_ref().is_none_or(|p| p.count(StepStatus::Done) == 0),
        nodes,
        total_s: ctx.began.elapsed().as_secs_f64(),
        booted_s: record.booted_s,
        slowest_boot_s: record.boot_s.values().copied().fold(0.0, f64::max),
        created: record.created.clone(),
        started: record.started.clone(),
        provision: record.provision.clone(),
        readiness: record.readiness.clone(),
        has_portal: super::endpoints::endpoint(&ctx.lab, None).is_ok(),
        missing_artifacts: record.missing_artifacts.clone(),
    }
}
