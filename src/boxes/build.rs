//! `mlab box build NAME`: a Debian box made from Debian packages alone (debootstrap), booted
//! with direct kernel boot. No cloud image download, no network needed in the guest later:
//! extra packages (e.g. `zookeeperd`) are baked in at build time.

use std::path::{Path, PathBuf};
use std::process::Command;

use tracing::{debug, info};

use super::digest::sha256_file;
use super::error::{BoxError, Result};
use super::progress::Progress;
use super::store::{BoxStore, now_rfc3339, validate_name, write_meta};
use super::tools::{require, run};
use super::{BoxImage, BoxMeta};

/// Packages every built box gets: boot (systemd, kernel, initramfs), networking by ifupdown
/// (what cloud-init renders to on Debian), SSH, sudo and cloud-init. cloud-init's dependencies
/// do not configure without `python3-cffi-backend` in a minbase system. Without `dbus`,
/// systemd-logind does not run and the guest ignores ACPI shutdown (`mlab halt` would have to
/// force it off).
pub const BASE_PACKAGES: &[&str] = &[
    "systemd-sysv",
    "dbus",
    "udev",
    "kmod",
    "openssh-server",
    "iproute2",
    "ifupdown",
    "isc-dhcp-client",
    "sudo",
    "linux-image-cloud-amd64",
    "cloud-init",
    "python3-cffi-backend",
];

/// The Debian mirror this host's apt uses for `suite` (from `/etc/apt/sources.list.d/*.sources`
/// or `/etc/apt/sources.list`): boxes and build roots come from where apt already goes.
pub fn apt_mirror(suite: &str) -> Option<String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "sources" || x == "list")).collect())
        .unwrap_or_default();
    files.sort();
    files.insert(0, "/etc/apt/sources.list".into());
    files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).find_map(|text| mirror_in(&text, suite))
}

/// The first mirror serving `suite` in one apt sources file (one-line or deb822 format).
fn mirror_in(text: &str, suite: &str) -> Option<String> {
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"deb") {
            // `deb [options] URI SUITE COMPONENTS...`
            let rest: Vec<&str> = words[1..].iter().copied().skip_while(|w| w.starts_with('[')).collect();
            let rest: Vec<&str> = if words[1].starts_with('[') && !words[1].ends_with(']') {
                words[1..].iter().copied().skip_while(|w| !w.ends_with(']')).skip(1).collect()
            } else {
                rest
            };
            if rest.len() >= 2 && rest[1] == suite {
                return Some(rest[0].to_string());
            }
        }
    }
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':')).map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>()))
        };
        let types = field("Types").unwrap_or_default();
        if types.iter().any(|t| t == "deb") && field("Suites").unwrap_or_default().iter().any(|s| s == suite) {
            if let Some(uri) = field("URIs").and_then(|u| u.into_iter().next()) {
                return Some(uri);
            }
        }
    }
    None
}
/// What the built-in labs run that Debian ships, baked into boxes (guests reach no mirror):
/// ZooKeeper, Docker, nginx for the admin router, the runtime libraries mlab's Mesos package
/// depends on, Java for Kafka, Spark, Marathon and Chronos, marathon-lb's haproxy and Python
/// libraries, and the tools the readiness checks and students use
/// (curl, dig, kcat).
pub const LAB_PACKAGES: &[&str] = &[
    "zookeeperd",
    "docker.io",
    "nginx",
    // marathon-lb: haproxy, and the Python libraries marathon_lb.py imports
    "haproxy",
    "python3-requests",
    "python3-dateutil",
    "python3-pycurl",
    "python3-jwt",
    "python3-cryptography",
    "python3-six",
    "libsvn1",
    "libapr1",
    "libcurl4",
    "libsasl2-2",
    "libarchive13",
    "openjdk-17-jre-headless",
    "curl",
    "bind9-dnsutils",
    "kcat",
];

/// Units the lab packages enable at install that a node runs only when its roles need them:
/// each role's provisioning step enables and starts its own. Left enabled, every node would
/// start ZooKeeper, Docker, nginx and haproxy at boot, a minute of CPU under emulation for nothing.
const OFF_AT_BOOT: &[&str] = &["zookeeper.service", "docker.service", "docker.socket", "containerd.service", "nginx.service", "haproxy.service"];

/// cloud-init's stages after `init`, which mlab's seeds do not use (users, keys, host name,
/// network, disk growth and `bootcmd` all run in the init stages, before sshd starts). Under
/// emulation they take a minute of Python after SSH answers; masked, a node is ready for
/// provisioning when it answers SSH.
/// Also `e2scrub_reap` (stale ext4 scrub snapshots of LVM volumes, which a box has none of:
/// seconds of every boot under emulation).
const MASKED: &[&str] = &["cloud-config.service", "cloud-final.service", "e2scrub_reap.service"];

