//! `extends:` — a lab built on another without copying it. Each file is parsed on its own; the
//! merged lab remembers, for every field, which file and which line set it, so errors found
//! after merging still point at the right place.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::library::{FoundLab, LabKind, LabLibrary};
use super::model::{LabFile, NodeEntry};
use super::parse::parse_lab_file;
use super::source::{SourceFile, join_index, join_key};

/// Where a field of the merged lab was written.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<SourceFile>,
    /// The field's path inside that file.
    pub path: String,
}

/// A lab after composition: one [`LabFile`] plus the origin of each field.
#[derive(Debug, Clone)]
pub struct ComposedLab {
    pub lab: LabFile,
    /// The file the user named (last in the chain).
    pub file: Arc<SourceFile>,
    pub kind: LabKind,
    /// The chain of labs, base first: `[builtin:mini-cluster, builtin:spark-lab]`.
    pub chain: Vec<String>,
    origins: HashMap<String, Origin>,
}

impl ComposedLab {
    /// The labs this one is built on, nearest last, without `builtin:` (empty when it extends
    /// none): `[mini-cluster]` for spark-lab.
    pub fn bases(&self) -> Vec<&str> {
        self.chain[..self.chain.len().saturating_sub(1)].iter().map(|id| id.trim_start_matches("builtin:")).collect()
    }

    /// The origin of a merged field path, or of its closest ancestor that has one.
    pub fn origin(&self, path: &str) -> Origin {
        let mut p = path.to_string();
        loop {
            if let Some(o) = self.origins.get(&p) {
                // Map the rest of the path onto the origin file.
                let rest = &path[p.len()..];
                return Origin { file: o.file.clone(), path: format!("{}{rest}", o.path) };
            }
            match p.rfind(['.', '[']) {
                Some(cut) => p.truncate(cut),
                None => return Origin { file: self.file.clone(), path: path.to_string() },
            }
        }
    }

    /// A diagnostic pointing at the value of merged field `path`.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let o = self.origin(path);
        Diagnostic::new(message).at_value(&o.file, &o.path)
    }

    /// A diagnostic pointing at the key of merged field `path`.
    pub fn error_at_key(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let o = self.origin(path);
        Diagnostic::new(message).at_key(&o.file, &o.path)
    }
}

/// Find, parse and compose a lab named `reference` (a name or a path).
pub fn load(library: &LabLibrary, reference: &str) -> Result<ComposedLab, Diagnostics> {
    let found = library.find(reference, None, None)?;
    compose(library, found, &mut Vec::new())
}

/// Compose `found` on top of what it extends. `stack` holds the ids being composed, to catch cycles.
fn compose(library: &LabLibrary, found: FoundLab, stack: &mut Vec<String>) -> Result<ComposedLab, Diagnostics> {
    stack.push(found.id.clone());
    let lab = parse_lab_file(&found.file)?;
    let default_name = || match &found.file.path {
        Some(p) => p.file_stem().and_then(|s| s.to_str()).unwrap_or("lab").to_string(),
        None => found.id.trim_start_matches("builtin:").to_string(),
    };

    let mut composed = match &lab.extends {
        None => ComposedLab { lab: LabFile::default(), file: found.file.clone(), kind: found.kind, chain: Vec::new(), origins: HashMap::new() },
        Some(parent_ref) => {
            let dir = found.file.path.as_ref().and_then(|p| p.parent().map(|d| d.to_path_buf()));
            let parent = library.find(parent_ref, dir.as_deref(), Some(&found.id)).map_err(|d| relocate(d, &found.file, "extends"))?;
            if let Some(pos) = stack.iter().position(|id| *id == parent.id) {
                let mut cycle: Vec<String> = stack[pos..].to_vec();
                cycle.push(parent.id.clone());
                return Err(Diagnostic::new(format!("composition cycle: {}", cycle.join(" -> ")))
                    .at_value(&found.file, "extends")
                    .help("a lab cannot extend itself, directly or through other labs; remove one `extends`")
                    .into());
            }
            let mut base = compose(library, parent, stack)?;
            base.file = found.file.clone();
            base.kind = found.kind;
            base
        }
    };
    composed.chain.push(found.id.clone());
    merge_into(&mut composed, lab, &found.file);
    if composed.lab.name.is_none() {
        composed.lab.name = Some(default_name());
    }
    stack.pop();
    Ok(composed)
}

