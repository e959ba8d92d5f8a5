//! `mlab artifact build NAME`: make an artifact that can only be built (Mesos, Mesos-DNS) with
//! its recipe, `provisioners/builds/RECIPE/recipe.yaml`: verified inputs copied in, steps run
//! in order inside the build root (a Debian 12 chroot, see [`super::buildroot`]), one file out.
//!
//! A build is keyed by the checksums of everything that decides its result: the recipe's
//! files, the build root's definition, the inputs and the version. A finished build is recorded
//! in the cache under that key, so asking again takes no time, and changing any of them builds
//! anew. A failed or interrupted build leaves nothing in the cache: the work area inside the
//! build root is removed before and after.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tracing::info;

use super::ArtifactError;
use super::buildroot::{BUILDROOT_FILE, BuildRoot};
use super::cache::{ArtifactCache, CachedFile};
use crate::boxes::Progress;
use crate::lab::catalog::{Artifact, Obtain};
use crate::provisioners::Provisioners;

/// A recipe, as `recipe.yaml` says it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Recipe {
    /// Catalog artifact -> the file name it gets under `$IN`.
    pub inputs: BTreeMap<String, String>,
    /// Other recipes whose scripts this one runs too (as `RECIPE/SCRIPT`): their files are
    /// copied in beside its own and count in its build key.
    #[serde(default)]
    pub uses: Vec<String>,
    /// Where the steps run: `build-root` (the default: the isolated Debian chroot, no network)
    /// or `host`, for recipes whose only work is resolving pinned packages from a registry
    /// through its own client (`mvn`), from the host's network; every file they take is then
    /// checked against the checksums the recipe carries.
    #[serde(default)]
    pub runs_in: RunsIn,
    steps: Vec<StepEntry>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunsIn {
    #[default]
    BuildRoot,
    Host,
}

/// One step as written: exactly one of its fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct StepEntry {
    run: Option<String>,
    mark_weak_version_needs: Option<WeakNeeds>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeakNeeds {
    file: String,
    prefixes: Vec<String>,
}

/// One step of a recipe.
#[derive(Debug, Clone, PartialEq)]
pub enum RecipeStep {
    /// Run a script of the recipe with bash inside the build root.
    Run(String),
    /// Mark version needs of a shared library in `$STAGE` weak (see [`super::elf`]).
    MarkWeakVersionNeeds { file: String, prefixes: Vec<String> },
}

impl Recipe {
    pub fn steps(&self) -> Result<Vec<RecipeStep>, String> {
        self.steps
            .iter()
            .enumerate()
            .map(|(n, step)| match (&step.run, &step.mark_weak_version_needs) {
                (Some(script), None) => Ok(RecipeStep::Run(script.clone())),
                (None, Some(weak)) => Ok(RecipeStep::MarkWeakVersionNeeds { file: weak.file.clone(), prefixes: weak.prefixes.clone() }),
                _ => Err(format!("steps[{n}] must have exactly one of `run` and `mark-weak-version-needs`")),
            })
            .collect()
    }
}

fn recipe_dir(recipe: &str) -> String {
    format!("builds/{recipe}")
}

/// Load the recipe `recipe` from the provisioners set.
pub fn load_recipe(provisioners: &Provisioners, recipe: &str) -> Result<Recipe, ArtifactError> {
    let file = format!("{}/recipe.yaml", recipe_dir(recipe));
    let text = provisioners.read(&file).map_err(|e| ArtifactError::Recipe { recipe: recipe.into(), why: e.to_string() })?;
    let text = text.ok_or_else(|| ArtifactError::Recipe { recipe: recipe.into(), why: format!("there is no {file}") })?;
    let parsed: Recipe =
        serde_yaml_ng::from_str(&text).map_err(|e| ArtifactError::Recipe { recipe: recipe.into(), why: format!("{}: {e}", provisioners.origin(&file)) })?;
    parsed.steps().map_err(|why| ArtifactError::Recipe { recipe: recipe.into(), why: format!("{}: {why}", provisioners.origin(&file)) })?;
    Ok(parsed)
}

