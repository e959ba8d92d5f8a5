//! The lab's private network, made unless it exists.

use crate::lifecycle::spec::network_spec;
use crate::lifecycle::{LabContext, LifecycleError};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    Ok(ctx.conn.provider.ensure_network(&network_spec(&ctx.dir.name, &ctx.lab)).await?)
}
