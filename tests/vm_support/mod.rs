//! Shared by the tests that boot real VMs (gated on `MLAB_VM_TESTS=1`; run them inside mlab's
//! network namespace: `scripts/mlab-netns -- env MLAB_VM_TESTS=1 cargo test --test NAME`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Instant;

use mlab::boxes::{BoxImage, BoxStore, BuildOptions, Progress};

/// The box the VM tests boot: Debian 12 from Debian packages with ZooKeeper and the Docker
/// engine baked in, since test guests have no route out of their namespace to install them.
pub const TEST_BOX: &str = "mlab-test";
pub const TEST_BOX_PACKAGES: &[&str] = &["zookeeperd", "docker.io"];

pub fn vm_tests_enabled() -> bool {
    std::env::var("MLAB_VM_TESTS").is_ok_and(|v| v == "1")
}

/// `$MLAB_TEST_CACHE` (default `/var/cache/mlab-test`): boxes built by tests, reused.
pub fn test_cache() -> PathBuf {
    std::env::var_os("MLAB_TEST_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/mlab-test"))
}

pub fn test_box_store() -> BoxStore {
    BoxStore::new(test_cache().join("boxes"))
}

/// The test box, built once (about two minutes) and then reused.
pub fn test_box() -> BoxImage {
    let store = test_box_store();
    if let Ok(image) = store.get(TEST_BOX) {
        if TEST_BOX_PACKAGES.iter().all(|p| image.meta.packages.iter().any(|q| q == p)) {
            return image;
        }
        // Cached from an older package list: rebuild.
        store.remove(TEST_BOX).unwrap_or_else(|e| panic!("removing the outdated test box: {e}"));
    }
    let started = Instant::now();
    let options = BuildOptions { packages: TEST_BOX_PACKAGES.iter().map(|p| p.to_string()).collect(), ..BuildOptions::default() };
    let image = store.build(TEST_BOX, &options, Progress::Hide).unwrap_or_else(|e| panic!("building the test box failed: {e}"));
    eprintln!("TIMING test box build: {} s", started.elapsed().as_secs());
    image
}

/// A fresh state directory qemu (running as libvirt's qemu user) can traverse.
pub fn vm_state_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in("/var/tmp").expect("state dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod state dir");
    }
    dir
}
