//! `mlab doctor`'s checks for the VirtualBox provider: VBoxManage runs and is recent enough,
//! the host-only range mlab uses is allowed, and qemu-img is there to convert boxes to VDI.

use std::path::Path;

use ipnet::Ipv4Net;

use super::manage::{VBoxManage, parse_version};
use super::network::{HOST_ONLY_RANGE, host_only_range};
use crate::check::{Check, program_version};

/// The first VirtualBox that limits host-only networks to 192.168.56.0/21 (and the oldest
/// mlab is written against).
pub const MINIMUM_VERSION: (u32, u32, u32) = (6, 1, 28);

/// Every VirtualBox check, in the order a user would fix things.
pub fn checks(manage: &VBoxManage) -> Vec<Check> {
    vec![check_vboxmanage(manage), check_host_only_range(Path::new("/etc/vbox/networks.conf")), check_qemu_img()]
}

/// VBoxManage answers `--version` with a version mlab supports.
pub fn check_vboxmanage(manage: &VBoxManage) -> Check {
    let fix = "install VirtualBox 6.1.28 or later (its VBoxManage must be on PATH), or set MLAB_VBOXMANAGE to it";
    let output = match std::process::Command::new(&manage.program).arg("--version").env("LC_ALL", "C").output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => return Check::fail("virtualbox", format!("`{} --version` failed ({})", manage.program.display(), o.status), fix),
        Err(e) => return Check::fail("virtualbox", format!("cannot run {}: {e}", manage.program.display()), fix),
    };
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    match parse_version(&text) {
        Some(v) if v >= MINIMUM_VERSION => Check::ok("virtualbox", format!("VBoxManage {text}")),
        Some(_) => Check::fail("virtualbox", format!("VBoxManage {text} is older than {}.{}.{}", MINIMUM_VERSION.0, MINIMUM_VERSION.1, MINIMUM_VERSION.2), fix),
        None => Check::fail("virtualbox", format!("`{} --version` printed `{text}`, not a version", manage.program.display()), fix),
    }
}

/// Host-only networks are allowed inside 192.168.56.0/21 unless `/etc/vbox/networks.conf`
/// exists, in which case only the ranges it lists (`* 10.0.0.0/8 192.168.0.0/16`) are.
pub fn check_host_only_range(networks_conf: &Path) -> Check {
    let Ok(text) = std::fs::read_to_string(networks_conf) else {
        return Check::ok("host-only", format!("host-only networks in {HOST_ONLY_RANGE} (VirtualBox's default range; mlab picks lab networks inside it)"));
    };
    let allowed = allowed_ranges(&text);
    let range = host_only_range();
    if allowed.iter().any(|a| a.contains(&range)) {
        Check::ok("host-only", format!("{} allows {HOST_ONLY_RANGE}", networks_conf.display()))
    } else {
        Check::fail(
            "host-only",
            format!(
                "{} allows only {}, so VirtualBox refuses mlab's host-only networks in {HOST_ONLY_RANGE}",
                networks_conf.display(),
                if allowed.is_empty() { "nothing".to_string() } else { allowed.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" ") }
            ),
            format!("add the line `* {HOST_ONLY_RANGE}` to {}", networks_conf.display()),
        )
    }
}

/// The IPv4 ranges of `networks.conf`'s `*` lines.
pub fn allowed_ranges(text: &str) -> Vec<Ipv4Net> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('*'))
        .flat_map(|rest| rest.split_whitespace().filter_map(|t| t.parse::<Ipv4Net>().ok()).collect::<Vec<_>>())
        .collect()
}

/// Boxes are qcow2; VirtualBox needs them as VDI, converted once with qemu-img.
pub fn check_qemu_img() -> Check {
    match program_version("qemu-img") {
        Ok(version) => Check::ok("qemu-img", format!("{version} (converts boxes to VDI once)")),
        Err(why) => Check::fail("qemu-img", format!("qemu-img: {why}"), "install qemu-utils (it converts boxes to VDI for VirtualBox)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;

    #[test]
    fn networks_conf_decides_the_range() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("networks.conf");
        assert_eq!(check_host_only_range(&conf).status, Status::Ok, "no file: the default range");
        std::fs::write(&conf, "* 10.0.0.0/8 192.168.0.0/16\n* 2001::/64\n").expect("write");
        assert_eq!(check_host_only_range(&conf).status, Status::Ok);
        std::fs::write(&conf, "* 10.0.0.0/8\n").expect("write");
        let refused = check_host_only_range(&conf);
        assert_eq!(refused.status, Status::Fail);
        assert!(refused.fix.as_deref().is_some_and(|f| f.contains("* 192.168.56.0/21")), "{refused:?}");
    }
}
