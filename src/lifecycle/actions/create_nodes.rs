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
    // The owner recorded with the VM decides (its disks may be a server's volumes); VMs made
    // before owners were recorded are judged by where their disks are.
    let ours = crate::lifecycle::spec::owner(&ctx.dir);
    let foreign = existing.iter().find_map(|e| match &e.owner {
        Some(owner) => (*owner != ours).then(|| (e, format!("it was made for {owner}, which"))),
        None => e.files.iter().find(|f| !is_inside(f, &ctx.dir.root)).map(|f| (e, format!("its disk {}", f.display()))),
    });
    if let Some((node, whose)) = foreign {
        return Err(LifecycleError::ForeignNode { lab: ctx.dir.name.clone(), node: node.name.clone(), whose, dir: ctx.dir.root.display().to_string() });
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
    crate::lifecycle::defining::mark(&ctx.dir, &missing)?;
    let created = create_nodes(Arc::clone(&ctx.conn.provider), specs).await;
    crate::lifecycle::defining::clear(&ctx.dir, &missing);
    created?;
    // A node made anew has none of its steps done, whatever an earlier node of its name had.
    for name in &missing {
        ctx.state.steps.remove(name);
    }
    ctx.save()?;
    ctx.record.created.extend(missing);
    Ok(())
}

/// `file` lies under `dir`, compared as the real paths where they exist (MLAB_HOME spelled
/// through a symlink or with `..` is the same home), else as written.
fn is_inside(file: &std::path::Path, dir: &std::path::Path) -> bool {
    let real = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let parent = file.parent().unwrap_or(file);
    file.starts_with(dir) || real(parent).starts_with(real(dir))
}

#[cfg(test)]
mod tests {
    use super::is_inside;

    #[test]
    fn a_file_is_inside_its_lab_directory_however_the_home_is_spelled() {
        let root = tempfile::tempdir().expect("tmp");
        let lab = root.path().join("home/labs/demo");
        std::fs::create_dir_all(lab.join("disks")).expect("dirs");
        let link = root.path().join("link-home");
        std::os::unix::fs::symlink(root.path().join("home"), &link).expect("symlink");
        let disk = lab.join("disks/master1.qcow2");
        assert!(is_inside(&disk, &lab));
        assert!(is_inside(&disk, &link.join("labs/demo")), "through a symlinked home");
        assert!(is_inside(&link.join("labs/demo/disks/master1.qcow2"), &lab), "a definition written through the symlink");
        assert!(!is_inside(&root.path().join("other/labs/demo/disks/master1.qcow2"), &lab), "another home's disk");
        assert!(!is_inside(&disk, &root.path().join("home/labs/demo2")), "a lab whose name only starts the same");
    }
}