/// Runlevels whose `S` links start a SysV init script at boot (systemd's sysv-generator reads
/// them for scripts without a native unit, as Debian's ZooKeeper is).
const SYSV_BOOT_RUNLEVELS: &[&str] = &["rc2.d", "rc3.d", "rc4.d", "rc5.d"];

/// What `configure_guest` makes of a box, recorded as `BoxMeta::guest_setup`: 2 masks cloud-init's
/// later stages and starts no lab service at boot; 3 also keeps SysV-only services (ZooKeeper)
/// off at boot and masks `e2scrub_reap`. Older boxes still work (provisioning then waits for
/// cloud-init to finish).
pub const GUEST_SETUP: u32 = 3;

pub const DEFAULT_SUITE: &str = "bookworm";
pub const DEFAULT_SIZE: u64 = 3 << 30;

/// Kernel command line for the built boxes: the disk is an unpartitioned ext4 on the first
/// virtio disk; the console goes to the serial port (libvirt logs it); `net.ifnames=0` keeps
/// the NIC named `eth0` whatever the PCI slot.
pub const DIRECT_BOOT_CMDLINE: &str = "root=/dev/vda rw console=ttyS0 net.ifnames=0";

/// cloud-init settings every built box carries.
const CLOUD_INIT_SETTINGS: &str = "\
# Written by mlab box build.
# Only the cidata seed disk, else nothing: never the network metadata services, which time
# out slowly on an isolated network.
datasource_list: [ NoCloud, None ]
# Keep the node's own name resolvable (sudo looks it up) without owning the rest of
# /etc/hosts, which lab provisioning may fill with the other nodes.
manage_etc_hosts: localhost
";

#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// Debian mirror debootstrap downloads from.
    pub mirror: String,
    /// Extra Debian packages baked into the box, beyond [`BASE_PACKAGES`].
    pub packages: Vec<String>,
    pub suite: String,
    /// Size of the root file system in bytes (cloud-init grows it to the node's disk at boot).
    pub size: u64,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions { mirror: apt_mirror(DEFAULT_SUITE).unwrap_or_default(), packages: Vec::new(), suite: DEFAULT_SUITE.to_string(), size: DEFAULT_SIZE }
    }
}

impl BuildOptions {
    /// What `mlab box build` makes: `packages` baked in (none given: [`LAB_PACKAGES`], what the
    /// built-in labs run), from `mirror` (none given: the host's apt mirror).
    pub fn for_labs(packages: Vec<String>, mirror: Option<String>) -> BuildOptions {
        let packages = if packages.is_empty() { LAB_PACKAGES.iter().map(|p| p.to_string()).collect() } else { packages };
        let defaults = BuildOptions::default();
        BuildOptions { packages, mirror: mirror.unwrap_or(defaults.mirror), ..defaults }
    }
}

impl BoxStore {
    /// Build the box `name` with debootstrap. Needs root. Works in a hidden directory inside
    /// the store and moves the finished box into place; on failure nothing is left behind.
    /// debootstrap runs in the host's network namespace, where the Debian mirror is reachable.
    pub fn build(&self, name: &str, options: &BuildOptions, progress: Progress) -> Result<BoxImage> {
        crate::netns::from_host(|| self.build_here(name, options, progress)).map_err(BoxError::HostNetwork)?
    }

