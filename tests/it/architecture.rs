//! ARCHITECTURE.md's rules, read from that file and checked against the `use crate::…` lines
//! (and inline `crate::…`, `super::…` and `self::…` paths) of `src/`. Each failure names the
//! file and the import that breaks a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Module name -> layer, from the table under "## Layers" in ARCHITECTURE.md.
fn layers(doc: &str) -> BTreeMap<String, u32> {
    let section = doc.split("## Layers").nth(1).expect("ARCHITECTURE.md has a Layers section");
    let mut out = BTreeMap::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, layer, modules, _] = cells.as_slice() {
            if let Ok(layer) = layer.parse::<u32>() {
                for module in modules.split(',').map(str::trim).filter(|m| !m.is_empty()) {
                    assert!(out.insert(module.to_string(), layer).is_none(), "ARCHITECTURE.md lists `{module}` twice");
                }
            }
        }
    }
    assert!(out.len() > 5, "ARCHITECTURE.md's layer table was not found");
    out
}

/// The library's source files (the binary's `main.rs` and `cli/` are above every layer).
fn library_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path != root().join("src/cli") || !dir.ends_with("src") {
                library_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && path != root().join("src/main.rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/lab/source.rs` -> [lab, source], `src/lab/mod.rs` -> [lab].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root().join("src")).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod") | Some("lib")) {
        parts.pop();
    }
    parts
}

/// The code that counts: up to the first `#[cfg(test)]` (test modules sit at the end), without
/// comments.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        out.push_str(line.split(" // ").next().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Expand a use tree (`crate::a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else { return vec![tree.to_string()] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).flat_map(|p| expand(&format!("{prefix}{p}"))).collect()
}

/// Every path a file names that starts with `crate::`, `super::` or `self::`, as written: the
/// trees of its `use` statements (which may span lines) and inline paths everywhere else.
fn imports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let statement = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "].iter().find_map(|p| line.strip_prefix(p));
        if let Some(first) = statement {
            let mut tree = first.to_string();
            while !tree.contains(';') {
                let Some(more) = lines.next() else { break };
                tree.push(' ');
                tree.push_str(more);
            }
            let tree = tree.split(';').next().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
            if ["crate::", "super::", "self::"].iter().any(|p| tree.starts_with(p)) {
                out.extend(expand(&tree));
            }
            continue;
        }
        for prefix in ["crate::", "super::"] {
            let mut from = 0;
            while let Some(at) = line[from..].find(prefix) {
                let start = from + at;
                let preceded_by_ident = line[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
                let len = line[start..].find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(line.len() - start);
                if !preceded_by_ident {
                    out.push(line[start..start + len].trim_end_matches(':').to_string());
                }
                from = start + len.max(1);
            }
        }
    }
    out
}

