//! The upstream reference lists (`shared/upstream/*.tsv`) and the rules for matching a name
//! mlab writes against them: exact names, deprecated aliases, Mesos `no-` booleans, Scallop
//! toggles (`disable_x`), case-insensitive Mesos-DNS keys and ZooKeeper `server.N` patterns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How names are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matching {
    Exact,
    CaseInsensitive,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub default: String,
    pub required: bool,
}

/// One parsed `*.tsv` file.
#[derive(Debug, Clone)]
pub struct UpstreamList {
    pub file: String,
    pub rows: BTreeMap<String, Row>,
    /// Extra accepted spellings (toggle forms) -> the row they belong to.
    pub aliases: BTreeMap<String, String>,
    /// Row names that end in `.N` (integer suffix) or `.*` (any suffix).
    pub patterns: Vec<String>,
    pub matching: Matching,
    /// Mesos: every boolean flag also accepts `no-<name>`.
    pub no_prefix_booleans: bool,
}

/// The directory with the reference lists: `$MLAB_UPSTREAM_DIR`, else the project's own copy
/// in `tests/data/upstream` (taken from `shared/upstream`; `in_step_with_shared_upstream` in
/// upstream_flags.rs keeps the two the same wherever `../shared` is checked out beside).
pub fn upstream_dir() -> PathBuf {
    let dir = std::env::var_os("MLAB_UPSTREAM_DIR").map(PathBuf::from).unwrap_or_else(project_copy);
    assert!(dir.join("README.md").is_file(), "upstream reference lists not found at {} (expected README.md and *.tsv there)", dir.display());
    dir
}

/// `tests/data/upstream`, the lists as the project carries them.
pub fn project_copy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/upstream")
}

/// `../shared/upstream` beside the crate, where the lists are maintained, if it is there.
pub fn shared_copy() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream");
    dir.join("README.md").is_file().then_some(dir)
}

impl UpstreamList {
    pub fn load(file: &str) -> UpstreamList {
        let path = upstream_dir().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        UpstreamList::parse(file, &text)
    }

