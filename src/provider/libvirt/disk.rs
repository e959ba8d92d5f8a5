//! Node disks: qcow2 linked clones of the box disk, made with `qemu-img`.

use std::path::Path;

use tokio::process::Command;

use crate::provider::ProviderError;

/// Create the directory `path` goes in, if missing.
pub async fn ensure_parent(path: &Path) -> Result<(), ProviderError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(|source| ProviderError::Io { what: "could not create directory", path: dir.to_path_buf(), source })?;
    }
    Ok(())
}

/// Create `disk` as a copy-on-write clone of `base` with a virtual size of `size_gib`.
/// Instant and small: only blocks the node writes are stored in `disk`.
pub async fn create_linked_clone(base: &Path, disk: &Path, size_gib: u64) -> Result<(), ProviderError> {
    let disk_err = |reason: String| ProviderError::Disk { path: disk.to_path_buf(), reason };
    if !base.is_absolute() {
        // qemu-img records the backing path as given, relative to the clone's directory.
        return Err(disk_err(format!("the box disk path {} must be absolute", base.display())));
    }
    if !base.is_file() {
        return Err(disk_err(format!("the box disk {} does not exist; run `mlab box list` to check the box", base.display())));
    }
    ensure_parent(disk).await?;
    let output = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b"])
        .arg(base)
        .arg(disk)
        .arg(format!("{size_gib}G"))
        .output()
        .await
        .map_err(|e| disk_err(format!("could not run qemu-img ({e}); install it with `apt-get install qemu-utils`")))?;
    if !output.status.success() {
        return Err(disk_err(format!("qemu-img create failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim())));
    }
    tracing::debug!(disk = %disk.display(), base = %base.display(), size_gib, "created linked clone");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu_img_available() -> bool {
        std::process::Command::new("qemu-img").arg("--version").output().is_ok_and(|o| o.status.success())
    }

    #[tokio::test]
    async fn clone_has_backing_file_and_size() {
        if !qemu_img_available() {
            eprintln!("skipped: qemu-img not installed");
            return;
        }
        let dir = tempfile::tempdir().expect("tmp");
        let base = dir.path().join("base.qcow2");
        let status = std::process::Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&base).arg("1G").status().expect("qemu-img");
        assert!(status.success());
        let clone = dir.path().join("nodes/n1.qcow2");
        create_linked_clone(&base, &clone, 5).await.expect("clone");
        let info = std::process::Command::new("qemu-img").args(["info", "--output=json"]).arg(&clone).output().expect("info");
        let info: serde_json::Value = serde_json::from_slice(&info.stdout).expect("json");
        assert_eq!(info["virtual-size"].as_u64(), Some(5 * 1024 * 1024 * 1024));
        assert_eq!(info["backing-filename"].as_str(), base.to_str());
        assert_eq!(info["backing-filename-format"].as_str(), Some("qcow2"));
    }

    #[tokio::test]
    async fn missing_base_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = create_linked_clone(&dir.path().join("nope.qcow2"), &dir.path().join("n.qcow2"), 1).await.expect_err("missing base");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
