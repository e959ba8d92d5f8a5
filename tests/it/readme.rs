//! The README's commands, checked against the program: every `mlab ...` line in its code blocks
//! names real subcommands and options (so the README cannot drift), and the reading commands,
//! which need no hypervisor, are run exactly as written.

use std::collections::BTreeSet;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// The command lines of the README's code blocks (indented or fenced) that start with `mlab`,
/// without their trailing comments.
fn mlab_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let code = if fenced { Some(line) } else { line.strip_prefix("    ") };
        let Some(code) = code.map(str::trim) else { continue };
        if code.starts_with("mlab ") {
            // A comment starts at ` # `; a `#` inside a word (none today) would not.
            let command = code.split(" # ").next().unwrap_or(code).trim();
            lines.push(command.to_string());
        }
    }
    lines
}

fn mlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlab"));
    c.env("MLAB_LABS_DIR", "/nonexistent-mlab-labs").env_remove("MLAB_PROVISIONERS").env_remove("MLAB_LAB");
    c
}

/// `mlab WORDS... --help`, or `None` when that is not a command.
fn help(words: &[&str]) -> Option<String> {
    let out = mlab().args(words).arg("--help").output().expect("run mlab");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One README line split at its ` | ` alternatives, before any redirection: the first part
/// whole, the others as written (`add NAME SOURCE`, `--lab LAB`).
fn segments(line: &str) -> Vec<Vec<String>> {
    let mut parts = vec![Vec::new()];
    for word in line.split_whitespace() {
        match word {
            "|" => parts.push(Vec::new()),
            ">" | ">>" => break,
            _ => parts.last_mut().expect("a part").push(word.to_string()),
        }
    }
    parts
}

/// The subcommand path a command's words name (`["box", "add"]`), and that command's help.
fn command_path(words: &[String]) -> (Vec<String>, String) {
    let mut path: Vec<String> = Vec::new();
    let mut text = help(&[]).expect("mlab --help");
    for word in words.iter().skip(1) {
        let listed = text.contains(&format!("  {word} ")) || text.contains(&format!("  {word}\n"));
        let is_word = word.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !word.starts_with('-');
        if !(is_word && listed) {
            break;
        }
        let candidate: Vec<String> = path.iter().cloned().chain([word.clone()]).collect();
        match help(&candidate.iter().map(String::as_str).collect::<Vec<_>>()) {
            Some(sub) => {
                path = candidate;
                text = sub;
            }
            None => break,
        }
    }
    (path, text)
}

#[test]
fn every_readme_command_names_real_subcommands_and_options() {
    let lines = mlab_lines(&readme());
    assert!(lines.len() > 30, "the README's commands were found: {lines:?}");
    let mut checked = BTreeSet::new();
    for line in &lines {
        let parts = segments(line);
        let (first_path, _) = command_path(&parts[0]);
        for (i, part) in parts.iter().enumerate() {
            // `box list | add NAME`: another subcommand of `box`; `fetch NAME... | --lab LAB`:
            // other arguments of the same command.
            let words: Vec<String> = match i {
                0 => part.clone(),
                _ if part[0].starts_with('-') => ["mlab".to_string()].into_iter().chain(first_path.iter().cloned()).chain(part.iter().cloned()).collect(),
                _ => ["mlab".to_string()]
                    .into_iter()
                    .chain(first_path.iter().take(first_path.len().saturating_sub(1)).cloned())
                    .chain(part.iter().cloned())
                    .collect(),
            };
            let (path, text) = command_path(&words);
            assert!(!path.is_empty(), "`{line}`: no subcommand of mlab");
            let next = words.get(path.len() + 1).map(String::as_str).unwrap_or_default();
            assert!(!text.contains("\nCommands:\n"), "`{line}`: `mlab {}` has no subcommand `{next}`", path.join(" "));
            let global = help(&[]).unwrap();
            // After `--` the words are the command run on the node (`mlab ssh NODE -- curl -s ...`).
            for word in words.iter().take_while(|w| w.as_str() != "--") {
                let flag = word.trim_start_matches('[').trim_end_matches([']', '.']).split('=').next().unwrap_or_default();
                let is_flag = (flag.starts_with("--") && flag.len() > 2) || (flag.len() == 2 && flag.starts_with('-') && flag != "--");
                if is_flag {
                    let shown = |h: &str| h.contains(&format!("{flag} ")) || h.contains(&format!("{flag},")) || h.contains(&format!("{flag}\n"));
                    assert!(shown(&text) || shown(&global), "`{line}`: `mlab {}` has no option {flag}", path.join(" "));
                }
            }
            checked.insert(path.join(" "));
        }
    }
    for command in ["up", "ssh", "open", "forward", "init", "graph", "box add", "artifact build"] {
        assert!(checked.contains(command), "the README shows `mlab {command}`: {checked:?}");
    }
}

#[test]
fn the_readme_reading_commands_run_as_written() {
    let dir = tempfile::tempdir().expect("tmp");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mlab")).parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut ran = 0;
    for line in mlab_lines(&readme()) {
        let sub = line.split_whitespace().nth(1).unwrap_or_default();
        // Commands that read labs and write only into the working directory; options in
        // brackets are shown without them.
        if !["labs", "show", "plan", "schema", "graph", "init"].contains(&sub) {
            continue;
        }
        let command = line.split(" [").next().unwrap_or(&line).to_string();
        let out = Command::new("bash")
            .args(["-c", &command])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("MLAB_LABS_DIR", dir.path().join("labs"))
            .env_remove("MLAB_PROVISIONERS")
            .output()
            .expect("bash");
        assert!(out.status.success(), "`{command}` failed:\n{}", String::from_utf8_lossy(&out.stderr));
        ran += 1;
    }
    assert!(ran >= 6, "the reading commands were found and run ({ran})");
    assert!(dir.path().join("lab.schema.json").exists() && dir.path().join("p").is_dir(), "`schema >` and `plan --out p/` wrote here");
    assert!(dir.path().join("labs/my-lab.yaml").exists(), "`mlab init my-lab` wrote the lab where `mlab up my-lab` finds it");
}
