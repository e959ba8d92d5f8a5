//! Box building with mlab's own code: the test box (Debian 12 from Debian packages, with
//! ZooKeeper baked in) that the VM tests boot, and a failed build that leaves nothing behind.
//!
//! Slow and needs root, debootstrap, libvirt and qemu, so it is `#[ignore]`d and run with
//! `--ignored` by scripts/test-all. The box is cached in `$MLAB_TEST_CACHE/boxes` (default
//! `/var/cache/mlab-test`) and reused by later runs.

use crate::vm_support;

use mlab::boxes::{BoxStore, BuildOptions, DIRECT_BOOT_CMDLINE, Progress};
use vm_support::{TEST_BOX_PACKAGES, test_box};

#[test]
#[ignore = "builds a real box with debootstrap (root, Debian mirror); scripts/test-all runs it"]
fn test_box_is_built_from_debian_packages() {
    let image = test_box();
    assert_eq!(image.meta.cmdline.as_deref(), Some(DIRECT_BOOT_CMDLINE));
    assert!(image.kernel.is_some() && image.initrd.is_some(), "built boxes boot their own kernel");
    for package in TEST_BOX_PACKAGES {
        assert!(image.meta.packages.iter().any(|p| p == package), "{package} not baked in: {:?}", image.meta.packages);
    }
    let on_disk = mlab::boxes::sha256_file(&image.disk).expect("read disk");
    assert_eq!(on_disk, image.meta.sha256, "box.json checksum matches the disk");
}

#[test]
#[ignore = "runs debootstrap (root, Debian mirror); scripts/test-all runs it"]
fn failed_build_leaves_nothing_behind() {
    let store_dir = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(store_dir.path());
    let options = BuildOptions { packages: vec!["mlab-no-such-package".to_string()], ..BuildOptions::default() };
    let error = store.build("broken", &options, Progress::Hide).expect_err("debootstrap cannot find the package");
    assert!(error.to_string().contains("debootstrap"), "{error}");
    let left: Vec<_> = std::fs::read_dir(store.dir()).expect("store dir").flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let mounts = std::fs::read_to_string("/proc/self/mounts").expect("mounts");
    assert!(!mounts.contains(&store.dir().display().to_string()), "mounts left under the store");
}
