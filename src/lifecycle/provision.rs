//! `mlab provision [NODE] [--step S] [--force]`: run provisioning steps again on running nodes.

use super::actions::{PROVISION, run_all};
use super::{LabContext, LifecycleError};
use crate::provision::ProvisionReport;

/// Provision `node` (or every running node) with the context's provisioning options.
pub async fn provision(ctx: &mut LabContext, node: Option<&str>) -> Result<ProvisionReport, LifecycleError> {
    match node {
        Some(node) => ctx.targets = vec![ctx.node(node)?.name.clone()],
        None => ctx.target_running_nodes(),
    }
    if let Some(options) = ctx.settings.provision.as_mut() {
        options.nodes = ctx.targets.clone();
    }
    let result = run_all(ctx, PROVISION).await;
    ctx.close_sessions().await;
    result?;
    Ok(ctx.record.provision.clone().unwrap_or_default())
}