/// The key of a build: sha256 over the recipe's files, the build root's definition, the
/// version and the inputs' checksums.
pub fn build_key(provisioners: &Provisioners, artifact: &Artifact, all: &BTreeMap<String, Artifact>) -> Result<String, ArtifactError> {
    let Obtain::Build { recipe } = &artifact.obtain else { return Err(ArtifactError::NotBuilt(artifact.name.clone())) };
    let mut hasher = Sha256::new();
    let mut feed = |label: &str, bytes: &[u8]| {
        hasher.update(format!("{label} {}\n", bytes.len()).as_bytes());
        hasher.update(bytes);
    };
    feed("mlab-build", b"1");
    feed("version", artifact.version.as_deref().unwrap_or_default().as_bytes());
    let loaded = load_recipe(provisioners, recipe)?;
    let in_root = loaded.runs_in == RunsIn::BuildRoot;
    let prefixes: Vec<String> = std::iter::once(recipe).chain(&loaded.uses).map(|r| format!("{}/", recipe_dir(r))).collect();
    for file in provisioners.files().iter().filter(|f| prefixes.iter().any(|p| f.starts_with(p)) || (in_root && f.as_str() == BUILDROOT_FILE)) {
        let text = provisioners.read(file).map_err(|e| ArtifactError::Recipe { recipe: recipe.clone(), why: e.to_string() })?.unwrap_or_default();
        feed(file, text.as_bytes());
    }
    for input in &artifact.inputs {
        let sum = all.get(input).and_then(|a| a.sha256.clone()).ok_or_else(|| ArtifactError::Unpinned { name: input.clone(), source_hint: String::new() })?;
        feed(input, sum.as_bytes());
    }
    Ok(hex::encode(hasher.finalize())[..16].to_string())
}

/// Build keys of every built artifact in `all` (for availability checks).
pub fn build_keys(provisioners: &Provisioners, all: &BTreeMap<String, Artifact>) -> BTreeMap<String, String> {
    all.values().filter_map(|a| build_key(provisioners, a, all).ok().map(|k| (a.name.clone(), k))).collect()
}

/// Build `artifact` unless the cache has this exact build already. Inputs must be in the cache
/// (fetched or imported) or fetchable; the caller fetches them first.
pub fn build(
    cache: &ArtifactCache,
    provisioners: &Provisioners,
    artifact: &Artifact,
    inputs: &BTreeMap<String, CachedFile>,
    progress: Progress,
    all: &BTreeMap<String, Artifact>,
) -> Result<CachedFile, ArtifactError> {
    let Obtain::Build { recipe: recipe_name } = &artifact.obtain else { return Err(ArtifactError::NotBuilt(artifact.name.clone())) };
    let key = build_key(provisioners, artifact, all)?;
    if let Some(done) = cache.built(&artifact.name, &key) {
        progress.note(format!("{}: already built ({})", artifact.name, done.file_name));
        return Ok(done);
    }
    let recipe = load_recipe(provisioners, recipe_name)?;
    let began = Instant::now();
    let place = match recipe.runs_in {
        RunsIn::BuildRoot => Place::Root(BuildRoot::ensure(cache, provisioners, progress)?),
        RunsIn::Host => Place::Host { area: cache.dir.join("work").join(&artifact.name), caches: cache.dir.clone() },
    };
    let _busy = match &place {
        Place::Root(root) => Some(root.lock()?),
        Place::Host { .. } => None,
    };
    let area = place.area();
    // Whatever an earlier, interrupted build left.
    remove_dir(&area)?;
    let result = run_recipe(cache, provisioners, artifact, recipe_name, &recipe, inputs, &place, &key, progress);
    let cleanup = remove_dir(&area);
    let made = result?;
    cleanup?;
    let seconds = began.elapsed().as_secs_f64();
    cache.record_built(&artifact.name, &key, &made, seconds)?;
    info!(artifact = %artifact.name, file = %made.file_name, seconds, "built");
    progress.note(format!("{}: built {} in {:.0} s", artifact.name, made.file_name, seconds));
    Ok(made)
}

