//! Choosing between KVM and TCG.
//!
//! libvirt advertises `<domain type='kvm'/>` whenever `/dev/kvm` exists, even on hosts where
//! nested KVM hangs (no `vmx`/`svm` flag exposed to this VM). So KVM is used only when it really
//! works: the device exists, the CPU flags are there, and creating a VM through the KVM API
//! succeeds within a short timeout.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use crate::provider::Accel;

/// The decision, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccelChoice {
    /// True for KVM (`<domain type='kvm'>`), false for TCG (`<domain type='qemu'>`).
    pub kvm: bool,
    /// One line for the CLI to print, when the choice is worth telling (TCG chosen automatically).
    pub notice: Option<String>,
}

impl AccelChoice {
    /// The libvirt domain type.
    pub fn domain_type(&self) -> &'static str {
        if self.kvm { "kvm" } else { "qemu" }
    }
}

/// Decide. `local` is false for remote URIs, where this host's /dev/kvm says nothing.
pub fn choose(requested: Accel, local: bool) -> AccelChoice {
    match requested {
        Accel::Kvm => AccelChoice { kvm: true, notice: None },
        Accel::Tcg => AccelChoice { kvm: false, notice: None },
        Accel::Auto if !local => AccelChoice {
            kvm: false,
            notice: Some("cannot probe KVM on a remote libvirt host; using TCG software emulation (pass --accel kvm if KVM works there)".to_string()),
        },
        Accel::Auto => match probe_kvm(Path::new("/dev/kvm"), Path::new("/proc/cpuinfo")) {
            Ok(()) => AccelChoice { kvm: true, notice: None },
            Err(why) => AccelChoice { kvm: false, notice: Some(format!("KVM not usable here ({why}); using TCG software emulation — expect ~30 s boots")) },
        },
    }
}

/// Why KVM is not usable, or `Ok` if it is.
pub fn probe_kvm(device: &Path, cpuinfo: &Path) -> Result<(), String> {
    if !device.exists() {
        return Err(format!("no {}", device.display()));
    }
    let flags = std::fs::read_to_string(cpuinfo).map_err(|e| format!("cannot read {}: {e}", cpuinfo.display()))?;
    if !cpu_has_virtualization(&flags) {
        return Err("no vmx/svm".to_string());
    }
    probe_kvm_api(device, Duration::from_secs(3))
}

/// True if any `flags` line of /proc/cpuinfo lists `vmx` (Intel) or `svm` (AMD).
pub fn cpu_has_virtualization(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .filter_map(|l| l.split_once(':'))
        .any(|(_, flags)| flags.split_whitespace().any(|f| f == "vmx" || f == "svm"))
}

const KVM_GET_API_VERSION: libc::c_ulong = 0xAE00;
const KVM_CREATE_VM: libc::c_ulong = 0xAE01;
const KVM_API_VERSION: libc::c_int = 12;

/// Open the device and create (then drop) a VM, on a thread we can give up on: with broken
/// nested virtualisation these ioctls can block forever.
fn probe_kvm_api(device: &Path, timeout: Duration) -> Result<(), String> {
    let device = device.to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(kvm_api_works(&device));
    });
    rx.recv_timeout(timeout).unwrap_or_else(|_| Err(format!("KVM did not answer within {} s", timeout.as_secs())))
}

fn kvm_api_works(device: &Path) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new().read(true).write(true).open(device).map_err(|e| format!("cannot open {}: {e}", device.display()))?;
    // SAFETY: plain ioctls on a file descriptor we own, with integer arguments only.
    let version = unsafe { libc::ioctl(file.as_raw_fd(), KVM_GET_API_VERSION as _, 0) };
    if version != KVM_API_VERSION {
        return Err(format!("KVM API version {version}, expected {KVM_API_VERSION}"));
    }
    // SAFETY: as above; a non-negative result is a new VM file descriptor we then close.
    let vm_fd = unsafe { libc::ioctl(file.as_raw_fd(), KVM_CREATE_VM as _, 0) };
    if vm_fd < 0 {
        return Err(format!("KVM_CREATE_VM failed: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: vm_fd was just returned to us and is closed exactly once.
    unsafe { libc::close(vm_fd) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_vmx_and_svm_only_in_flags_lines() {
        assert!(cpu_has_virtualization("processor: 0\nflags\t\t: fpu vme vmx sse\n"));
        assert!(cpu_has_virtualization("flags\t\t: fpu svm\n"));
        assert!(!cpu_has_virtualization("flags\t\t: fpu vme sse avx\n"));
        assert!(!cpu_has_virtualization("model name: vmx svm lookalike\nflags: fpu\n"));
    }

    #[test]
    fn explicit_choice_wins() {
        assert!(choose(Accel::Kvm, true).kvm);
        assert_eq!(choose(Accel::Tcg, true), AccelChoice { kvm: false, notice: None });
        assert_eq!(choose(Accel::Tcg, true).domain_type(), "qemu");
    }

    #[test]
    fn missing_device_means_tcg() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = probe_kvm(&dir.path().join("kvm"), Path::new("/proc/cpuinfo")).expect_err("no device");
        assert!(err.contains("no "), "{err}");
    }

    #[test]
    fn no_cpu_flags_means_tcg_even_with_device() {
        let dir = tempfile::tempdir().expect("tmp");
        let device = dir.path().join("kvm");
        std::fs::write(&device, b"").expect("fake device");
        let cpuinfo = dir.path().join("cpuinfo");
        std::fs::write(&cpuinfo, "flags\t: fpu sse\n").expect("cpuinfo");
        assert_eq!(probe_kvm(&device, &cpuinfo), Err("no vmx/svm".to_string()));
    }

    #[test]
    fn auto_on_remote_uses_tcg_with_notice() {
        let choice = choose(Accel::Auto, false);
        assert!(!choice.kvm);
        assert!(choice.notice.is_some());
    }

    #[test]
    fn auto_here_agrees_with_cpu_flags() {
        // On a host without vmx/svm, auto must never pick KVM.
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let choice = choose(Accel::Auto, true);
        if !cpu_has_virtualization(&cpuinfo) {
            assert!(!choice.kvm);
            let notice = choice.notice.expect("notice");
            assert!(notice.contains("TCG"), "{notice}");
        }
    }
}
