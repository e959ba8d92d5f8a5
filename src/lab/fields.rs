//! Rules for the free-form text a lab file or the artifact catalog carries (a description, a
//! Mesos cluster name, an artifact's name, file, version and source). These values end up in
//! root shell scripts, environment files, systemd units, JSON and HTML inside the guests, so
//! each gets a rule narrow enough that nothing in it can mean more than its text, checked at
//! `validate` time. The templates escape every value for its context as well (see
//! `render::filters`): the rule keeps the lab readable, the escaping keeps it safe.

use super::model::ArtifactEntry;

/// A field's value broke its rule: what is wrong, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field inside the entry (`file`, `source`...); `None` for the entry's own key.
    pub field: Option<&'static str>,
    pub message: String,
    pub help: String,
}

fn problem(field: Option<&'static str>, message: String, help: &str) -> FieldProblem {
    FieldProblem { field, message, help: help.to_string() }
}

/// Longest one-line text (description, origin, why unavailable).
pub const MAX_TEXT: usize = 300;

/// Text shown to people: one line, no control characters, at most [`MAX_TEXT`] characters.
pub fn one_line_text(value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!("contains the control character {:?}", c));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("is {} characters long, more than {MAX_TEXT}", value.chars().count()));
    }
    Ok(())
}

/// `value` is at most `max` bytes, its first character passes `first`, and every other
/// character is an ASCII letter or digit or one of `also`. Every name rule below is one of these.
fn is_plain(value: &str, max: usize, first: impl Fn(char) -> bool, lowercase_only: bool, also: &str) -> bool {
    let mut chars = value.chars();
    let letter_or_digit = |c: char| if lowercase_only { c.is_ascii_lowercase() || c.is_ascii_digit() } else { c.is_ascii_alphanumeric() };
    chars.next().is_some_and(first) && value.len() <= max && chars.all(|c| letter_or_digit(c) || also.contains(c))
}

/// A snapshot's name (`mlab snapshot save NAME`): letters, digits, `.`, `_` and `-`, starting
/// with a letter or digit, at most 64 characters (it names a file and each VM's snapshot).
pub fn is_snapshot_name(value: &str) -> bool {
    is_plain(value, 64, |c| c.is_ascii_alphanumeric(), false, "._-")
}

/// A Mesos cluster name: letters, digits, `.`, `_` and `-`, starting with a letter or digit,
/// at most 63 characters (it is passed on the command lines of Mesos and its frameworks).
pub fn is_cluster_name(value: &str) -> bool {
    is_plain(value, 63, |c| c.is_ascii_alphanumeric(), false, "._-")
}

/// A name that becomes a path component and a libvirt or guest name: an artifact (the catalog
/// key, which becomes `/opt/NAME`, `/usr/local/bin/NAME` and a state file name in the guest),
/// a build recipe or a box. Lowercase letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit, at most 64 characters.
pub fn is_artifact_name(value: &str) -> bool {
    // NAME_RULE says this in words.
    is_plain(value, 64, |c| c.is_ascii_lowercase() || c.is_ascii_digit(), true, "._-")
}

/// [`is_artifact_name`] in words, for error messages.
pub const NAME_RULE: &str = "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters";

/// A file name an artifact is cached and staged under: one path component of letters,
/// digits, `.`, `_`, `+`, `~` and `-`, not starting with `.` or `-`, at most 255 bytes.
pub fn is_file_name(value: &str) -> bool {
    is_plain(value, 255, |c| c.is_ascii_alphanumeric() || c == '_', false, "._+~-")
}

/// A version: what Debian and upstream version strings use (`1.11.0`, `3.9.1`, `2:1.2~rc1`).
pub fn is_version(value: &str) -> bool {
    is_plain(value, 64, |c| c.is_ascii_alphanumeric(), false, "._+~-:")
}

/// A source (URL, host path or `pypi:` requirement): no whitespace, quotes, backslashes,
/// backticks or control characters, at most 2048 characters.
pub fn source_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".into());
    }
    if value.len() > 2048 {
        return Some(format!("is {} characters long, more than 2048", value.len()));
    }
    value.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '\'' | '"' | '\\' | '`')).map(|c| format!("contains {c:?}"))
}