    fn build_here(&self, name: &str, options: &BuildOptions, progress: Progress) -> Result<BoxImage> {
        validate_name(name)?;
        if self.contains(name) {
            return Err(BoxError::AlreadyExists(name.to_string()));
        }
        if !running_as_root() {
            return Err(BoxError::NotRoot(name.to_string()));
        }
        for package in &options.packages {
            validate_package_name(package)?;
        }
        if options.mirror.is_empty() {
            return Err(BoxError::NoMirror(options.suite.clone()));
        }
        let debootstrap = require("debootstrap", "debootstrap")?;
        let mkfs = require("mkfs.ext4", "e2fsprogs")?;
        require("qemu-img", "qemu-utils")?;

        let work = WorkDir { dir: self.work_dir(name, "build")? };
        let root = work.dir.path().join("root");
        let assembled = work.dir.path().join("box");
        std::fs::create_dir(&assembled).map_err(BoxError::io("cannot create", &assembled))?;

        let spinner = progress.spinner(format!("{name}: debootstrap {} (takes a few minutes)", options.suite));
        let mut include: Vec<&str> = BASE_PACKAGES.to_vec();
        include.extend(options.packages.iter().map(String::as_str));
        let mut command = Command::new(debootstrap);
        command.arg("--variant=minbase").arg(format!("--include={}", include.join(","))).arg(&options.suite).arg(&root).arg(&options.mirror);
        run(command)?;

        spinner.set_message(format!("{name}: configuring the guest"));
        configure_guest(&root)?;
        let (kernel, initrd) = find_kernel(&root)?;
        copy_readable(&kernel, &assembled.join("vmlinuz"))?;
        copy_readable(&initrd, &assembled.join("initrd.img"))?;

        spinner.set_message(format!("{name}: making the ext4 file system"));
        let raw = work.dir.path().join("root.img");
        let file = std::fs::File::create(&raw).map_err(BoxError::io("cannot create", &raw))?;
        file.set_len(options.size).map_err(BoxError::io("cannot size", &raw))?;
        drop(file);
        let mut command = Command::new(mkfs);
        command.args(["-q", "-F", "-L", "rootfs", "-d"]).arg(&root).arg(&raw);
        run(command)?;
        // The tree is no longer needed; free the space before the qcow2 copy.
        work.remove_root(&root)?;

        spinner.set_message(format!("{name}: converting to qcow2"));
        let disk = assembled.join("disk.qcow2");
        super::tools::convert_to_qcow2(&raw, "raw", &disk)?;
        std::fs::remove_file(&raw).map_err(BoxError::io("cannot remove", &raw))?;

        spinner.set_message(format!("{name}: checksumming"));
        let meta = BoxMeta {
            name: name.to_string(),
            source: format!("debootstrap:{}", options.suite),
            sha256: sha256_file(&disk).map_err(BoxError::io("cannot read", &disk))?,
            cmdline: Some(DIRECT_BOOT_CMDLINE.to_string()),
            packages: options.packages.clone(),
            guest_setup: GUEST_SETUP,
            created: now_rfc3339(),
        };
        // Hashed just now: stamped, so the first `up` need not hash it again.
        super::stamp_verified(&disk);
        write_meta(&assembled, &meta)?;
        let image = self.install(name, &assembled)?;
        spinner.finish_and_clear();
        info!(name, suite = %options.suite, "box built");
        Ok(image)
    }
}

/// Make the debootstrapped tree a clean template: every clone must get its own identity
/// (machine-id, SSH host keys, hostname) from its first boot and its cloud-init seed.
fn configure_guest(root: &Path) -> Result<()> {
    write(root, "etc/fstab", "/dev/vda / ext4 defaults 0 1\n")?;
    // An empty machine-id makes systemd generate a fresh one at first boot.
    write(root, "etc/machine-id", "")?;
    remove_if_file(&root.join("var/lib/dbus/machine-id"))?;
    // debootstrap copies these from the build host; the guest must not inherit them.
    write(root, "etc/hostname", "localhost\n")?;
    write(root, "etc/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")?;
    remove_if_file(&root.join("etc/resolv.conf"))?;
    let ssh_dir = root.join("etc/ssh");
    for entry in std::fs::read_dir(&ssh_dir).map_err(BoxError::io("cannot read", &ssh_dir))?.flatten() {
        if entry.file_name().to_string_lossy().starts_with("ssh_host_") {
            remove_if_file(&entry.path())?;
        }
    }
    write(root, "etc/cloud/cloud.cfg.d/90_mlab_datasources.cfg", CLOUD_INIT_SETTINGS)?;
    // cloud-init's `ssh_pwauth` belongs to a masked stage: sshd itself refuses passwords.
    write(root, "etc/ssh/sshd_config.d/50-mlab.conf", "# Written by mlab box build: keys only.\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n")?;
    let units = root.join("etc/systemd/system");
    for entry in std::fs::read_dir(&units).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().ends_with(".wants") {
            for unit in OFF_AT_BOOT {
                let link = entry.path().join(unit);
                if link.is_symlink() {
                    std::fs::remove_file(&link).map_err(BoxError::io("cannot remove", &link))?;
                }
            }
        }
    }
    // A SysV script's `S` link becomes `K`, as `update-rc.d NAME disable` leaves it, so that
    // the role's `systemctl enable` turns it back on.
    for runlevel in SYSV_BOOT_RUNLEVELS {
        let dir = root.join("etc").join(runlevel);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let script = name.strip_prefix('S').map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()));
            if let Some(script) = script.filter(|s| OFF_AT_BOOT.contains(&format!("{s}.service").as_str())) {
                let disabled = dir.join(format!("K01{script}"));
                std::fs::rename(entry.path(), &disabled).map_err(BoxError::io("cannot disable", &entry.path()))?;
            }
        }
    }
    for unit in MASKED {
        let link = units.join(unit);
        if link.is_symlink() || link.exists() {
            std::fs::remove_file(&link).map_err(BoxError::io("cannot remove", &link))?;
        }
        std::os::unix::fs::symlink("/dev/null", &link).map_err(BoxError::io("cannot mask", &link))?;
    }
    // Downloaded .deb files are not needed in every clone.
    let archives = root.join("var/cache/apt/archives");
    if let Ok(entries) = std::fs::read_dir(&archives) {
        for entry in entries.flatten().filter(|e| e.path().extension().is_some_and(|ext| ext == "deb")) {
            remove_if_file(&entry.path())?;
        }
    }
    Ok(())
}

