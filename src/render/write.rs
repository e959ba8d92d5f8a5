//! Writing rendered files into a directory the user names (`mlab plan --out DIR`), so that
//! nothing is written through a link planted there and nothing of the user's is lost: the
//! files go into a fresh directory of mlab's own beside DIR, which then takes DIR's place.

use std::path::{Component, Path, PathBuf};

/// Top-level system directories no plan is written into (as root it would overwrite them).
const SYSTEM_DIRS: &[&str] =
    &["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var"];

/// Write `files` (relative path, content, mode) as the whole of `out`. `out` must not exist, or
/// be empty, or (`replace`) hold an earlier plan, which is then replaced whole.
pub fn write_tree<'a>(out: &Path, files: impl IntoIterator<Item = (String, &'a str, u32)>, replace: bool) -> Result<usize, String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let real_parent = std::fs::canonicalize(&parent).map_err(|e| format!("cannot use {}: {e}; create it first", parent.display()))?;
    if std::fs::canonicalize(out).is_ok_and(|real| SYSTEM_DIRS.iter().any(|d| Path::new(d) == real)) {
        return Err(format!("{} is a system directory; write the plan into a new directory of your own (e.g. `--out plan/`)", out.display()));
    }
    let name =
        out.file_name().filter(|n| *n != ".." && *n != ".").ok_or_else(|| format!("`{}` names no directory to write into; give a new one", out.display()))?;
    let target = real_parent.join(name);
    if SYSTEM_DIRS.iter().any(|d| Path::new(d) == target) || target.parent().is_none() {
        return Err(format!("{} is a system directory; write the plan into a new directory of your own (e.g. `--out plan/`)", target.display()));
    }
    // None: no such directory yet; Some(true): a directory holding files.
    let had_files = match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
            return Err(format!("{} exists and is not a directory; name a new directory", target.display()));
        }
        Ok(_) => Some(std::fs::read_dir(&target).map_err(|e| format!("cannot read {}: {e}", target.display()))?.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot use {}: {e}", target.display())),
    };
    if had_files == Some(true) && !replace {
        return Err(format!("{} is not empty and is left as it is; name a new directory, or `--force` to replace it", target.display()));
    }
    let fresh =
        tempfile::Builder::new().prefix(".mlab-plan-").tempdir_in(&real_parent).map_err(|e| format!("cannot write in {}: {e}", real_parent.display()))?;
    let mut count = 0;
    for (relative, content, mode) in files {
        let dest = fresh.path().join(clean(&relative)?);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        write_new(&dest, content, mode).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
        count += 1;
    }
    // Into place: an empty or missing DIR is taken over; an earlier plan moves aside first and
    // goes only once the new one is in place.
    let aside = target.with_file_name(format!(".{}.old-{}", name.to_string_lossy(), std::process::id()));
    match had_files {
        Some(true) => std::fs::rename(&target, &aside).map_err(|e| format!("cannot move {} aside: {e}", target.display()))?,
        Some(false) => std::fs::remove_dir(&target).map_err(|e| format!("cannot replace the empty {}: {e}", target.display()))?,
        None => {}
    }
    let made = fresh.keep();
    std::fs::rename(&made, &target).map_err(|e| format!("cannot move the plan into {}: {e}", target.display()))?;
    if had_files == Some(true) {
        std::fs::remove_dir_all(&aside).map_err(|e| format!("the plan is in {}, but its old files stay in {}: {e}", target.display(), aside.display()))?;
    }
    Ok(count)
}

/// A relative path with plain components only.
fn clean(relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative.trim_start_matches('/'));
    if path.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(path.to_path_buf())
    } else {
        Err(format!("`{relative}` is not a plain relative path"))
    }
}

/// Create `path` (never an existing file, never through a link) with `content` and `mode`.
fn write_new(path: &Path, content: &str, mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).custom_flags(libc::O_NOFOLLOW).open(path)?;
    file.write_all(content.as_bytes())?;
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}