#[allow(clippy::too_many_arguments)]
fn run_recipe(
    cache: &ArtifactCache,
    provisioners: &Provisioners,
    artifact: &Artifact,
    recipe_name: &str,
    recipe: &Recipe,
    inputs: &BTreeMap<String, CachedFile>,
    place: &Place,
    key: &str,
    progress: Progress,
) -> Result<CachedFile, ArtifactError> {
    let area = place.area();
    let (dir_in, dir_stage, dir_out, dir_recipe) = (area.join("in"), area.join("stage"), area.join("out"), area.join("recipe"));
    for dir in [&dir_in, &dir_stage, &dir_out, &dir_recipe] {
        std::fs::create_dir_all(dir).map_err(|e| ArtifactError::io("create", dir, e))?;
    }
    for (input, file_name) in &recipe.inputs {
        let cached = inputs.get(input).ok_or_else(|| ArtifactError::MissingInput { build: artifact.name.clone(), input: input.clone() })?;
        let target = dir_in.join(file_name);
        std::fs::copy(&cached.path, &target).map_err(|e| ArtifactError::io("copy an input to", &target, e))?;
    }
    // The recipe's own files at /mlab/recipe/, those of the recipes it uses at /mlab/recipe/NAME/.
    let copies = std::iter::once((recipe_name, dir_recipe.clone())).chain(recipe.uses.iter().map(|r| (r.as_str(), dir_recipe.join(r))));
    for (name, into) in copies {
        let prefix = format!("{}/", recipe_dir(name));
        for file in provisioners.files().iter().filter(|f| f.starts_with(&prefix)) {
            let text = provisioners.read(file).map_err(|e| ArtifactError::Recipe { recipe: recipe_name.into(), why: e.to_string() })?.unwrap_or_default();
            let target = into.join(&file[prefix.len()..]);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| ArtifactError::io("create", parent, e))?;
            }
            std::fs::write(&target, text.as_bytes()).map_err(|e| ArtifactError::io("write", &target, e))?;
        }
    }

    let log_path = cache.logs_dir().join(format!("{}-{key}.log", artifact.name));
    std::fs::create_dir_all(cache.logs_dir()).map_err(|e| ArtifactError::io("create", &cache.logs_dir(), e))?;
    let mut log = std::fs::File::create(&log_path).map_err(|e| ArtifactError::io("create", &log_path, e))?;
    let spinner = progress.spinner(format!("{}: building (recipe {recipe_name})", artifact.name));
    let steps = recipe.steps().map_err(|why| ArtifactError::Recipe { recipe: recipe_name.into(), why })?;
    for (n, step) in steps.iter().enumerate() {
        match step {
            RecipeStep::Run(script) => {
                let _ = writeln!(log, "== step {}: {script}", n + 1);
                let mut child = place
                    .command(script, n + 1, artifact.version.as_deref().unwrap_or_default())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| ArtifactError::io("start the build in", &area, e))?;
                // Both streams go to the log; lines the scripts mark (`NAME: ...`) become the
                // spinner's message, and plain lines off a terminal.
                let stderr = child.stderr.take();
                let err_log = log.try_clone().map_err(|e| ArtifactError::io("write", &log_path, e))?;
                let err_thread = std::thread::spawn(move || {
                    let mut err_log = err_log;
                    if let Some(stderr) = stderr {
                        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                            let _ = writeln!(err_log, "{line}");
                        }
                    }
                });
                if let Some(stdout) = child.stdout.take() {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        let _ = writeln!(log, "{line}");
                        if let Some((_, message)) = line.split_once("-build: ").or_else(|| line.split_once("prepare-lib: ")) {
                            spinner.set_message(format!("{}: {message}", artifact.name));
                            progress.note(format!("{}: {message}", artifact.name));
                        }
                    }
                }
                let _ = err_thread.join();
                let status = child.wait().map_err(|e| ArtifactError::io("wait for the build in", &area, e))?;
                if !status.success() {
                    spinner.finish_and_clear();
                    return Err(ArtifactError::BuildFailed {
                        name: artifact.name.clone(),
                        step: script.clone(),
                        status: status.to_string(),
                        tail: tail_of(&log_path, 25),
                        log: log_path,
                    });
                }
            }
            RecipeStep::MarkWeakVersionNeeds { file, prefixes } => {
                let path = dir_stage.join(file);
                let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
                let marked = super::elf::mark_version_needs_weak(&path, &prefixes).map_err(|e| ArtifactError::BuildFailed {
                    name: artifact.name.clone(),
                    step: format!("mark-weak-version-needs {file}"),
                    status: e.to_string(),
                    tail: String::new(),
                    log: log_path.clone(),
                })?;
                let _ = writeln!(log, "== step {}: marked weak in {file}: {}", n + 1, marked.join(", "));
            }
        }
    }
    spinner.finish_and_clear();
    let made: Vec<PathBuf> = std::fs::read_dir(&dir_out)
        .map_err(|e| ArtifactError::io("read", &dir_out, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    let [file] = made.as_slice() else {
        return Err(ArtifactError::BuildFailed {
            name: artifact.name.clone(),
            step: "output".into(),
            status: format!("the recipe left {} files in $OUT, not one", made.len()),
            tail: String::new(),
            log: log_path,
        });
    };
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    cache.store_file(file, &file_name, None)
}

/// Where a recipe's steps run.
enum Place {
    Root(BuildRoot),
    /// On the host, in a work area of the cache; Maven's local repository (`maven/`) and the
    /// other build tools' caches (`tools/`: sbt's) are kept in the cache too, so a rebuild
    /// downloads nothing.
    Host {
        area: PathBuf,
        caches: PathBuf,
    },
}

impl Place {
    /// The work area: `in/`, `stage/`, `out/`, `recipe/` and `work/N/`.
    fn area(&self) -> PathBuf {
        match self {
            Place::Root(root) => root.work_area(),
            Place::Host { area, .. } => area.clone(),
        }
    }

    /// `bash SCRIPT` for step `n`, with the recipe's environment: IN, STAGE, OUT, WORK,
    /// VERSION, JOBS (and MAVEN_REPO and TOOL_CACHE on the host).
    fn command(&self, script: &str, n: usize, version: &str) -> std::process::Command {
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).to_string();
        let (base, extra) = match self {
            Place::Root(_) => (PathBuf::from("/mlab"), Vec::new()),
            Place::Host { area, caches } => {
                (area.clone(), vec![("MAVEN_REPO", caches.join("maven").display().to_string()), ("TOOL_CACHE", caches.join("tools").display().to_string())])
            }
        };
        let dir = |name: &str| base.join(name).display().to_string();
        let mut env = vec![
            ("IN", dir("in")),
            ("STAGE", dir("stage")),
            ("OUT", dir("out")),
            ("WORK", base.join("work").join(n.to_string()).display().to_string()),
            ("VERSION", version.to_string()),
            ("JOBS", jobs),
        ];
        env.extend(extra);
        let script = base.join("recipe").join(script).display().to_string();
        match self {
            Place::Root(root) => root.command(&script, &env),
            Place::Host { .. } => {
                let mut command = std::process::Command::new("bash");
                command.arg(script).envs(env).stdin(Stdio::null());
                command
            }
        }
    }
}

