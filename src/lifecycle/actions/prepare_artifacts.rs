//! Get what the lab stages before anything boots: fetch what is pinned, build what can be
//! built, and name at once what cannot be had, with the command that gets it.
//!
//! A lab whose artifact cannot be had still comes up: the roles that need that artifact wait
//! and say why, everything else runs. A student who lacks the Spark build still gets a Mesos
//! cluster to work on, and the report (and exit status 1) says what is missing.

use crate::artifacts::{ArtifactCache, prepare_for_lab};
use crate::lifecycle::{LabContext, LifecycleError};

pub fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    if ctx.settings.provision.is_none() {
        return Ok(());
    }
    let cache = ArtifactCache::default_location();
    let missing = prepare_for_lab(&cache, &ctx.settings.provisioners, &ctx.lab.artifacts, ctx.settings.artifact_progress);
    for problem in &missing {
        tracing::warn!(%problem, "an artifact of the lab cannot be staged; the roles that need it wait");
        ctx.progress.note(&format!("cannot stage {problem}"));
    }
    ctx.record.missing_artifacts = missing;
    ctx.forget_availability();
    Ok(())
}
