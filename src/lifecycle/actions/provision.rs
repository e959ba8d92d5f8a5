//! Run the provisioning steps on the target nodes (the provision module decides which).

use crate::lifecycle::{LabContext, LifecycleError};
use crate::provision::{ProvisionJob, provision_lab};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let Some(options) = ctx.settings.provision.clone() else { return Ok(()) };
    let availability = ctx.availability().clone();
    let job = ProvisionJob {
        dir: &ctx.dir,
        lab: &ctx.lab,
        provisioners: &ctx.settings.provisioners,
        availability: &availability,
        options: &options,
        progress: &ctx.progress,
    };
    let report = provision_lab(&job, &mut ctx.state, &ctx.sessions).await?;
    ctx.record.provision = Some(report);
    Ok(())
}
