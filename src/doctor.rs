//! `mlab doctor`: is this host ready to run a lab? Each check is a small function returning a
//! [`Check`] (ok / warn / fail, what was found, what to do about it). Probing the host (files,
//! programs) is kept apart from deciding what the findings mean, so the decisions are plain
//! functions that tests can feed with made-up findings. The checks of the hypervisor itself
//! come from the provider ([`crate::provider::host_checks`]); both return [`Check`]s, which
//! live in [`crate::check`] so that the provider knows nothing of the doctor.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::boxes::{BoxError, BoxStore};
use crate::check::{Check, Status, find_program, nearest_existing};
use crate::lab::ResolvedLab;
use crate::provider::ProviderOptions;

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Below this much free space under MLAB_HOME a lab's thin clones may soon run out of room.
pub const DISK_WARN_BYTES: u64 = 5 * GIB;
/// Below this, `up` will almost certainly fail writing seeds and disk clones.
pub const DISK_FAIL_BYTES: u64 = GIB;
/// What each running qemu process needs beyond its guest's memory (TCG translation cache,
/// device emulation), and what the host itself keeps for libvirt, mlab and the page cache.
pub const QEMU_OVERHEAD_MIB: u64 = 256;
pub const HOST_RESERVE_MIB: u64 = 512;

/// Every check, for the lab the user is about to bring up.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lab: String,
    pub uri: String,
    pub mlab_home: PathBuf,
    /// False if any check failed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// What the checks look at.
pub struct Inputs<'a> {
    /// The provider `mlab up` would use, as the user gave it.
    pub provider: &'a ProviderOptions,
    pub lab: &'a ResolvedLab,
    pub home: &'a Path,
    pub boxes: &'a BoxStore,
    /// Where the lab's artifacts stand on this host.
    pub artifacts: &'a std::collections::BTreeMap<String, crate::artifacts::Availability>,
}

/// Run every check, in the order a user would fix things.
pub fn diagnose(inputs: &Inputs) -> Report {
    let needed_mib = inputs.lab.total_memory_mib(true);
    let started = inputs.lab.autostart_nodes().count() as u64;
    let disks_gib: u64 = inputs.lab.autostart_nodes().fold(0u64, |sum, n| sum.saturating_add(n.disk_gib));
    let mut checks = crate::provider::host_checks(inputs.provider, inputs.home);
    checks.extend([
        check_box_tools(),
        check_box(inputs.boxes, &inputs.lab.box_name),
        check_artifacts(inputs.lab, inputs.artifacts),
        check_memory(Path::new("/proc/meminfo"), needed_mib, started),
        check_disk(inputs.home, disks_gib),
    ]);
    Report {
        lab: inputs.lab.name.clone(),
        uri: inputs.provider.target(),
        mlab_home: inputs.home.to_path_buf(),
        ok: checks.iter().all(|c| c.status != Status::Fail),
        checks,
    }
}

// ---- artifacts -----------------------------------------------------------------------------

/// Has this host what the lab stages (Mesos, Mesos-DNS, ...)? Missing ones fail with the command
/// that gets them; ones that cannot be had here are named, as a warning.
pub fn check_artifacts(lab: &ResolvedLab, available: &std::collections::BTreeMap<String, crate::artifacts::Availability>) -> Check {
    use crate::artifacts::Availability;
    let staged = |name: &&String| lab.artifacts.get(*name).is_some_and(|a| !a.roles.is_empty());
    let missing: Vec<String> =
        available.iter().filter(|(n, _)| staged(n)).filter(|(_, a)| matches!(a, Availability::Missing { .. })).filter_map(|(_, a)| a.reason()).collect();
    let unavailable: Vec<&str> =
        available.iter().filter(|(n, _)| staged(n)).filter(|(_, a)| matches!(a, Availability::Unavailable(_))).map(|(n, _)| n.as_str()).collect();
    let ready = available.iter().filter(|(n, _)| staged(n)).filter(|(_, a)| matches!(a, Availability::Ready(_))).count();
    let not_here = if unavailable.is_empty() { String::new() } else { format!("; not available here: {}", unavailable.join(", ")) };
    if !missing.is_empty() {
        return Check::fail("artifacts", format!("{ready} staged, {} missing{not_here}", missing.len()), missing.join("\n"));
    }
    if !unavailable.is_empty() {
        return Check::warn(
            "artifacts",
            format!("{ready} ready{not_here}"),
            "their roles keep their configuration and never run; `mlab artifact list` says why",
        );
    }
    Check::ok("artifacts", format!("{ready} ready"))
}

// ---- host programs -------------------------------------------------------------------------

/// What `mlab box build` runs besides qemu-img.
pub fn check_box_tools() -> Check {
    let missing: Vec<&str> = [("debootstrap", "debootstrap"), ("mkfs.ext4", "e2fsprogs")]
        .into_iter()
        .filter(|(program, _)| find_program(program).is_none())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        Check::ok("box-tools", "debootstrap and mkfs.ext4 present (for `mlab box build`)")
    } else {
        Check::warn(
            "box-tools",
            format!("missing for `mlab box build`: {}", missing.join(", ")),
            format!("`apt-get install {}` or `scripts/host-setup.sh`", missing.join(" ")),
        )
    }
}

// ---- the lab's box -------------------------------------------------------------------------

