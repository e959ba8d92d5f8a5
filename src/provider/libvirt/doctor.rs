//! `mlab doctor`'s checks for the libvirt provider: the daemon answers, KVM really works or
//! TCG is used, qemu's two programs match, qemu can reach the disks, and labs stay inside
//! mlab's network namespace.

use std::path::{Path, PathBuf};

use super::{accel, connect};
use crate::check::{Check, nearest_existing, program_version};
use crate::provider::Accel;

/// Every libvirt check, in the order a user would fix things.
pub fn checks(uri: &str, requested: Accel, home: &Path) -> Vec<Check> {
    vec![check_libvirt(uri), check_accel(uri, requested), check_qemu(), check_home_access(home, uri), check_netns()]
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
            "run mlab through `scripts/mlab ...` (as root; `scripts/up` links it as /usr/local/bin/mlab), which starts libvirtd in mlab's network namespace; install it first with `scripts/host-setup.sh`",
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
    const FIX: &str =
        "run mlab through `scripts/mlab ...` (as root; `scripts/up` links it as /usr/local/bin/mlab), which keeps lab networks inside mlab's namespace";
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
    use crate::check::Status;
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
    fn libvirt_versions_unpack() {
        assert_eq!(format_libvirt_version(9_000_000), "9.0.0");
        assert_eq!(format_libvirt_version(10_010_003), "10.10.3");
    }

    #[test]
    fn test_driver_connects() {
        assert_eq!(check_libvirt("test:///default").status, Status::Ok);
        let bad = check_libvirt("qemu+unix:///system?socket=/nonexistent/mlab-sock");
        assert_eq!(bad.status, Status::Fail);
        assert!(bad.fix.as_deref().unwrap_or_default().contains("scripts/mlab "));
    }
}
