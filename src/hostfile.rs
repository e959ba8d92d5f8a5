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

/// Replace (or with `None` remove) the lab's block in `path`, in place: the file may be a bind
/// mount or have other links, so it is rewritten rather than renamed over.
pub fn update(path: &Path, lab: &str, block: Option<&str>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let updated = with_block(&text, lab, block);
    if updated != text {
        std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
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
