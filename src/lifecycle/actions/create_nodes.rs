//! Disks (linked clones of the box), cloud-init seeds and VM definitions for the target nodes
//! the provider does not have yet, all at once.

use std::sync::Arc;

use crate::boxes::BoxStore;
use crate::lifecycle::spec::{ensure_keys, node_spec};
use crate::lifecycle::{LabContext, LifecycleError};
use crate::provider::{NodeState, create_nodes};

pub async fn run(ctx: &mut LabContext) -> Result<(), LifecycleError> {
    let existing = ctx.conn.provider.list_nodes(&ctx.dir.name).await?;
    // A VM of this lab's name whose disk lives in another lab directory (another MLAB_HOME, or
    // a run that was killed and left its VMs defined) is someone else's: booting it would give
    // a node this lab has no key for, and defining over it would take it from its owner.
    if let Some((node, file)) = existing.iter().find_map(|e| e.files.iter().find(|f| !f.starts_with(&ctx.dir.root)).map(|f| (e, f))) {
        return Err(LifecycleError::ForeignNode {
            lab: ctx.dir.name.clone(),
            node: node.name.clone(),
            file: file.display().to_string(),
            dir: ctx.dir.root.display().to_string(),
        });
    }
    // A stopped VM whose disk or seed is gone (an `up` killed while libvirt was defining it,
    // then `destroy` removed the lab's files) cannot boot: it is defined again from scratch.
    let incomplete: Vec<String> = existing
        .iter()
        .filter(|e| e.state == NodeState::Stopped && !e.missing_files.is_empty() && ctx.target_nodes().any(|n| n.name == e.name))
        .map(|e| e.name.clone())
        .collect();
    for name in &incomplete {
        tracing::info!(node = %name, "the VM's disk or seed is missing; defining it again");
        ctx.line(name).set_message("disk or seed missing: defining the VM again");
        ctx.conn.provider.destroy_node(&ctx.dir.name, name).await?;
    }
    let missing: Vec<String> = ctx
        .target_nodes()
        .filter(|n| incomplete.contains(&n.name) || !existing.iter().any(|e| e.name == n.name && e.state != NodeState::Missing))
        .map(|n| n.name.clone())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let box_image = BoxStore::open_default().get(&ctx.lab.box_name)?;
    let keys = ensure_keys(&ctx.dir, &ctx.lab)?;
    let mut specs = Vec::new();
    for name in &missing {
        ctx.line(name).set_message("creating disk and seed");
        specs.push(node_spec(&ctx.dir, &ctx.lab, ctx.node(name)?, &box_image, &keys)?);
    }
    create_nodes(Arc::clone(&ctx.conn.provider), specs).await?;
    // A node made anew has none of its steps done, whatever an earlier node of its name had.
    for name in &missing {
        ctx.state.steps.remove(name);
    }
    ctx.save()?;
    ctx.record.created.extend(missing);
    Ok(())
}
