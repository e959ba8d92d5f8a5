//! `mlab snapshot save`: the actions that take a whole-lab snapshot, and what they report.

use serde::Serialize;

use super::actions::{Action, run_all};
use super::snapshot::{LabSnapshot, check_name};
use super::{LabContext, LifecycleError};

/// What `mlab snapshot save` did.
#[derive(Debug, Clone, Serialize)]
pub struct SaveReport {
    pub lab: String,
    pub snapshot: LabSnapshot,
    /// How long the nodes were paused (what the lab's users noticed).
    pub paused_s: f64,
    pub total_s: f64,
}

/// Save the lab as snapshot `name`; its running nodes go on afterwards, their clocks set right.
pub async fn save(ctx: &mut LabContext, name: &str) -> Result<SaveReport, LifecycleError> {
    check_name(name)?;
    let result = run_all(ctx, &[Action::SaveSnapshot(name.to_string()), Action::WaitForSsh, Action::SetClocks]).await;
    ctx.close_sessions().await;
    result?;
    let snapshot = ctx.record.snapshot.clone().ok_or_else(|| LifecycleError::Other("the snapshot was not recorded".into()))?;
    Ok(SaveReport { lab: ctx.name().to_string(), snapshot, paused_s: ctx.record.paused_s, total_s: ctx.began.elapsed().as_secs_f64() })
}