/// The newest kernel and its initrd under `ROOT/boot`.
fn find_kernel(root: &Path) -> Result<(PathBuf, PathBuf)> {
    let boot = root.join("boot");
    let mut versions: Vec<String> = std::fs::read_dir(&boot)
        .map_err(BoxError::io("cannot read", &boot))?
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().strip_prefix("vmlinuz-").map(str::to_string))
        .collect();
    versions.sort();
    let missing = |what: &str| BoxError::Io {
        action: "no kernel found (is linux-image-cloud-amd64 installed?):",
        path: boot.join(what),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    };
    let version = versions.pop().ok_or_else(|| missing("vmlinuz-*"))?;
    let kernel = boot.join(format!("vmlinuz-{version}"));
    let initrd = boot.join(format!("initrd.img-{version}"));
    if !initrd.is_file() {
        return Err(missing(&format!("initrd.img-{version}")));
    }
    debug!(%version, "kernel found");
    Ok((kernel, initrd))
}

/// Copy a file and make it world-readable: Debian installs kernels 0600, but qemu may run as
/// an unprivileged user that must read them for direct kernel boot.
fn copy_readable(from: &Path, to: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).map_err(BoxError::io("cannot copy", from))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o644)).map_err(BoxError::io("cannot chmod", to))
}

fn write(root: &Path, relative: &str, contents: &str) -> Result<()> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(BoxError::io("cannot create", parent))?;
    }
    // Replace rather than write through: the path may be a symlink pointing out of the tree.
    remove_if_file(&path)?;
    std::fs::write(&path, contents).map_err(BoxError::io("cannot write", &path))
}

fn remove_if_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BoxError::io("cannot remove", path)(e)),
        _ => Ok(()),
    }
}

/// Package names go on debootstrap's command line: allow only what Debian allows.
fn validate_package_name(package: &str) -> Result<()> {
    let ok = package.len() >= 2
        && package.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && package.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '+' | '-'));
    if ok {
        Ok(())
    } else {
        Err(BoxError::Command { command: "mlab box build".into(), status: "refused".into(), output: format!("'{package}' is not a Debian package name") })
    }
}

/// Effective uid 0, read from /proc (no libc binding needed for one number).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find_map(|line| line.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0")))
        .unwrap_or(false)
}

/// The build's working directory. debootstrap mounts /proc and /sys inside the tree and may
/// leave them mounted when it fails; unmount them before deleting anything, so a failed build
/// never recurses into the host's /proc or /sys.
struct WorkDir {
    dir: tempfile::TempDir,
}

impl WorkDir {
    fn remove_root(&self, root: &Path) -> Result<()> {
        unmount_below(root);
        std::fs::remove_dir_all(root).map_err(BoxError::io("cannot remove", root))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        unmount_below(self.dir.path());
    }
}

