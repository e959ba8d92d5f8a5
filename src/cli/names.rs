//! The one place that decides whether a name given on the command line (or in MLAB_LAB) can be
//! one: clap runs these parsers before any command does, so an invalid name is a usage error
//! (exit 2) in every command alike, said before anything is read or changed. The rules are the
//! lab model's own.

use mlab::lab::fields;
use mlab::lab::validate::is_dns_label;

const LAB_RULE: &str = "use lowercase letters, digits and `-`, starting with a letter, at most 40 characters";

/// A lab (instance) name: it becomes a directory under the labs directory.
pub fn lab(value: &str) -> Result<String, String> {
    if is_dns_label(value) { Ok(value.to_string()) } else { Err(format!("`{}` cannot name a lab: {LAB_RULE}", value.escape_debug())) }
}

/// A node name: a host name in the lab.
pub fn node(value: &str) -> Result<String, String> {
    if is_dns_label(value) {
        Ok(value.to_string())
    } else {
        Err(format!("`{}` cannot name a node: use lowercase letters, digits and `-`, starting with a letter", value.escape_debug()))
    }
}

/// A box or artifact name: it becomes a directory or file name.
pub fn plain(value: &str) -> Result<String, String> {
    if fields::is_artifact_name(value) {
        Ok(value.to_string())
    } else {
        Err(format!("`{}` cannot be a name here: {}", value.escape_debug(), fields::NAME_RULE))
    }
}

/// A snapshot name.
pub fn snapshot(value: &str) -> Result<String, String> {
    if fields::is_snapshot_name(value) {
        Ok(value.to_string())
    } else {
        Err(format!(
            "`{}` cannot name a snapshot: use letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters",
            value.escape_debug()
        ))
    }
}
