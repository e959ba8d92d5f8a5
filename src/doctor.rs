//! `mlab doctor`: is this host ready to run a lab? Each check is a small function returning a
//! [`Check`] (ok / warn / fail, what was found, what to do about it). Probing the host (files,
//! programs, libvirt) is kept apart from deciding what the findings mean, so the decisions are
//! plain functions that tests can feed with made-up findings.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::boxes::{BoxError, BoxStore};
use crate::lab::ResolvedLab;
use crate::provider::Accel;
use crate::provider::libvirt::{accel, connect};

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

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Short stable name, e.g. `libvirt`, `box`, `memory`.
    pub name: &'static str,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it; `None` when there is nothing to do.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, status: Status::Ok, detail: detail.into(), fix: None }
    }
    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, status: Status::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, status: Status::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }
}

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
    pub uri: &'a str,
    /// What `--accel` asked for; `Auto` probes KVM as `mlab up` does.
    pub accel: Accel,
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
    let disks_gib: u64 = inputs.lab.autostart_nodes().map(|n| n.disk_gib).sum();
    let checks = vec![
        check_libvirt(inputs.uri),
        check_accel(inputs.uri, inputs.accel),
        check_qemu(),
        check_box_tools(),
        check_box(inputs.boxes, &inputs.lab.box_name),
        check_artifacts(inputs.lab, inputs.artifacts),
        check_memory(Path::new("/proc/meminfo"), needed_mib, started),
        check_disk(inputs.home, disks_gib),
        check_home_access(inputs.home, inputs.uri),
        check_netns(),
    ];
    Report {
        lab: inputs.lab.name.clone(),
        uri: inputs.uri.to_string(),
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

// ---- libvirt -------------------------------------------------------------------------------

/// Can we open the libvirt connection mlab will use?
pub fn check_libvirt(uri: &str) -> Check {
    // libvirt's default handler would print the connection error to stderr as well.
    virt::error::clear_error_callback();
    match connect::open(uri) {
        Ok(conn) => {
            let version = conn.lib_version().map(format_libvirt_version).unwrap_or_else(|_| "unknown version".into());
            Check::ok("libvirt", format!("connected to {uri} (libvirt {version})"))
        }
        Err(e) => Check::fail(
            "libvirt",
            format!("cannot connect to {uri}: {e}"),
            "start libvirtd in mlab's network namespace by running mlab as `scripts/mlab-netns -- mlab ...` (as root); install it first with `scripts/host-setup.sh`",
        ),
    }
}

/// libvirt packs versions as major * 1,000,000 + minor * 1,000 + release.
pub fn format_libvirt_version(packed: u32) -> String {
    format!("{}.{}.{}", packed / 1_000_000, packed / 1000 % 1000, packed % 1000)
}

// ---- acceleration --------------------------------------------------------------------------

/// KVM or TCG, decided as `mlab up` decides it (`--accel auto` probes /dev/kvm on local URIs).
pub fn check_accel(uri: &str, requested: Accel) -> Check {
    let local = connect::is_local_uri(uri);
    let why = if requested == Accel::Auto && local {
        // The probe `accel::choose` runs, called directly to report its reason verbatim.
        match accel::probe_kvm(Path::new("/dev/kvm"), Path::new("/proc/cpuinfo")) {
            Ok(()) => None,
            Err(why) => Some(format!("KVM not usable: {why}")),
        }
    } else {
        let choice = accel::choose(requested, local);
        (!choice.kvm).then(|| choice.notice.unwrap_or_else(|| "--accel tcg".into()))
    };
    match why {
        None => Check::ok("kvm", "KVM works: guests run hardware-accelerated"),
        Some(why) => Check::warn(
            "kvm",
            format!("TCG: software emulation, ~30 s boots ({why})"),
            "for faster boots run on a host with KVM (vmx/svm in /proc/cpuinfo, usable /dev/kvm); labs work as they are",
        ),
    }
}

// ---- host programs -------------------------------------------------------------------------

/// A qemu version as printed by `--version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QemuVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl std::fmt::Display for QemuVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The version in `QEMU emulator version 7.2.22 (Debian ...)` or `qemu-img version 7.2.22 ...`.
pub fn parse_qemu_version(text: &str) -> Option<QemuVersion> {
    let first = text.lines().next()?;
    let (_, after) = first.split_once("version ")?;
    let number = after.split_whitespace().next()?;
    let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    Some(QemuVersion { major, minor, patch })
}

/// Whether qemu-system and qemu-img pair well: the same major.minor release. A newer qemu-img
/// (bookworm-backports) beside bookworm's qemu-system-x86 breaks image handling.
pub fn assess_qemu(system: Result<String, String>, img: Result<String, String>) -> Check {
    const FIX_MISSING: &str = "install qemu with `scripts/host-setup.sh` (or `apt-get install qemu-system-x86 qemu-utils`)";
    let system = match system {
        Ok(text) => text,
        Err(e) => return Check::fail("qemu", format!("qemu-system-x86_64: {e}"), FIX_MISSING),
    };
    let img = match img {
        Ok(text) => text,
        Err(e) => return Check::fail("qemu", format!("qemu-img: {e}"), FIX_MISSING),
    };
    let (Some(sv), Some(iv)) = (parse_qemu_version(&system), parse_qemu_version(&img)) else {
        return Check::warn(
            "qemu",
            "could not read the versions of qemu-system-x86_64 and qemu-img",
            "check `qemu-system-x86_64 --version` and `qemu-img --version` print the same release",
        );
    };
    if (sv.major, sv.minor) == (iv.major, iv.minor) {
        Check::ok("qemu", format!("qemu-system-x86_64 {sv}, qemu-img {iv}"))
    } else {
        Check::fail(
            "qemu",
            format!("qemu-system-x86_64 {sv} but qemu-img {iv}: mismatched releases break image handling"),
            "install the matching pair with `scripts/host-setup.sh` (it pins qemu-utils to the qemu-system-x86 version, downgrading if needed)",
        )
    }
}

/// qemu-system-x86_64 and qemu-img present, of the same release.
pub fn check_qemu() -> Check {
    assess_qemu(program_version("qemu-system-x86_64"), program_version("qemu-img"))
}

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

/// `program` on `$PATH` or in the sbin directories a non-login root shell may lack.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from);
    std::env::split_paths(&path_var).chain(extra).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// The first line `program --version` prints, or why it could not be run.
fn program_version(program: &str) -> Result<String, String> {
    let path = find_program(program).ok_or_else(|| "not installed".to_string())?;
    let output = Command::new(&path).arg("--version").output().map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    if !output.status.success() {
        return Err(format!("`{} --version` failed ({})", path.display(), output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_string())
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

/// `path` itself if it exists, else its closest existing ancestor (MLAB_HOME is created lazily).
fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors().find(|p| p.exists()).unwrap_or(Path::new("/")).to_path_buf()
}

// ---- MLAB_HOME reachable by qemu -----------------------------------------------------------

/// With `qemu:///system`, qemu runs as libvirt's unprivileged user, which must be able to
/// reach the disks under MLAB_HOME.
pub fn runs_qemu_as_system_user(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else { return false };
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = path.split('?').next().unwrap_or(path);
    scheme.starts_with("qemu") && path == "/system"
}

/// The existing directories on the way to `path` (itself included) that others cannot
/// traverse (no o+x). Symlinks are followed: what counts is the real path qemu opens.
pub fn closed_directories(path: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let existing = nearest_existing(path);
    let real = std::fs::canonicalize(&existing).unwrap_or(existing);
    let mut closed: Vec<PathBuf> =
        real.ancestors().filter(|dir| std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o001 == 0)).map(Path::to_path_buf).collect();
    closed.reverse();
    closed
}

pub fn check_home_access(home: &Path, uri: &str) -> Check {
    if !runs_qemu_as_system_user(uri) {
        return Check::ok("home-access", format!("not needed: {uri} does not run qemu as libvirt's system user"));
    }
    let closed = closed_directories(home);
    if closed.is_empty() {
        return Check::ok("home-access", format!("libvirt's qemu user can reach {}", home.display()));
    }
    let list: Vec<String> = closed.iter().map(|p| p.display().to_string()).collect();
    Check::fail(
        "home-access",
        format!("libvirt's qemu user cannot traverse {} (no o+x) to reach {}", list.join(", "), home.display()),
        format!("`chmod o+x {}`, or set MLAB_HOME to a directory such as /var/lib/mlab", list.join(" ")),
    )
}

// ---- network namespace ---------------------------------------------------------------------

/// Is mlab in a network namespace of its own? `own` and `host` are the targets of
/// /proc/self/ns/net and /proc/1/ns/net; `name` is our namespace's `ip netns` name, if any.
/// Reading /proc/1/ns/net can be refused (containers, missing capabilities): then a named
/// namespace is taken as ours, since `ip netns add` makes new ones.
pub fn assess_netns(own: Option<&str>, host: Option<&str>, name: Option<&str>) -> Check {
    const FIX: &str = "run mlab as `scripts/mlab-netns -- mlab ...` (as root), which keeps lab networks inside mlab's namespace";
    let which = |own: &str| name.map(|n| format!("`{n}`")).unwrap_or_else(|| own.to_string());
    match (own, host, name) {
        (Some(own), Some(host), _) if own == host => Check::warn("netns", "in the host's network namespace: guests' traffic would not be contained", FIX),
        (Some(own), Some(_), _) => Check::ok("netns", format!("in network namespace {}, not the host's", which(own))),
        (Some(own), None, Some(_)) => Check::ok("netns", format!("in network namespace {} (made by `ip netns add`)", which(own))),
        _ => Check::warn("netns", "cannot tell whether this is the host's network namespace (/proc/1/ns/net unreadable) and it has no `ip netns` name", FIX),
    }
}

pub fn check_netns() -> Check {
    let read = |p: &str| std::fs::read_link(p).ok().map(|l| l.display().to_string());
    let own = read("/proc/self/ns/net");
    let host = read("/proc/1/ns/net");
    assess_netns(own.as_deref(), host.as_deref(), namespace_name(Path::new("/run/netns")).as_deref())
}

/// The `ip netns` name of our network namespace, if it has one: the entry of `dir` that is
/// the same namespace file (same device and inode) as /proc/self/ns/net.
fn namespace_name(dir: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let own = std::fs::metadata("/proc/self/ns/net").ok()?;
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let meta = std::fs::metadata(entry.path()).ok()?;
        (meta.ino() == own.ino() && meta.dev() == own.dev()).then(|| entry.file_name().to_string_lossy().into_owned())
    })
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
    fn parses_qemu_and_qemu_img_versions() {
        let sys = parse_qemu_version("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)");
        assert_eq!(sys, Some(QemuVersion { major: 7, minor: 2, patch: 22 }));
        let img = parse_qemu_version("qemu-img version 9.2.0 (Debian 1:9.2.0+ds-1~bpo12+1)\nCopyright");
        assert_eq!(img, Some(QemuVersion { major: 9, minor: 2, patch: 0 }));
        assert_eq!(parse_qemu_version("qemu-img version 8.1"), Some(QemuVersion { major: 8, minor: 1, patch: 0 }));
        assert_eq!(parse_qemu_version("no version here"), None);
    }

    #[test]
    fn qemu_pair_must_share_a_release() {
        let same = assess_qemu(Ok("QEMU emulator version 7.2.22 (x)".into()), Ok("qemu-img version 7.2.19 (y)".into()));
        assert_eq!(same.status, Status::Ok, "{same:?}");
        let mixed = assess_qemu(Ok("QEMU emulator version 7.2.22".into()), Ok("qemu-img version 9.2.0".into()));
        assert_eq!(mixed.status, Status::Fail);
        assert!(mixed.fix.as_deref().unwrap_or_default().contains("host-setup.sh"));
        let missing = assess_qemu(Err("not installed".into()), Ok("qemu-img version 7.2.0".into()));
        assert_eq!(missing.status, Status::Fail);
        assert!(missing.detail.contains("qemu-system-x86_64"), "{}", missing.detail);
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
    fn only_qemu_system_uris_need_traversal() {
        assert!(runs_qemu_as_system_user("qemu:///system"));
        assert!(runs_qemu_as_system_user("qemu+unix:///system?socket=/run/x"));
        assert!(!runs_qemu_as_system_user("qemu:///session"));
        assert!(!runs_qemu_as_system_user("test:///default"));
        assert!(!runs_qemu_as_system_user("qemu+ssh://host/system"));
    }

    #[test]
    fn finds_directories_others_cannot_traverse() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tmp");
        let set = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        set(root.path(), 0o755);
        let closed = root.path().join("closed");
        let home = closed.join("open").join("mlab");
        std::fs::create_dir_all(&home).expect("mkdir");
        set(&closed, 0o700);
        set(&home, 0o755);
        let real_closed = std::fs::canonicalize(&closed).expect("canonical");
        let found = closed_directories(&home);
        assert!(found.contains(&real_closed), "{found:?}");
        assert!(!found.iter().any(|p| p.ends_with("open") || p.ends_with("mlab")), "{found:?}");
        // A home that does not exist yet is judged by the directories that do.
        assert!(closed_directories(&home.join("not-yet")).contains(&real_closed));

        set(&closed, 0o711);
        assert!(!closed_directories(&home).contains(&real_closed));
    }

    #[test]
    fn host_namespace_warns_and_own_namespace_is_ok() {
        let host = "net:[4026531840]";
        assert_eq!(assess_netns(Some(host), Some(host), None).status, Status::Warn);
        let ours = assess_netns(Some("net:[4026532200]"), Some(host), Some("mlab"));
        assert_eq!(ours.status, Status::Ok);
        assert!(ours.detail.contains("`mlab`"), "{}", ours.detail);
        assert_eq!(assess_netns(Some(host), None, None).status, Status::Warn);
        // /proc/1/ns/net unreadable: a named namespace still counts as ours.
        assert_eq!(assess_netns(Some(host), None, Some("mlab")).status, Status::Ok);
        // Readable and equal wins over a name (a bind mount of the host's namespace).
        assert_eq!(assess_netns(Some(host), Some(host), Some("host")).status, Status::Warn);
    }

    #[test]
    fn missing_box_names_the_command_that_builds_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let check = check_box(&BoxStore::new(dir.path()), "debian-12");
        assert_eq!(check.status, Status::Fail);
        assert_eq!(check.fix.as_deref(), Some("`mlab box build debian-12`"));
    }

    #[test]
    fn libvirt_versions_unpack() {
        assert_eq!(format_libvirt_version(9_000_000), "9.0.0");
        assert_eq!(format_libvirt_version(10_010_003), "10.10.3");
    }

    #[test]
    fn test_driver_connects() {
        assert_eq!(check_libvirt("test:///default").status, Status::Ok);
        let bad = check_libvirt("qemu+unix:///system?socket=/nonexistent/mlab-sock");
        assert_eq!(bad.status, Status::Fail);
        assert!(bad.fix.as_deref().unwrap_or_default().contains("scripts/mlab-netns"));
    }
}
