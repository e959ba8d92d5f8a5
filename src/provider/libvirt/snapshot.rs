//! Node snapshots on libvirt: internal snapshots kept inside the node's qcow2 disk, memory
//! included while the node runs (QEMU's savevm), so a reverted node goes on from the instant it
//! was saved, processes, connections and all, instead of booting. The seed disk is read-only
//! and libvirt leaves read-only disks out of a snapshot; the box under the node's disk never
//! changes. Reverting a running node loads the saved memory into the same QEMU process.

use virt::connect::Connect;
use virt::domain::{Domain, DomainState};
use virt::domain_snapshot::DomainSnapshot;
use virt::enumutil::Enum;
use virt::sys;

use super::connect::{backend, is_not_found};
use super::lookup_domain;
use super::xml::{document, text_element};
use crate::provider::ProviderError;

fn domain(conn: &Connect, vm: &str) -> Result<Domain, ProviderError> {
    lookup_domain(conn, vm)?.ok_or_else(|| ProviderError::Missing { object: format!("the VM {vm}") })
}

fn state(domain: &Domain, vm: &str) -> Result<DomainState, ProviderError> {
    match domain.state().map_err(|e| backend("read the state of", vm, e))?.0 {
        Enum::Known(state) => Ok(state),
        Enum::Unknown(raw) => Err(ProviderError::Unsupported(format!("the VM {vm} is in a state libvirt calls {raw}, which mlab does not know"))),
    }
}

/// Freeze a running VM's CPUs (no-op for one that is not running).
pub fn pause(conn: &Connect, vm: &str) -> Result<(), ProviderError> {
    let domain = domain(conn, vm)?;
    if matches!(state(&domain, vm)?, DomainState::Running | DomainState::Blocked) {
        domain.suspend().map_err(|e| backend("pause", vm, e))?;
    }
    Ok(())
}

/// Let a paused VM run (no-op for one that is not paused).
pub fn resume(conn: &Connect, vm: &str) -> Result<(), ProviderError> {
    let domain = domain(conn, vm)?;
    if state(&domain, vm)? == DomainState::Paused {
        domain.resume().map_err(|e| backend("resume", vm, e))?;
    }
    Ok(())
}

/// Snapshot `name` of the VM: disk only for a VM that is off, disk and memory otherwise.
pub fn save(conn: &Connect, vm: &str, name: &str) -> Result<(), ProviderError> {
    let domain = domain(conn, vm)?;
    let xml = document(format!("snapshot {name} of {vm}"), |w| {
        w.create_element("domainsnapshot").write_inner_content(|w| {
            text_element(w, "name", &[], name)?;
            text_element(w, "description", &[], "mlab whole-lab snapshot")
        })?;
        Ok(())
    })?;
    // Atomic: a snapshot that fails leaves no half-made one behind.
    domain.create_snapshot_xml(&xml, sys::VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC).map_err(|e| backend("snapshot", format!("{vm} as {name}"), e))?;
    tracing::info!(vm, snapshot = name, "saved snapshot");
    Ok(())
}

/// Put the VM back as snapshot `name` left it; a VM that was running then is left paused, so
/// that every node of a lab can be resumed together.
pub fn revert(conn: &Connect, vm: &str, name: &str) -> Result<(), ProviderError> {
    let domain = domain(conn, vm)?;
    let snapshot = Domain::lookup_snapshot_by_name(&domain, name, 0).map_err(|e| {
        if is_not_found(&e) {
            ProviderError::Missing { object: format!("snapshot {name} of the VM {vm}") }
        } else {
            backend("look up", format!("snapshot {name} of {vm}"), e)
        }
    })?;
    snapshot.revert(sys::VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED).map_err(|e| backend("revert", format!("{vm} to {name}"), e))?;
    tracing::info!(vm, snapshot = name, "reverted to snapshot");
    Ok(())
}

/// Forget snapshot `name` of the VM, if it has one (and the VM exists).
pub fn delete(conn: &Connect, vm: &str, name: &str) -> Result<(), ProviderError> {
    let Some(domain) = lookup_domain(conn, vm)? else { return Ok(()) };
    match Domain::lookup_snapshot_by_name(&domain, name, 0) {
        Ok(snapshot) => snapshot.delete(0).map_err(|e| backend("delete", format!("snapshot {name} of {vm}"), e)),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(backend("look up", format!("snapshot {name} of {vm}"), e)),
    }
}

/// The names of the VM's snapshots; none if there is no such VM.
pub fn names(conn: &Connect, vm: &str) -> Result<Vec<String>, ProviderError> {
    let Some(domain) = lookup_domain(conn, vm)? else { return Ok(Vec::new()) };
    let snapshots = domain.list_all_snapshots(0).map_err(|e| backend("list the snapshots of", vm, e))?;
    let mut names = snapshots.iter().map(DomainSnapshot::name).collect::<Result<Vec<_>, _>>().map_err(|e| backend("read the snapshots of", vm, e))?;
    names.sort();
    Ok(names)
}