/// Paths through the file's own child modules (`mod run;` then `run::go()` or `use run::X`),
/// which name no `crate::`/`self::` prefix: as `self::run::…`.
fn child_paths(code: &str) -> Vec<String> {
    let children: Vec<&str> = code
        .lines()
        .filter_map(|l| ["mod ", "pub mod ", "pub(crate) mod "].iter().find_map(|p| l.strip_prefix(p)))
        .filter_map(|rest| rest.strip_suffix(';'))
        .collect();
    let mut out = Vec::new();
    for child in children {
        let needle = format!("{child}::");
        let mut from = 0;
        while let Some(at) = code[from..].find(&needle) {
            let start = from + at;
            let preceded = code[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if !preceded {
                let len = code[start..].find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(code.len() - start);
                out.push(format!("self::{}", code[start..start + len].trim_end_matches(':')));
            }
            from = start + needle.len();
        }
    }
    out
}

/// The module path an import names, made absolute: `super::x::Y` in lab/source.rs -> [lab, x, Y].
fn absolute(file_module: &[String], path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split("::").map(|p| p.split(" as ").next().unwrap_or(p).trim()).collect();
    let mut base: Vec<String> = match parts.first() {
        Some(&"crate") => Vec::new(),
        Some(&"self") => file_module.to_vec(),
        Some(&"super") => file_module[..file_module.len().saturating_sub(1)].to_vec(),
        _ => return Vec::new(),
    };
    parts.remove(0);
    while parts.first() == Some(&"super") {
        base.pop();
        parts.remove(0);
    }
    base.extend(parts.into_iter().filter(|p| !p.is_empty() && *p != "self" && *p != "*").map(str::to_string));
    base
}

/// The deepest source file an absolute module path reaches.
fn file_of(path: &[String]) -> Option<PathBuf> {
    for n in (1..=path.len()).rev() {
        let dir = root().join("src").join(path[..n].join("/"));
        for candidate in [dir.with_extension("rs"), dir.join("mod.rs")] {
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

struct Import {
    file: PathBuf,
    path: String,
    target: Vec<String>,
}

fn all_imports() -> Vec<Import> {
    let mut files = Vec::new();
    library_files(&root().join("src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let module = module_of(&file);
        let text = code(&std::fs::read_to_string(&file).expect("read"));
        for path in imports(&text).into_iter().chain(child_paths(&text)) {
            let target = absolute(&module, &path);
            if !target.is_empty() {
                out.push(Import { file: file.clone(), path, target });
            }
        }
    }
    out
}

fn shown(file: &Path) -> String {
    file.strip_prefix(root()).unwrap_or(file).display().to_string()
}

/// Every import that goes to a module of the same or a higher layer, and every module of
/// `src/` the table lacks.
fn layer_violations(table: &BTreeMap<String, u32>, imports: &[Import]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("src")).expect("src").flatten() {
        let name = entry.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
        if !["lib", "main", "cli"].contains(&name.as_str()) {
            modules.insert(name);
        }
    }
    for module in &modules {
        if !table.contains_key(module) {
            problems.push(format!("src/{module} is in no layer of ARCHITECTURE.md's table: add it to the layer it belongs to"));
        }
    }
    for import in imports {
        let from = module_of(&import.file);
        let (Some(from), Some(to)) = (from.first(), import.target.first()) else { continue };
        if from == to {
            continue;
        }
        if let (Some(a), Some(b)) = (table.get(from), table.get(to)) {
            if b >= a {
                problems.push(format!(
                    "{}: `{}` makes `{from}` (layer {a}) use `{to}` (layer {b}); a module may only use lower layers",
                    shown(&import.file),
                    import.path
                ));
            }
        }
    }
    problems
}

/// A circle of imports between files of one module, ignoring a file's use of its own parent
/// modules (what a `mod.rs` defines is its children's namespace).
fn file_circles(imports: &[Import]) -> Vec<String> {
    let mut edges: BTreeMap<PathBuf, BTreeMap<PathBuf, String>> = BTreeMap::new();
    for import in imports {
        let Some(to) = file_of(&import.target) else { continue };
        let (from_module, to_module) = (module_of(&import.file), module_of(&to));
        let to_is_ancestor = to_module.len() < from_module.len() && from_module.starts_with(&to_module);
        if to == import.file || to_is_ancestor || from_module.first() != to_module.first() {
            continue;
        }
        edges.entry(import.file.clone()).or_default().entry(to).or_insert_with(|| import.path.clone());
    }
    // Depth-first search for a back edge; each circle is reported once, from its first file.
    let mut circles = Vec::new();
    let mut done: BTreeSet<PathBuf> = BTreeSet::new();
    fn visit(
        file: &PathBuf,
        edges: &BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
        stack: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
        circles: &mut Vec<String>,
    ) {
        stack.push(file.clone());
        for (next, path) in edges.get(file).into_iter().flatten() {
            if let Some(at) = stack.iter().position(|f| f == next) {
                let ring: Vec<String> = stack[at..].iter().map(|f| shown(f)).collect();
                circles.push(format!("{} -> {} (the last step is `{path}`)", ring.join(" -> "), shown(next)));
            } else if !done.contains(next) {
                visit(next, edges, stack, done, circles);
            }
        }
        stack.pop();
        done.insert(file.clone());
    }
    let files: Vec<PathBuf> = edges.keys().cloned().collect();
    for file in files {
        if !done.contains(&file) {
            visit(&file, &edges, &mut Vec::new(), &mut done, &mut circles);
        }
    }
    circles
}

#[test]
fn every_import_of_src_keeps_the_layers_of_architecture_md() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = layers(&doc);
    assert_eq!(table.get("lab"), Some(&0), "the lab model is the ground");
    let problems = layer_violations(&table, &all_imports());
    assert!(problems.is_empty(), "{} import(s) break ARCHITECTURE.md's layers:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn no_circle_of_imports_between_the_files_of_a_module() {
    let circles = file_circles(&all_imports());
    assert!(circles.is_empty(), "circles of imports (ARCHITECTURE.md: no circles between files of one module):\n{}", circles.join("\n"));
}

#[test]
fn the_provisioners_and_labs_trees_each_have_one_home() {
    let mut files = Vec::new();
    library_files(&root().join("src"), &mut files);
    let mut embedding = Vec::new();
    for file in files {
        let text = code(&std::fs::read_to_string(&file).expect("read"));
        for tree in ["provisioners", "labs"] {
            if text.contains(&format!("include_dir!(\"$CARGO_MANIFEST_DIR/{tree}\")")) {
                embedding.push((tree, shown(&file)));
            }
        }
    }
    embedding.sort();
    assert_eq!(embedding, [("labs", "src/lab/library.rs".to_string()), ("provisioners", "src/provisioners.rs".to_string())]);
}

#[test]
fn command_files_are_thin() {
    let mut files = Vec::new();
    library_files(&root().join("src/cli/commands"), &mut files);
    assert!(files.len() > 20, "the command files were not found");
    let mut long = Vec::new();
    for file in files {
        let lines = std::fs::read_to_string(&file).expect("read").lines().count();
        if lines > 65 {
            long.push(format!("{} has {lines} lines", shown(&file)));
        }
    }
    long.sort();
    assert!(long.is_empty(), "command files past the thin shape (ARCHITECTURE.md: at most 65 lines; move the logic into the library):\n{}", long.join("\n"));
}

/// The checks themselves can fail: a forbidden import and a circle planted in made-up files
/// are found.
#[test]
fn a_forbidden_import_and_a_circle_are_found() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = layers(&doc);
    let lab_file = root().join("src/lab/resolve.rs");
    let planted = Import { file: lab_file.clone(), path: "crate::provider::ProviderKind".into(), target: vec!["provider".into(), "ProviderKind".into()] };
    let problems = layer_violations(&table, &[planted]);
    assert!(problems.iter().any(|p| p.contains("src/lab/resolve.rs") && p.contains("crate::provider::ProviderKind")), "{problems:?}");

    let a = root().join("src/provision/decide.rs");
    let b = root().join("src/provision/run.rs");
    let circle = [
        Import { file: a.clone(), path: "super::run::StepRunner".into(), target: vec!["provision".into(), "run".into(), "StepRunner".into()] },
        Import { file: b, path: "super::decide::StepDecision".into(), target: vec!["provision".into(), "decide".into(), "StepDecision".into()] },
    ];
    let circles = file_circles(&circle);
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(circles[0].contains("src/provision/decide.rs") && circles[0].contains("src/provision/run.rs"), "{circles:?}");
    assert_eq!(imports("use crate::a::{b, c::{d, e as f}};\nlet x = crate::g::h(1);"), ["crate::a::b", "crate::a::c::d", "crate::a::c::e as f", "crate::g::h"]);
}
