//! The lab's block in the host's hosts file, when the lab asked for one (`up --host-entries`).

use crate::lifecycle::{LabContext, LifecycleError};

pub fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    if let Some(path) = &ctx.state.host_entries {
        crate::hostfile::update(path, &ctx.dir.name, Some(&crate::render::hosts_block(&ctx.lab))).map_err(LifecycleError::Other)?;
    }
    Ok(())
}
