//! End-to-end box test: build the default Debian box from Debian packages with mlab's own
//! code, then boot it once under libvirt inside the `mlab` network namespace and wait for SSH
//! (`tests/vm/box-smoke.sh` run through `scripts/mlab-netns`).
//!
//! Slow and needs root, debootstrap, libvirt and qemu, so it runs only with
//! `MLAB_VM_TESTS=1`. The box is cached in `$MLAB_TEST_CACHE/boxes` (default
//! `/var/cache/mlab-test`) and reused by later runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use mlab::boxes::{BoxStore, BuildOptions, DEFAULT_BOX, DIRECT_BOOT_CMDLINE, Progress};

fn vm_tests_enabled() -> bool {
    std::env::var("MLAB_VM_TESTS").is_ok_and(|v| v == "1")
}

fn test_cache() -> PathBuf {
    std::env::var_os("MLAB_TEST_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/mlab-test"))
}

#[test]
fn built_box_boots_and_answers_ssh() {
    if !vm_tests_enabled() {
        eprintln!("skipped: set MLAB_VM_TESTS=1 to build and boot a real box");
        return;
    }
    let store = BoxStore::new(test_cache().join("boxes"));
    let image = match store.get(DEFAULT_BOX) {
        Ok(image) => {
            eprintln!("reusing cached box {}", image.dir.display());
            image
        }
        Err(_) => {
            let started = Instant::now();
            let image = store
                .build(DEFAULT_BOX, &BuildOptions::default(), Progress::Show)
                .unwrap_or_else(|e| panic!("box build failed: {e}"));
            eprintln!("TIMING box build: {} s", started.elapsed().as_secs());
            image
        }
    };
    assert_eq!(image.meta.cmdline.as_deref(), Some(DIRECT_BOOT_CMDLINE));
    assert!(
        image.kernel.is_some() && image.initrd.is_some(),
        "built boxes boot their own kernel"
    );
    let on_disk = mlab::boxes::sha256_file(&image.disk).expect("read disk");
    assert_eq!(
        on_disk, image.meta.sha256,
        "box.json checksum matches the disk"
    );

    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let status = Command::new("bash")
        .arg(repo.join("scripts/mlab-netns"))
        .arg("--")
        .arg("bash")
        .arg(repo.join("tests/vm/box-smoke.sh"))
        .arg(&image.dir)
        .status()
        .expect("run scripts/mlab-netns");
    eprintln!(
        "TIMING smoke (boot + ssh + cleanup): {} s",
        started.elapsed().as_secs()
    );
    assert!(status.success(), "box smoke test failed: {status}");
}

#[test]
fn failed_build_leaves_nothing_behind() {
    if !vm_tests_enabled() {
        eprintln!("skipped: set MLAB_VM_TESTS=1 to run debootstrap");
        return;
    }
    let store_dir = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(store_dir.path());
    let options = BuildOptions {
        packages: vec!["mlab-no-such-package".to_string()],
        ..BuildOptions::default()
    };
    let error = store
        .build("broken", &options, Progress::Hide)
        .expect_err("debootstrap cannot find the package");
    assert!(error.to_string().contains("debootstrap"), "{error}");
    let left: Vec<_> = std::fs::read_dir(store.dir())
        .expect("store dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let mounts = std::fs::read_to_string("/proc/self/mounts").expect("mounts");
    assert!(
        !mounts.contains(&store.dir().display().to_string()),
        "mounts left under the store"
    );
}