/// A library error (lab not found) placed at a field of the file that referenced the lab.
fn relocate(d: Diagnostic, file: &SourceFile, path: &str) -> Diagnostic {
    let mut moved = Diagnostic::new(d.message).at_value(file, path);
    moved.help = d.help;
    moved
}

/// Merge `child` (read from `file`) over `target.lab`, recording origins.
fn merge_into(target: &mut ComposedLab, child: LabFile, file: &Arc<SourceFile>) {
    let record = |merged: &str, own: &str, origins: &mut HashMap<String, Origin>| {
        origins.insert(merged.to_string(), Origin { file: file.clone(), path: own.to_string() });
    };
    let origins = &mut target.origins;
    let lab = &mut target.lab;

    // The name is never inherited: a lab that extends mini-cluster is a different lab.
    lab.name = child.name.clone();
    if child.name.is_some() {
        record("name", "name", origins);
    }
    if child.description.is_some() {
        lab.description = child.description.clone();
    }
    if child.box_name.is_some() {
        lab.box_name = child.box_name.clone();
        record("box", "box", origins);
    }
    if child.provider.is_some() {
        lab.provider = child.provider;
        record("provider", "provider", origins);
    }
    lab.extends = child.extends.clone();

    // Sections with plain fields merge field by field.
    merge_section(&mut lab.network, &child.network, "network", file, origins);
    merge_section(&mut lab.defaults, &child.defaults, "defaults", file, origins);
    merge_section(&mut lab.settings, &child.settings, "settings", file, origins);
    merge_section(&mut lab.artifacts, &child.artifacts, "artifacts", file, origins);

    // Only inherited entries can be patched; two entries of one file with the same name are
    // a duplicate, which validation reports.
    let inherited = lab.nodes.len();
    for (i, entry) in child.nodes.into_iter().enumerate() {
        let own = join_index("nodes", i);
        match lab.nodes[..inherited].iter().position(|n| n.name == entry.name) {
            Some(j) => {
                let merged = join_index("nodes", j);
                patch_node(&mut lab.nodes[j], &entry);
                for field in present_fields(&entry) {
                    record(&join_key(&merged, field), &join_key(&own, field), origins);
                }
            }
            None => {
                record(&join_index("nodes", lab.nodes.len()), &own, origins);
                lab.nodes.push(entry);
            }
        }
    }
}

/// Patch an inherited node: given fields replace, roles are added.
fn patch_node(base: &mut NodeEntry, patch: &NodeEntry) {
    for role in &patch.roles {
        if !base.roles.contains(role) {
            base.roles.push(*role);
        }
    }
    macro_rules! take {
        ($($f:ident),*) => { $( if patch.$f.is_some() { base.$f = patch.$f.clone(); } )* };
    }
    take!(count, cpus, memory, disk, ip, autostart);
}

/// The names of the fields set in a node entry (for origins).
fn present_fields(entry: &NodeEntry) -> Vec<&'static str> {
    let mut f = vec!["name"];
    if !entry.roles.is_empty() {
        f.push("roles");
    }
    for (set, name) in [
        (entry.count.is_some(), "count"),
        (entry.cpus.is_some(), "cpus"),
        (entry.memory.is_some(), "memory"),
        (entry.disk.is_some(), "disk"),
        (entry.ip.is_some(), "ip"),
        (entry.autostart.is_some(), "autostart"),
    ] {
        if set {
            f.push(name);
        }
    }
    f
}

/// Deep-merge a section through JSON: objects merge key by key, anything else replaces.
/// Every leaf the child sets is recorded as coming from `file`.
fn merge_section<T>(base: &mut T, child: &T, path: &str, file: &Arc<SourceFile>, origins: &mut HashMap<String, Origin>)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let (Ok(mut merged), Ok(over)) = (serde_json::to_value(&*base), serde_json::to_value(child)) else { return };
    deep_merge(&mut merged, &over);
    record_leaves(&over, path, file, origins);
    // Both sides are valid values of T and merging objects keeps them valid.
    if let Ok(value) = serde_json::from_value(merged) {
        *base = value;
    }
}

fn deep_merge(base: &mut Json, over: &Json) {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) if !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

fn record_leaves(value: &Json, path: &str, file: &Arc<SourceFile>, origins: &mut HashMap<String, Origin>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                record_leaves(v, &join_key(path, k), file, origins);
            }
        }
        Json::Null => {}
        _ => {
            origins.insert(path.to_string(), Origin { file: file.clone(), path: path.to_string() });
        }
    }
}
