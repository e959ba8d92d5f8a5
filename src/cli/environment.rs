//! The environment variables mlab reads, each checked once, before any command runs, with an
//! error that names the variable and says what it must be (exit 2, as any bad input). A value
//! that passes can be written into the configurations other programs read (an ssh_config, a
//! URI) without changing what they mean.

use std::path::Path;

/// Directories mlab keeps its state in or reads from.
const DIRECTORIES: &[&str] = &["MLAB_HOME", "MLAB_LABS_DIR", "MLAB_ARTIFACTS", "MLAB_PROVISIONERS", "MLAB_TEST_CACHE"];

/// Every problem with the variables that are set, one line each.
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    for name in DIRECTORIES {
        if let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) {
            if let Err(why) = directory(&value.to_string_lossy()) {
                out.push(format!("{name}=`{}` {why}", value.to_string_lossy().escape_debug()));
            }
        }
    }
    for name in ["MLAB_VBOXMANAGE"] {
        if let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) {
            let text = value.to_string_lossy();
            if text.chars().any(char::is_control) {
                out.push(format!("{name}=`{}` holds a control character; give the path of a program", text.escape_debug()));
            }
        }
    }
    if let Some(uri) = std::env::var_os("MLAB_LIBVIRT_URI").filter(|v| !v.is_empty()) {
        let text = uri.to_string_lossy();
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) || !text.contains(':') {
            out.push(format!("MLAB_LIBVIRT_URI=`{}` is not a libvirt URI; write one such as `qemu:///system`", text.escape_debug()));
        }
    }
    if let Some(ns) = std::env::var_os("MLAB_NETNS").filter(|v| !v.is_empty()) {
        let text = ns.to_string_lossy();
        if !mlab::lab::fields::is_snapshot_name(&text) {
            out.push(format!("MLAB_NETNS=`{}` is not a namespace name (letters, digits, `.`, `_` and `-`)", text.escape_debug()));
        }
    }
    out
}

/// Why `value` cannot be one of mlab's directories, if it cannot.
fn directory(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err("holds a control character (a newline?); give a plain directory path".into());
    }
    let path = Path::new(value);
    if !path.is_absolute() {
        return Err("is a relative path, which would mean another place in every directory; give an absolute one".into());
    }
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => Err("is not a directory; give a directory (mlab creates it when it is missing)".into()),
        _ => Ok(()),
    }
}
