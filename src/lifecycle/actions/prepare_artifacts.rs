//! Make what the lab stages and this host can make without a network (builds from cached
//! inputs), before anything boots; name what cannot be had.

use crate::artifacts::{ArtifactCache, prepare_for_lab};
use crate::lifecycle::{LabContext, LifecycleError};

pub fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    if ctx.settings.provision.is_none() {
        return Ok(());
    }
    let cache = ArtifactCache::default_location();
    for note in prepare_for_lab(&cache, &ctx.settings.provisioners, &ctx.lab.artifacts, ctx.settings.artifact_progress) {
        ctx.progress.note(&note);
    }
    ctx.forget_availability();
    Ok(())
}
