//! Every built-in template rendered with hostile free-form values (a description, the Mesos
//! cluster name, the Spark framework name, every artifact's file name), set on the resolved
//! lab directly so validation, which refuses most of them, is not what keeps them harmless:
//! the escaping filters are. Each output must still parse in its own format and carry the
//! value as its text, never as code.
//!
//! Uses bash, sh and systemd-analyze; without systemd-analyze the unit check is skipped
//! unless `CI` or `MLAB_REQUIRE_TOOLS` is set.

use crate::common::{BUILTIN_LABS, resolved};

use std::path::Path;
use std::process::Command;

use mlab::lab::ResolvedLab;
use mlab::provisioners::Provisioners;
use mlab::render::{NodeFiles, filters, render_lab};

/// Code if it ever ran: the check below makes sure it only ever appears quoted.
const MARKER: &str = "$(touch /tmp/mlab-pwned)";
const HOSTILE_TEXT: &str = r#"Tom's "lab" $(touch /tmp/mlab-pwned) `id` \ 100% ; & <b>x</b> ünï"#;
/// One path component (no `/`, no newline, no backslash: sha256sum's list format has no
/// spelling for a newline, and validation refuses all three).
const HOSTILE_FILE_PART: &str = r#" it's "a" $(touch /tmp/mlab-pwned) `id` 100% ;&"#;

/// `name.ext` becomes `name HOSTILE.ext`, so the install rule chosen by extension still holds.
fn hostile_file_name(file: &str) -> String {
    let (stem, ext) = match file.find(".tar.gz").or_else(|| file.rfind('.')) {
        Some(i) => file.split_at(i),
        None => (file, ""),
    };
    format!("{stem}{HOSTILE_FILE_PART}{ext}")
}

fn hostile(name: &str) -> ResolvedLab {
    let mut lab = resolved(name);
    lab.description = HOSTILE_TEXT.into();
    lab.mesos.cluster = HOSTILE_TEXT.into();
    if let Some(spark) = &mut lab.spark {
        spark.framework_name = HOSTILE_TEXT.into();
    }
    for artifact in lab.artifacts.values_mut() {
        // As `up` knows it once the file is fetched or built (a SHA-512 pin is then known by
        // SHA-256, and a build's file by the cache).
        let file = artifact.file_name.clone().unwrap_or_else(|| format!("{}.tgz", artifact.name));
        artifact.file_name = Some(hostile_file_name(&file));
        artifact.sha256.get_or_insert_with(|| "0".repeat(64));
    }
    lab
}

fn rendered_hostile(name: &str) -> Vec<NodeFiles> {
    render_lab(&Provisioners::builtin(), &hostile(name)).unwrap_or_else(|e| panic!("{name} with hostile values does not render: {e}"))
}

/// Where in a shell script the marker sits in an expanding context (unquoted or inside double
/// quotes), skipping comments and single-quoted text. Enough of sh's lexing for mlab's scripts,
/// which use no here-documents.
fn expanding_marker(script: &str) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Plain,
        Single,
        Double,
        Comment,
    }
    let bytes = script.as_bytes();
    let mut state = State::Plain;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if (state == State::Plain || state == State::Double) && script[i..].starts_with(MARKER) {
            return Some(i);
        }
        match state {
            State::Plain => match c {
                b'\\' => i += 1,
                b'\'' => state = State::Single,
                b'"' => state = State::Double,
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => state = State::Comment,
                _ => {}
            },
            State::Single => {
                if c == b'\'' {
                    state = State::Plain;
                }
            }
            State::Double => match c {
                b'\\' => i += 1,
                b'"' => state = State::Plain,
                _ => {}
            },
            State::Comment => {
                if c == b'\n' {
                    state = State::Plain;
                }
            }
        }
        i += 1;
    }
    None
}

