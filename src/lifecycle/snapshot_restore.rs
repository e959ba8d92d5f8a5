//! `mlab snapshot restore`: the actions that put a lab back as a snapshot had it, and what
//! they report.

use serde::Serialize;

use super::actions::{Action, run_all};
use super::readiness::ReadinessReport;
use super::snapshot::LabSnapshot;
use super::{LabContext, LifecycleError};

/// What `mlab snapshot restore` did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub lab: String,
    pub snapshot: String,
    /// Nodes put back as the snapshot had them.
    pub restored: Vec<String>,
    /// Nodes made after the snapshot, removed with their disks.
    pub removed: Vec<String>,
    /// Seconds until every node that ran then runs again.
    pub resumed_s: f64,
    /// Seconds until every one of them answered SSH.
    pub answered_s: f64,
    pub total_s: f64,
    /// Each service, checked live (absent when the lab was not provisioned at the snapshot).
    pub readiness: Option<ReadinessReport>,
}

/// Put the lab back as snapshot `name` had it and check, live, what is ready.
pub async fn restore(ctx: &mut LabContext, name: &str) -> Result<RestoreReport, LifecycleError> {
    let snapshot = LabSnapshot::load(&ctx.dir, name)?;
    // Readiness is checked as `up` checks it, for a lab that was provisioned when it was saved.
    if snapshot.state.steps.is_empty() {
        ctx.settings.provision = None;
    }
    let result =
        run_all(ctx, &[Action::RevertToSnapshot(name.to_string()), Action::WaitForSsh, Action::SetClocks, Action::RestartMarathon, Action::CheckReadiness])
            .await;
    ctx.close_sessions().await;
    result?;
    Ok(RestoreReport {
        lab: ctx.name().to_string(),
        snapshot: name.to_string(),
        restored: snapshot.nodes.iter().map(|n| n.name.clone()).collect(),
        removed: ctx.record.removed_nodes.clone(),
        resumed_s: ctx.record.resumed_s,
        answered_s: ctx.record.booted_s,
        total_s: ctx.began.elapsed().as_secs_f64(),
        readiness: ctx.record.readiness.clone(),
    })
}