/// The box the lab is cloned from is in the store.
pub fn check_box(store: &BoxStore, name: &str) -> Check {
    match store.get(name) {
        Ok(image) => Check::ok("box", format!("box {name} in {}", image.dir.display())),
        Err(BoxError::NotFound { hint, .. }) => Check::fail("box", format!("box {name} is not in {}", store.dir().display()), format!("`{hint}`")),
        Err(e) => Check::fail("box", e.to_string(), format!("`mlab box remove {name}`, then `mlab box build {name}`")),
    }
}

// ---- memory --------------------------------------------------------------------------------

/// `MemAvailable` of /proc/meminfo, in MiB.
pub fn parse_mem_available_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut fields = line.split_whitespace().skip(1);
    let value: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") | None => Some(value / 1024),
        Some(_) => None,
    }
}

/// Enough memory for the guests `up` starts, plus each qemu's overhead and the host's share?
pub fn assess_memory(available_mib: u64, needed_mib: u64, nodes: u64) -> Check {
    let comfortable = needed_mib + nodes * QEMU_OVERHEAD_MIB + HOST_RESERVE_MIB;
    let detail = format!("{available_mib} MiB available; the lab's started nodes need {needed_mib} MiB");
    if available_mib < needed_mib {
        Check::fail("memory", detail, "free memory (stop other labs: `mlab halt`) or give the lab's nodes less `memory:`")
    } else if available_mib < comfortable {
        Check::warn(
            "memory",
            format!("{detail}, about {comfortable} MiB with qemu's own overhead"),
            "free some memory or lower the nodes' `memory:`; guests may be slow or killed under pressure",
        )
    } else {
        Check::ok("memory", detail)
    }
}

pub fn check_memory(meminfo: &Path, needed_mib: u64, nodes: u64) -> Check {
    let available = std::fs::read_to_string(meminfo).ok().and_then(|text| parse_mem_available_mib(&text));
    match available {
        Some(mib) => assess_memory(mib, needed_mib, nodes),
        None => Check::warn(
            "memory",
            format!("cannot read MemAvailable from {}", meminfo.display()),
            format!("make sure the host has {needed_mib} MiB free for the lab's nodes"),
        ),
    }
}

// ---- disk ----------------------------------------------------------------------------------

/// Enough room under MLAB_HOME? Node disks are thin clones of the box, so they start small and
/// grow up to `provisioned_gib`; only a nearly full file system is worth a warning.
pub fn assess_disk(path: &Path, free_bytes: u64, provisioned_gib: u64) -> Check {
    let free_gib = free_bytes as f64 / GIB as f64;
    let detail = format!("{free_gib:.1} GiB free under {}; the lab's thin-cloned disks can grow to {provisioned_gib} GiB", path.display());
    let fix = "free space there, or point MLAB_HOME at a larger file system";
    if free_bytes < DISK_FAIL_BYTES {
        Check::fail("disk", detail, fix)
    } else if free_bytes < DISK_WARN_BYTES {
        Check::warn("disk", detail, fix)
    } else {
        Check::ok("disk", detail)
    }
}

pub fn check_disk(home: &Path, provisioned_gib: u64) -> Check {
    let existing = nearest_existing(home);
    match free_bytes(&existing) {
        Ok(free) => assess_disk(&existing, free, provisioned_gib),
        Err(e) => Check::warn(
            "disk",
            format!("cannot tell the free space under {}: {e}", existing.display()),
            format!("make sure {} has a few GiB free", existing.display()),
        ),
    }
}

/// Bytes available to an unprivileged user on the file system holding `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path =
        std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    // SAFETY: statvfs only writes into the zeroed struct we pass; the path is NUL-terminated.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stats.f_bavail as u64 * stats.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_in_mib() {
        let meminfo = "MemTotal:       24558964 kB\nMemFree:        17000000 kB\nMemAvailable:   23000000 kB\n";
        assert_eq!(parse_mem_available_mib(meminfo), Some(23000000 / 1024));
        assert_eq!(parse_mem_available_mib("MemTotal: 100 kB\n"), None);
        assert_eq!(parse_mem_available_mib("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn memory_fails_below_need_and_warns_without_headroom() {
        assert_eq!(assess_memory(1000, 2048, 2).status, Status::Fail);
        assert_eq!(assess_memory(2100, 2048, 2).status, Status::Warn);
        let ok = assess_memory(8192, 2048, 2);
        assert_eq!(ok.status, Status::Ok);
        assert!(ok.fix.is_none());
        assert!(ok.detail.contains("8192") && ok.detail.contains("2048"), "{}", ok.detail);
    }

    #[test]
    fn disk_warns_under_five_gib_and_fails_under_one() {
        let p = Path::new("/var/lib/mlab");
        assert_eq!(assess_disk(p, 100 * GIB, 20).status, Status::Ok);
        assert_eq!(assess_disk(p, 3 * GIB, 20).status, Status::Warn);
        assert_eq!(assess_disk(p, 200 * MIB, 20).status, Status::Fail);
        assert!(assess_disk(p, 3 * GIB, 20).detail.contains("20 GiB"));
    }

    #[test]
    fn free_bytes_of_an_existing_dir() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(free_bytes(dir.path()).expect("statvfs") > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn missing_box_names_the_command_that_builds_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let check = check_box(&BoxStore::new(dir.path()), "debian-12");
        assert_eq!(check.status, Status::Fail);
        assert_eq!(check.fix.as_deref(), Some("`mlab box build debian-12`"));
    }
}