    /// Parse TSV text. ZooKeeper's file: section A (keys `parseProperties` reads) and section B
    /// (documented `zookeeper.*` properties, which take effect when set in zoo.cfg).
    pub fn parse(file: &str, text: &str) -> UpstreamList {
        let mut list = UpstreamList {
            file: file.to_string(),
            rows: BTreeMap::new(),
            aliases: BTreeMap::new(),
            patterns: Vec::new(),
            matching: if file.starts_with("mesos-dns") { Matching::CaseInsensitive } else { Matching::Exact },
            no_prefix_booleans: file.starts_with("mesos-master") || file.starts_with("mesos-agent"),
        };
        for line in text.lines() {
            if let Some(comment) = line.strip_prefix('#') {
                // Marathon: `# toggle-forms: a/disable_a b/disable_b`
                if let Some(forms) = comment.trim().strip_prefix("toggle-forms:") {
                    for pair in forms.split_whitespace() {
                        if let Some((name, other)) = pair.split_once('/') {
                            list.aliases.insert(other.to_string(), name.to_string());
                        }
                    }
                }
                // Chronos: `# toggle: http_compression (also --disable_http_compression)`
                if let Some(rest) = comment.trim().strip_prefix("toggle:") {
                    let name = rest.split_whitespace().next().unwrap_or_default();
                    if let Some(also) = rest.split("(also --").nth(1).and_then(|s| s.split(')').next()) {
                        list.aliases.insert(also.to_string(), name.to_string());
                    }
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(cols.len() == 3, "{file}: malformed line {line:?} (want name<TAB>default<TAB>required|optional)");
            let name = cols[0].to_string();
            if name.ends_with(".N") || name.ends_with(".*") {
                list.patterns.push(name.clone());
            }
            list.rows.insert(name, Row { default: cols[1].to_string(), required: cols[2] == "required" });
        }
        assert!(!list.rows.is_empty(), "{file}: no rows parsed");
        list
    }

    fn key(&self, name: &str) -> String {
        match self.matching {
            Matching::Exact => name.to_string(),
            Matching::CaseInsensitive => name.to_ascii_lowercase(),
        }
    }

    /// The row `name` refers to, if upstream accepts it.
    pub fn resolve(&self, name: &str) -> Option<String> {
        let wanted = self.key(name);
        if let Some(row) = self.rows.keys().find(|r| self.key(r) == wanted) {
            return Some(row.clone());
        }
        if let Some(row) = self.aliases.get(name) {
            return Some(row.clone());
        }
        if self.no_prefix_booleans
            && let Some(base) = name.strip_prefix("no-")
            && let Some(row) = self.rows.get(base)
            && (row.default == "true" || row.default == "false")
        {
            return Some(base.to_string());
        }
        for pattern in &self.patterns {
            let (prefix, any) = match (pattern.strip_suffix(".N"), pattern.strip_suffix(".*")) {
                (Some(p), _) => (p, false),
                (_, Some(p)) => (p, true),
                _ => continue,
            };
            if let Some(suffix) = name.strip_prefix(prefix).and_then(|s| s.strip_prefix('.'))
                && !suffix.is_empty()
                && (any || suffix.chars().all(|c| c.is_ascii_digit()))
            {
                return Some(pattern.clone());
            }
        }
        None
    }

    /// Problems with a set of names mlab writes: unknown names, and required rows missing.
    pub fn check(&self, written: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut present = BTreeSet::new();
        for name in written {
            match self.resolve(name) {
                Some(row) => {
                    present.insert(row);
                }
                None => problems.push(format!("{}: `{name}` does not exist upstream", self.file)),
            }
        }
        for (name, row) in &self.rows {
            if row.required && !present.contains(name) {
                problems.push(format!("{}: required `{name}` is not written", self.file));
            }
        }
        problems
    }
}

/// `--name value` pairs of a command line (also `--name=value`; a flag followed by another
/// flag has no value).
pub fn flag_pairs(tokens: &[&str]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(flag) = tokens[i].strip_prefix("--") {
            if let Some((name, value)) = flag.split_once('=') {
                out.push((name.to_string(), Some(value.to_string())));
            } else if tokens.get(i + 1).is_some_and(|t| !t.starts_with("--")) {
                out.push((flag.to_string(), Some(tokens[i + 1].to_string())));
                i += 1;
            } else {
                out.push((flag.to_string(), None));
            }
        }
        i += 1;
    }
    out
}

/// Variables of a JVM framework's env file that are not its flags: the JNI library, the address
/// libprocess binds, and the JVM's options (the launchers read them).
const NOT_FLAGS: &[&str] = &["MESOS_NATIVE_JAVA_LIBRARY=", "LIBPROCESS_IP=", "JAVA_OPTS="];

/// `PREFIX_NAME=value` lines of an env file, as (lower-cased name, value).
pub fn env_flags(text: &str, prefix: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| prefix == "MESOS_" || !NOT_FLAGS.iter().any(|n| l.starts_with(n)))
        .map(|l| {
            let (name, value) = l.split_once('=').unwrap_or_else(|| panic!("env line without `=`: {l:?}"));
            let flag = name.strip_prefix(prefix).unwrap_or_else(|| panic!("env line {l:?} does not start with {prefix}; the service would ignore it"));
            (flag.to_ascii_lowercase(), value.trim_matches('"').to_string())
        })
        .collect()
}

/// Keys of a JSON object, nested objects as `Parent.Child`.
pub fn json_keys(value: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(map) = value.as_object() {
        for (key, inner) in map {
            out.push(key.clone());
            if inner.is_object() {
                out.extend(json_keys(inner).into_iter().map(|k| format!("{key}.{k}")));
            }
        }
    }
    out
}
