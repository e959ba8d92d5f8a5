//! The fuzz targets' bodies, shared with the corpus replay test (`tests/it/fuzz_corpus.rs`),
//! which runs every file of `corpus/` through them on stable. Each body panics only on a bug:
//! bad input must come back as diagnostics or a render error, never as a panic, and a lab
//! that validates must render.

#![allow(dead_code)] // each target uses one of the bodies

use std::path::PathBuf;
use std::sync::OnceLock;

use mlab::lab::{Catalog, LabLibrary, ResolvedLab};
use mlab::provisioners::Provisioners;
use mlab::render::render_lab;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Provisioners::builtin().catalog().expect("the built-in catalog parses"))
}

/// Where the input is written as a lab file: one directory per process, reused per input.
fn lab_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mlab-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir.join("fuzz.yaml")
    })
}

/// `data` as a lab file, loaded by path the way `mlab up ./FILE` loads one. What loads must
/// render with the built-in provisioners.
pub fn lab_load(data: &[u8]) {
    let path = lab_path();
    std::fs::write(path, data).expect("write the lab file");
    let library = LabLibrary { user_dir: None };
    if let Ok((_, lab)) = mlab::lab::load(&library, catalog(), &path.to_string_lossy()) {
        if let Err(e) = render_lab(&Provisioners::builtin(), &lab) {
            panic!("a lab that validates does not render: {e}");
        }
    }
}

/// The built-in labs that `render_values` picks from by its first byte.
fn builtin_labs() -> &'static [ResolvedLab] {
    static LABS: OnceLock<Vec<ResolvedLab>> = OnceLock::new();
    LABS.get_or_init(|| {
        LabLibrary::builtin_names()
            .iter()
            .map(|name| match mlab::lab::load(&LabLibrary { user_dir: None }, catalog(), name) {
                Ok((_, lab)) => lab,
                Err(d) => panic!("built-in lab {name} does not load:\n{d}"),
            })
            .collect()
    })
}

/// The first byte picks a built-in lab; the rest, split at 0xFF bytes (never part of UTF-8),
/// gives the description, the Mesos cluster name, the Spark framework name and a part of
/// every artifact's file name, set past validation. Rendering may refuse a value (a filter
/// has no safe form for it), but must not panic, and every JSON file it writes must parse.
pub fn render_values(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let labs = builtin_labs();
    let mut lab = labs[usize::from(pick) % labs.len()].clone();
    let mut values = rest.split(|&b| b == 0xFF).map(|v| String::from_utf8_lossy(v).into_owned());
    lab.description = values.next().unwrap_or_default();
    if let Some(cluster) = values.next() {
        lab.mesos.cluster = cluster;
    }
    if let (Some(spark), Some(name)) = (lab.spark.as_mut(), values.next()) {
        spark.framework_name = name;
    }
    if let Some(part) = values.next() {
        for artifact in lab.artifacts.values_mut() {
            if let Some(file) = &artifact.file_name {
                artifact.file_name = Some(format!("{part}{file}"));
                artifact.sha256.get_or_insert_with(|| "0".repeat(64));
            }
        }
    }
    let Ok(nodes) = render_lab(&Provisioners::builtin(), &lab) else { return };
    for file in nodes.iter().flat_map(|n| &n.files) {
        if file.path.ends_with(".json") {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&file.content) {
                panic!("{} is not JSON ({e}):\n{}", file.path, file.content);
            }
        }
    }
}