/// Every rule an artifact entry (of a lab's `artifacts:` or the catalog) breaks.
pub fn artifact_problems(name: &str, entry: &ArtifactEntry) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if !is_artifact_name(name) {
        problems.push(problem(
            None,
            format!("`{name}` is not usable as an artifact name"),
            "use lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit (it becomes /opt/NAME in the guests)",
        ));
    }
    const FILE_HELP: &str = "use letters, digits, `.`, `_`, `+`, `~` and `-`, not starting with `.` or `-` (e.g. `kafka_2.13-3.9.1.tgz`)";
    if let Some(file) = &entry.file {
        if !is_file_name(file) {
            problems.push(problem(Some("file"), format!("`{file}` is not usable as a file name"), FILE_HELP));
        }
    }
    if let Some(version) = &entry.version {
        if !is_version(version) {
            problems.push(problem(
                Some("version"),
                format!("`{version}` is not a version"),
                "use letters, digits, `.`, `_`, `+`, `~`, `-` and `:`, e.g. `1.11.0`",
            ));
        }
    }
    if let Some(source) = &entry.source {
        if let Some(why) = source_problem(source) {
            problems.push(problem(
                Some("source"),
                format!("the source {why}"),
                "write a URL or host path without spaces or quotes (percent-encode them in URLs)",
            ));
        } else if entry.file.is_none() && !source.starts_with("pypi:") {
            // The file is named after the source's last part: it must be a file name too.
            let last = source.rsplit('/').next().unwrap_or_default();
            if !last.is_empty() && !is_file_name(last) {
                problems.push(problem(
                    Some("source"),
                    format!("the file name `{last}` taken from the source is not usable"),
                    "add `file: NAME` with a plain file name, or use a source that ends in one",
                ));
            }
        }
    }
    for (field, value) in [("unavailable", &entry.unavailable), ("origin", &entry.origin)] {
        if let Some(Err(why)) = value.as_deref().map(one_line_text) {
            problems.push(problem(Some(field), format!("the text {why}"), "write one line of plain text"));
        }
    }
    if let Some(build) = &entry.build {
        if !is_artifact_name(build) {
            problems.push(problem(Some("build"), format!("`{build}` is not a recipe name"), "name a recipe directory of provisioners/builds/, e.g. `mesos`"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_cannot_leave_opt() {
        for good in ["mesos", "mesos-dns", "kafka_2.13", "spark3"] {
            assert!(is_artifact_name(good), "{good}");
        }
        for bad in ["", "..", "../../usr", ".hidden", "a/b", "Mesos", "a b", "$(id)", "-rf"] {
            assert!(!is_artifact_name(bad), "{bad}");
        }
    }

    #[test]
    fn file_names_are_one_plain_component() {
        for good in ["mesos_1.11.0-1_amd64.deb", "kafka_2.13-3.9.1.tgz", "pyspark-3.5.9.tar.gz", "chronos-3.0.2+1.jar"] {
            assert!(is_file_name(good), "{good}");
        }
        for bad in ["", ".", "..", "a/b", "x$(id).tgz", "a b.deb", "-x", ".profile", "a'b", "a\nb"] {
            assert!(!is_file_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_source_names_its_file_safely() {
        let entry = |source: &str| ArtifactEntry { source: Some(source.into()), ..ArtifactEntry::default() };
        assert!(artifact_problems("kafka", &entry("https://example.invalid/kafka/kafka_2.13-3.9.1.tgz")).is_empty());
        assert!(artifact_problems("pyspark-src", &entry("pypi:pyspark==3.5.9")).is_empty());
        let p = artifact_problems("kafka", &entry("https://example.invalid/k$(reboot).tgz"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, Some("source"));
        assert!(p[0].message.contains("k$(reboot).tgz"), "{p:?}");
        assert_eq!(artifact_problems("kafka", &entry("/tmp/a file.tgz"))[0].field, Some("source"));
        let p = artifact_problems("../../usr", &ArtifactEntry::default());
        assert_eq!((p.len(), p[0].field), (1, None));
    }

    #[test]
    fn cluster_names_and_text() {
        assert!(is_cluster_name("mini-cluster") && is_cluster_name("Lab_1.a"));
        for bad in ["", "a b", "x\nLD_PRELOAD=/tmp/x.so", "$(id)", "-x", &"a".repeat(64)] {
            assert!(!is_cluster_name(bad), "{bad:?}");
        }
        assert!(one_line_text("Mesos for Tom's \"class\" <b>").is_ok());
        assert!(one_line_text("two\nlines").is_err());
        assert!(one_line_text(&"x".repeat(MAX_TEXT + 1)).is_err());
    }
}
