//! Ask every service of the lab, live, whether it is ready, giving services that were started
//! a moment ago time to elect leaders and register.

use crate::lifecycle::{LabContext, LifecycleError, readiness};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    if ctx.settings.provision.is_none() {
        return Ok(());
    }
    let availability = ctx.availability().clone();
    let line = ctx.progress.line("services");
    line.set_message("checking what is ready");
    let report = readiness::check(&ctx.lab, &ctx.sessions, &availability, ctx.settings.ready_timeout).await;
    line.finish_and_clear();
    ctx.record.readiness = Some(report);
    Ok(())
}