fn unmount_below(dir: &Path) {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") else {
        return;
    };
    let mut below: Vec<&str> =
        mounts.lines().filter_map(|line| line.split_whitespace().nth(1)).filter(|mount_point| Path::new(mount_point).starts_with(dir)).collect();
    // Deepest first.
    below.sort_by_key(|mount_point| std::cmp::Reverse(mount_point.len()));
    for mount_point in below {
        debug!(mount_point, "unmounting leftover mount");
        let _ = Command::new("umount").arg("-l").arg(mount_point).status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mirror_comes_from_the_apt_sources() {
        let one_line =
            "# comment\ndeb [signed-by=/k.gpg] http://mirror.example/debian bookworm main\ndeb http://mirror.example/debian-security bookworm-security main\n";
        assert_eq!(mirror_in(one_line, "bookworm").as_deref(), Some("http://mirror.example/debian"));
        let deb822 = "Types: deb\nURIs: http://m.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://m.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n";
        assert_eq!(mirror_in(deb822, "bookworm").as_deref(), Some("http://m.example/debian"));
        assert_eq!(mirror_in(deb822, "trixie"), None);
    }

    #[test]
    fn package_names() {
        assert!(validate_package_name("zookeeperd").is_ok());
        assert!(validate_package_name("libstdc++6").is_ok());
        assert!(validate_package_name("--foo").is_err());
        assert!(validate_package_name("a b").is_err());
        assert!(validate_package_name("Foo").is_err());
    }

    #[test]
    fn configure_guest_scrubs_identity() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path();
        std::fs::create_dir_all(root.join("etc/ssh")).expect("mkdir");
        std::fs::write(root.join("etc/ssh/ssh_host_ed25519_key"), "secret").expect("write");
        std::fs::write(root.join("etc/ssh/sshd_config"), "x").expect("write");
        std::fs::write(root.join("etc/machine-id"), "0123").expect("write");
        std::fs::write(root.join("etc/hostname"), "buildhost").expect("write");
        let wants = root.join("etc/systemd/system/multi-user.target.wants");
        std::fs::create_dir_all(&wants).expect("mkdir");
        for unit in ["docker.service", "ssh.service"] {
            std::os::unix::fs::symlink(format!("/lib/systemd/system/{unit}"), wants.join(unit)).expect("link");
        }
        for runlevel in SYSV_BOOT_RUNLEVELS {
            std::fs::create_dir_all(root.join("etc").join(runlevel)).expect("mkdir");
            std::os::unix::fs::symlink("../init.d/zookeeper", root.join("etc").join(runlevel).join("S01zookeeper")).expect("link");
            std::os::unix::fs::symlink("../init.d/ssh", root.join("etc").join(runlevel).join("S01ssh")).expect("link");
        }
        configure_guest(root).expect("configure");
        for runlevel in SYSV_BOOT_RUNLEVELS {
            let dir = root.join("etc").join(runlevel);
            assert!(!dir.join("S01zookeeper").is_symlink() && dir.join("K01zookeeper").is_symlink(), "ZooKeeper's SysV script is off at boot in {runlevel}");
            assert!(dir.join("S01ssh").is_symlink(), "a script not listed stays as it is");
        }
        assert!(!root.join("etc/ssh/ssh_host_ed25519_key").exists());
        assert!(root.join("etc/ssh/sshd_config").exists());
        assert_eq!(std::fs::read_to_string(root.join("etc/machine-id")).expect("read"), "");
        assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("read"), "localhost\n");
        let cloud = std::fs::read_to_string(root.join("etc/cloud/cloud.cfg.d/90_mlab_datasources.cfg")).expect("read");
        assert!(cloud.contains("datasource_list: [ NoCloud, None ]"));
        assert!(cloud.contains("manage_etc_hosts: localhost"));
        assert!(std::fs::read_to_string(root.join("etc/fstab")).expect("read").contains("/dev/vda / ext4"));
        for unit in MASKED {
            assert_eq!(std::fs::read_link(root.join("etc/systemd/system").join(unit)).expect("masked"), Path::new("/dev/null"));
        }
        assert!(!root.join("etc/systemd/system/multi-user.target.wants/docker.service").exists(), "lab services stay off at boot");
        assert!(root.join("etc/systemd/system/multi-user.target.wants/ssh.service").is_symlink(), "sshd still starts");
        assert!(std::fs::read_to_string(root.join("etc/ssh/sshd_config.d/50-mlab.conf")).expect("read").contains("PasswordAuthentication no"));
    }

    #[test]
    fn kernel_and_initrd_found() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let boot = tmp.path().join("boot");
        std::fs::create_dir_all(&boot).expect("mkdir");
        assert!(find_kernel(tmp.path()).is_err());
        std::fs::write(boot.join("vmlinuz-6.1.0-9-cloud-amd64"), "k").expect("write");
        assert!(find_kernel(tmp.path()).is_err(), "kernel without initrd must be refused");
        std::fs::write(boot.join("initrd.img-6.1.0-9-cloud-amd64"), "i").expect("write");
        let (kernel, initrd) = find_kernel(tmp.path()).expect("found");
        assert!(kernel.ends_with("vmlinuz-6.1.0-9-cloud-amd64"));
        assert!(initrd.ends_with("initrd.img-6.1.0-9-cloud-amd64"));
    }
}