fn remove_dir(dir: &Path) -> Result<(), ArtifactError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ArtifactError::io("remove", dir, e)),
    }
}

/// The last lines of a build log, indented under the error that quotes them.
fn tail_of(path: &Path, lines: usize) -> String {
    let text = crate::boxes::tools::tail(&std::fs::read_to_string(path).unwrap_or_default(), lines);
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> BTreeMap<String, Artifact> {
        let text = include_str!("../../provisioners/artifacts.yaml");
        crate::lab::Catalog::parse("artifacts.yaml", text).unwrap().artifacts()
    }

    #[test]
    fn builtin_recipes_parse_and_name_catalog_inputs() {
        let provisioners = Provisioners::builtin();
        let all = catalog();
        for artifact in all.values() {
            if let Obtain::Build { recipe } = &artifact.obtain {
                let parsed = load_recipe(&provisioners, recipe).unwrap();
                let mut named: Vec<&String> = parsed.inputs.keys().collect();
                let mut declared: Vec<&String> = artifact.inputs.iter().collect();
                named.sort();
                declared.sort();
                assert_eq!(named, declared, "recipe {recipe} and catalog entry {} agree on inputs", artifact.name);
                for step in parsed.steps().unwrap() {
                    if let RecipeStep::Run(script) = &step {
                        // `RECIPE/SCRIPT` runs a script of a recipe this one uses.
                        let path = match script.split_once('/') {
                            Some((used, rest)) if parsed.uses.iter().any(|u| u == used) => format!("builds/{used}/{rest}"),
                            _ => format!("builds/{recipe}/{script}"),
                        };
                        assert!(provisioners.read(&path).unwrap().is_some(), "{recipe}: {script} exists");
                    }
                }
            }
        }
    }

    #[test]
    fn the_key_changes_with_an_input_or_the_recipe() {
        let provisioners = Provisioners::builtin();
        let all = catalog();
        let mesos = &all["mesos"];
        let key = build_key(&provisioners, mesos, &all).unwrap();
        assert_eq!(key, build_key(&provisioners, mesos, &all).unwrap(), "stable");
        let mut other = all.clone();
        other.get_mut("mesos-src").unwrap().sha256 = Some("0".repeat(64));
        assert_ne!(key, build_key(&provisioners, mesos, &other).unwrap());

        let overlay = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(overlay.path().join("builds/mesos")).unwrap();
        std::fs::write(overlay.path().join("builds/mesos/build.sh"), "#!/bin/bash\necho changed\n").unwrap();
        assert_ne!(key, build_key(&Provisioners::with_override(overlay.path()), mesos, &all).unwrap());

        // A recipe that uses another's scripts is rebuilt when they change.
        let jni = &all["mesos-java"];
        let jni_key = build_key(&provisioners, jni, &all).unwrap();
        let used = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(used.path().join("builds/mesos")).unwrap();
        std::fs::write(used.path().join("builds/mesos/headers.sh"), "#!/bin/bash\necho changed\n").unwrap();
        assert_ne!(jni_key, build_key(&Provisioners::with_override(used.path()), jni, &all).unwrap());
    }
}
