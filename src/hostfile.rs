//! The host's own `/etc/hosts` (`mlab up --host-entries`): the lab's managed block, replaced
//! as a whole, nothing outside it touched.

use std::path::Path;

use crate::render::hosts_markers;

/// `text` with the block of `lab` replaced by `block` (appended when absent; removed when
/// `block` is `None`). Lines outside the markers are kept byte for byte.
pub fn with_block(text: &str, lab: &str, block: Option<&str>) -> String {
    let (begin, end) = hosts_markers(lab);
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut placed = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == begin {
            inside = true;
            if let Some(b) = block {
                out.push_str(b);
                placed = true;
            }
            continue;
        }
        if inside {
            if bare == end {
                inside = false;
            }
            continue;
        }
        out.push_str(line);
    }
    if let (Some(b), false) = (block, placed) {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(b);
    }
    out
}

/// Check early (before anything is created) that `path` can be rewritten, so the only step
/// that needs privileges fails at the start, not in the middle.
pub fn check_writable(path: &Path) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map(|_| ())
        .map_err(|e| format!("--host-entries must write {} ({e}); run mlab as root (sudo) for this option, or leave it off", path.display()))
}

/// Replace (or with `None` remove) the lab's block in `path`.
///
/// Two labs may update the file at once, and a crash must never leave it half written: the
/// update holds an exclusive lock on the file's directory, keeps the previous contents as
/// `FILE.mlab-backup`, writes the new contents to a temporary file beside it, syncs it and
/// renames it over the file (keeping its permissions). Where the file cannot be renamed over (a
/// bind mount, as in containers), it is rewritten in place from the synced copy instead.
pub fn update(path: &Path, lab: &str, block: Option<&str>) -> Result<(), String> {
    use std::io::Write;
    let fail = |what: &str, p: &Path, e: std::io::Error| format!("cannot {what} {}: {e}", p.display());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir_handle = std::fs::File::open(dir).map_err(|e| fail("open", dir, e))?;
    let _lock = DirLock::exclusive(&dir_handle).map_err(|e| fail("lock", dir, e))?;

    let text = std::fs::read_to_string(path).map_err(|e| fail("read", path, e))?;
    let updated = with_block(&text, lab, block);
    if updated == text {
        return Ok(());
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "hosts".into());
    let backup = dir.join(format!("{name}.mlab-backup"));
    write_synced(&backup, text.as_bytes()).map_err(|e| fail("write", &backup, e))?;

    let permissions = std::fs::metadata(path).map_err(|e| fail("read", path, e))?.permissions();
    let mut temp = tempfile::Builder::new().prefix(&format!(".{name}.mlab-")).tempfile_in(dir).map_err(|e| fail("create a file in", dir, e))?;
    temp.write_all(updated.as_bytes()).map_err(|e| fail("write", temp.path(), e))?;
    temp.as_file().sync_all().map_err(|e| fail("sync", temp.path(), e))?;
    std::fs::set_permissions(temp.path(), permissions).map_err(|e| fail("set the permissions of", temp.path(), e))?;
    match temp.persist(path) {
        Ok(_) => {
            let _ = dir_handle.sync_all();
            Ok(())
        }
        // EBUSY / EXDEV: the file is a mount point; rewrite it (the backup holds the old text).
        Err(e) if matches!(e.error.raw_os_error(), Some(libc::EBUSY) | Some(libc::EXDEV)) => {
            write_synced(path, updated.as_bytes()).map_err(|e| fail("write", path, e))
        }
        Err(e) => Err(fail("replace", path, e.error)),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// An exclusive `flock` on a directory, released when dropped.
struct DirLock<'a>(&'a std::fs::File);

impl<'a> DirLock<'a> {
    fn exclusive(dir: &'a std::fs::File) -> std::io::Result<DirLock<'a>> {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a file descriptor this function borrows for the lock's lifetime.
        if unsafe { libc::flock(dir.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(DirLock(dir))
    }
}

impl Drop for DirLock<'_> {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: unlocking the descriptor locked in `exclusive`, still open (borrowed).
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "# BEGIN mlab demo\n10.0.0.11\tmaster1.demo.test\tmaster1\n# END mlab demo\n";

    #[test]
    fn replaces_only_the_labs_block() {
        let original = "127.0.0.1 localhost\n# BEGIN mlab other\n10.9.9.9 x\n# END mlab other\n";
        let added = with_block(original, "demo", Some(BLOCK));
        assert_eq!(added, format!("{original}{BLOCK}"));
        let newer = BLOCK.replace("10.0.0.11", "10.0.0.12");
        let replaced = with_block(&added, "demo", Some(&newer));
        assert_eq!(replaced, format!("{original}{newer}"));
        assert_eq!(with_block(&replaced, "demo", None), original);
    }

    #[test]
    fn keeps_a_file_without_trailing_newline_intact() {
        let out = with_block("127.0.0.1 localhost", "demo", Some(BLOCK));
        assert_eq!(out, format!("127.0.0.1 localhost\n{BLOCK}"));
    }

    #[test]
    fn concurrent_updates_keep_every_labs_block_and_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts");
        std::fs::write(&path, "127.0.0.1 localhost\n").unwrap();
        let threads: Vec<_> = ["a", "b", "c", "d"]
            .into_iter()
            .map(|lab| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for round in 0..25 {
                        let block = format!("# BEGIN mlab {lab}\n10.0.0.{round}\tnode.{lab}.test\n# END mlab {lab}\n");
                        update(&path, lab, Some(&block)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("127.0.0.1 localhost\n"), "{text}");
        for lab in ["a", "b", "c", "d"] {
            assert!(text.contains(&format!("10.0.0.24\tnode.{lab}.test")), "no update of lab {lab} was lost:\n{text}");
        }
        assert!(dir.path().join("hosts.mlab-backup").is_file(), "the previous contents are kept");
        let leftovers: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with('.')).collect();
        assert!(leftovers.is_empty(), "no temporary file is left: {leftovers:?}");
    }

    #[test]
    fn updates_a_file_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts");
        std::fs::write(&path, "127.0.0.1 localhost\n").unwrap();
        check_writable(&path).unwrap();
        update(&path, "demo", Some(BLOCK)).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().ends_with(BLOCK));
        update(&path, "demo", None).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "127.0.0.1 localhost\n");
        assert!(check_writable(&dir.path().join("missing")).unwrap_err().contains("--host-entries"));
    }
}
