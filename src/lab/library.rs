//! Where labs come from: the built-in ones embedded in the binary (`labs/` in the source tree),
//! the user's own lab directory, and paths to lab files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};

use super::diagnostic::{Diagnostic, did_you_mean};
use super::source::SourceFile;

static BUILTIN_LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/labs");

/// A lab file found by name or path, before parsing its fields.
#[derive(Debug, Clone)]
pub struct FoundLab {
    /// Stable identity for cycle detection: `builtin:NAME` or the canonical path.
    pub id: String,
    pub file: Arc<SourceFile>,
    pub kind: LabKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabKind {
    Builtin,
    Local,
    File,
}

/// One lab as `mlab labs` lists it; a lab that does not load says how to see why.
#[derive(Debug, serde::Serialize)]
pub struct LabRow {
    pub name: String,
    pub kind: LabKind,
    pub extends: Option<String>,
    pub nodes: Option<usize>,
    pub started_by_up: Option<usize>,
    pub description: String,
    pub error: Option<String>,
}

impl LabRow {
    pub fn new(name: String, kind: LabKind, loaded: Option<(super::ComposedLab, super::ResolvedLab)>) -> LabRow {
        match loaded {
            Some((composed, lab)) => LabRow {
                extends: composed.bases().last().map(|b| b.to_string()),
                nodes: Some(lab.nodes.len()),
                started_by_up: Some(lab.autostart_nodes().count()),
                description: lab.description,
                error: None,
                name,
                kind,
            },
            None => LabRow {
                error: Some(format!("invalid; run `mlab validate {name}`")),
                name,
                kind,
                extends: None,
                nodes: None,
                started_by_up: None,
                description: String::new(),
            },
        }
    }
}

/// Finds labs by name or path.
#[derive(Debug, Clone)]
pub struct LabLibrary {
    /// The user's labs, `NAME.yaml` each; a user lab named like a built-in one replaces it.
    pub user_dir: Option<PathBuf>,
}

impl LabLibrary {
    /// The user's lab directory: `$MLAB_LABS_DIR`, else `$XDG_CONFIG_HOME/mlab/labs`.
    pub fn from_env() -> Self {
        let user_dir = std::env::var_os("MLAB_LABS_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::ProjectDirs::from("", "", "mlab").map(|d| d.config_dir().join("labs")));
        LabLibrary { user_dir }
    }

    /// Names of the built-in labs.
    pub fn builtin_names() -> Vec<String> {
        let mut names: Vec<String> = BUILTIN_LABS.files().filter_map(|f| f.path().to_str()?.strip_suffix(".yaml").map(str::to_string)).collect();
        names.sort();
        names
    }

    /// The text of a built-in lab.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTIN_LABS.get_file(format!("{name}.yaml"))?.contents_utf8()
    }

    /// Names of the user's labs.
    pub fn local_names(&self) -> Vec<String> {
        let Some(dir) = &self.user_dir else { return Vec::new() };
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(|e| {
                let p = e.ok()?.path();
                let ext = p.extension()?.to_str()?;
                if ext == "yaml" || ext == "yml" { Some(p.file_stem()?.to_str()?.to_string()) } else { None }
            })
            .collect();
        names.sort();
        names
    }

    /// Does `reference` look like a path rather than a lab name?
    /// Where a lab reference comes from, as a lab's state records it so that later commands
    /// re-plan it from any directory: a path made absolute, or the name as it is.
    pub fn source_of(reference: &str) -> String {
        if Self::is_path(reference) {
            std::fs::canonicalize(reference).map(|p| p.display().to_string()).unwrap_or(reference.to_string())
        } else {
            reference.to_string()
        }
    }

    pub fn is_path(reference: &str) -> bool {
        reference.contains('/') || reference.ends_with(".yaml") || reference.ends_with(".yml")
    }

    /// Find a lab by name or path. `relative_to` is the directory paths are relative to (the
    /// extending file's directory); `skip_id` excludes one candidate, so a user lab named
    /// `mini-cluster` can extend the built-in `mini-cluster`.
    pub fn find(&self, reference: &str, relative_to: Option<&Path>, skip_id: Option<&str>) -> Result<FoundLab, Diagnostic> {
        if Self::is_path(reference) {
            let path = match relative_to {
                Some(dir) if Path::new(reference).is_relative() => dir.join(reference),
                _ => PathBuf::from(reference),
            };
            return read_file(&path, reference, LabKind::File);
        }
        if let Some(dir) = &self.user_dir {
            for ext in ["yaml", "yml"] {
                let path = dir.join(format!("{reference}.{ext}"));
                if path.is_file() {
                    let found = read_file(&path, &path.display().to_string(), LabKind::Local)?;
                    if Some(found.id.as_str()) != skip_id {
                        return Ok(found);
                    }
                }
            }
        }
        if let Some(text) = Self::builtin_text(reference) {
            let id = format!("builtin:{reference}");
            if Some(id.as_str()) != skip_id {
                let file = SourceFile::parse(id.clone(), None, text.to_string())?;
                return Ok(FoundLab { id, file: Arc::new(file), kind: LabKind::Builtin });
            }
        }
        let mut names = Self::builtin_names();
        names.extend(self.local_names());
        let hint = match did_you_mean(reference, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        Err(Diagnostic::new(format!("no lab named `{reference}`"))
            .help(format!("{hint}available labs: {} (see `mlab labs`), or give a path to a lab file", names.join(", "))))
    }
}

/// A lab file is small text: anything bigger is not one (and `/dev/zero` would never end).
pub const MAX_LAB_FILE_BYTES: u64 = 1 << 20;

fn read_file(path: &Path, display: &str, kind: LabKind) -> Result<FoundLab, Diagnostic> {
    let cannot = |why: String| Diagnostic::new(format!("cannot read lab file `{display}`: {why}")).help("check the path (a lab name has no `/` or `.yaml`)");
    // Only YAML files are read as labs: anything else would be quoted back in the error.
    if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
        return Err(cannot("a lab file's name ends in `.yaml` or `.yml`".into()));
    }
    let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
    if !meta.is_file() {
        return Err(cannot("it is not a regular file".into()));
    }
    if meta.len() > MAX_LAB_FILE_BYTES {
        return Err(cannot(format!("it has {} bytes; a lab file has at most {MAX_LAB_FILE_BYTES}", meta.len())));
    }
    // Read no more than the limit even if the file grows meanwhile.
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?, MAX_LAB_FILE_BYTES + 1), &mut text)
        .map_err(|e| cannot(e.to_string()))?;
    let id = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string();
    let file = SourceFile::parse(display.to_string(), Some(path.to_path_buf()), text)?;
    Ok(FoundLab { id, file: Arc::new(file), kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_labs_are_built_in() {
        let names = LabLibrary::builtin_names();
        for n in ["single-node", "mini-cluster", "ha-cluster", "kafka-lab", "spark-lab"] {
            assert!(names.iter().any(|x| x == n), "{n} not in {names:?}");
        }
    }

    #[test]
    fn unknown_name_suggests() {
        let lib = LabLibrary { user_dir: None };
        let err = lib.find("mini-clustr", None, None).unwrap_err();
        assert!(err.help.unwrap().contains("did you mean `mini-cluster`?"));
    }
}