fn line_of(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

#[test]
fn the_lexer_of_this_test_finds_an_unquoted_marker() {
    assert!(expanding_marker(&format!("echo {MARKER}\n")).is_some());
    assert!(expanding_marker(&format!("echo \"x {MARKER}\"\n")).is_some());
    assert!(expanding_marker(&format!("echo 'x {MARKER}'\n# {MARKER}\n")).is_none());
}

#[test]
fn shell_scripts_parse_and_never_expand_a_value() {
    let mut scripts = 0;
    for lab in BUILTIN_LABS {
        for node in rendered_hostile(lab) {
            for f in node.files.iter().filter(|f| f.run || f.path.ends_with(".sh")) {
                let out = Command::new("bash").arg("-n").arg("-c").arg(&f.content).output().expect("bash");
                assert!(out.status.success(), "{lab}/{} {}: bash -n: {}", node.node, f.path, String::from_utf8_lossy(&out.stderr));
                if let Some(at) = expanding_marker(&f.content) {
                    panic!("{lab}/{} {}: a value lands where the shell expands it:\n{}", node.node, f.path, line_of(&f.content, at));
                }
                scripts += 1;
            }
        }
    }
    assert!(scripts > 50, "only {scripts} scripts checked");
}

#[test]
fn artifact_file_names_reach_the_install_commands_as_one_word() {
    let nodes = rendered_hostile("kafka-lab");
    let lab = hostile("kafka-lab");
    let kafka = lab.artifacts["kafka"].file_name.clone().expect("kafka file");
    let script = nodes.iter().find_map(|n| n.file("/var/lib/mlab/provision/15-artifacts.sh")).expect("artifacts step");
    let quoted = filters::shell_quote(kafka.clone()).unwrap();
    assert!(script.content.contains(&format!("install_artifact kafka {quoted} ")), "{}", script.content);
    // What bash makes of that word is the file name, byte for byte.
    let out = Command::new("bash").arg("-c").arg(format!("printf %s {quoted}")).output().expect("bash");
    assert_eq!(String::from_utf8_lossy(&out.stdout), kafka);
}

/// What a shell (and so systemd, for the escapes `env_value` uses) reads for `key` in `file`.
fn env_file_value(file: &str, key: &str) -> String {
    let out = Command::new("sh").arg("-c").arg(format!("set -e\n{file}\nprintf %s \"${key}\"")).output().expect("sh");
    assert!(out.status.success(), "the environment file does not parse: {}\n{file}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn environment_files_carry_the_values_verbatim() {
    let mut checked = 0;
    for lab in BUILTIN_LABS {
        for node in rendered_hostile(lab) {
            for f in node.files.iter().filter(|f| f.path.starts_with("/etc/default/")) {
                for line in f.content.lines().filter(|l| !l.starts_with('#') && l.contains('=')) {
                    let key = line.split('=').next().unwrap();
                    assert!(key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'), "{lab} {}: `{line}`", f.path);
                }
                if f.content.contains("MESOS_CLUSTER=") {
                    assert_eq!(env_file_value(&f.content, "MESOS_CLUSTER"), HOSTILE_TEXT, "{lab} {}", f.path);
                    checked += 1;
                }
                if f.content.contains("CHRONOS_ARGS=") {
                    assert!(env_file_value(&f.content, "CHRONOS_ARGS").ends_with(&format!("--cluster_name {HOSTILE_TEXT}")), "{lab} {}", f.path);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} environment files checked");
}

#[test]
fn json_parses_and_html_shows_the_text() {
    let (mut json, mut html, mut spark) = (0, 0, 0);
    for lab in BUILTIN_LABS {
        for node in rendered_hostile(lab) {
            for f in &node.files {
                if f.path.ends_with(".json") {
                    let value: serde_json::Value =
                        serde_json::from_str(&f.content).unwrap_or_else(|e| panic!("{lab} {}: not JSON ({e}):\n{}", f.path, f.content));
                    if f.path.ends_with("kafka.marathon.json") {
                        let uris: Vec<&str> = value["fetch"].as_array().unwrap().iter().map(|u| u["uri"].as_str().unwrap()).collect();
                        assert!(uris.iter().all(|u| u.contains(HOSTILE_FILE_PART)), "{uris:?}");
                    }
                    if f.path.ends_with("/spark-dispatcher.json") {
                        // Marathon runs `cmd` with sh -c: the name must come back as one word.
                        let cmd = value["cmd"].as_str().unwrap();
                        let words = shlex::split(cmd).unwrap_or_else(|| panic!("{lab}: unbalanced quotes in {cmd}"));
                        let name = words.iter().position(|w| w == "--name").and_then(|i| words.get(i + 1));
                        assert_eq!(name.map(String::as_str), Some(HOSTILE_TEXT), "{lab}: {cmd}");
                        spark += 1;
                    }
                    json += 1;
                }
                if f.path.ends_with(".html") {
                    assert!(
                        f.content.contains("Tom&#x27;s &quot;lab&quot;") && f.content.contains("&lt;b&gt;x&lt;&#x2f;b&gt;"),
                        "{lab} {}:\n{}",
                        f.path,
                        f.content
                    );
                    assert!(!f.content.contains("<b>x</b>"));
                    html += 1;
                }
            }
        }
    }
    assert!(json >= 5 && html >= 5 && spark >= 1, "{json} JSON ({spark} Spark dispatcher apps) and {html} HTML files checked");
}

fn systemd_analyze() -> Option<&'static str> {
    let path = "/usr/bin/systemd-analyze";
    if Path::new(path).is_file() {
        return Some(path);
    }
    let required = std::env::var_os("CI").is_some() || std::env::var_os("MLAB_REQUIRE_TOOLS").is_some();
    assert!(!required, "systemd-analyze is not installed; apt-get install -y systemd");
    eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install -y systemd)");
    None
}

/// `systemd-analyze verify` on a unit; the programs it starts exist only in the guest, so
/// only that complaint is allowed.
fn verify_unit(tool: &str, name: &str, content: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join(name);
    std::fs::write(&path, content).map_err(|e| e.to_string())?;
    let out = Command::new(tool).arg("verify").arg(&path).env("SYSTEMD_LOG_LEVEL", "info").output().map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let problems: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty() && !l.contains("is not executable") && !l.contains("not found")).collect();
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

#[test]
fn systemd_units_verify_and_quote_their_arguments() {
    let Some(tool) = systemd_analyze() else { return };
    let mut units = 0;
    for lab in BUILTIN_LABS {
        for node in rendered_hostile(lab) {
            for f in node.files.iter().filter(|f| f.path.ends_with(".service")) {
                let name = f.path.rsplit('/').next().unwrap();
                verify_unit(tool, name, &f.content).unwrap_or_else(|e| panic!("{lab}/{} {}: systemd-analyze verify:\n{e}\n{}", node.node, f.path, f.content));
                units += 1;
            }
        }
    }
    assert!(units >= 10, "only {units} units checked");
    assert!(verify_unit(tool, "bad.service", "[Service]\nExecStart=/bin/true \"unbalanced\n").is_err(), "the check itself catches bad quoting");
}
