//! `mlab artifact list|fetch|build|import`: the software Debian does not ship, obtained once on
//! this host, verified and cached, then staged into labs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use mlab::artifacts::{self, Artifact, ArtifactCache, Availability, Obtain};
use mlab::boxes::Progress;
use serde::Serialize;

use crate::cli::{Context, Failure, print_json, table};

/// Artifacts (Mesos, Mesos-DNS, ...): list them, fetch, build or import them into this host's cache
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ArtifactCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ArtifactCommand {
    /// Every catalog artifact: version, how it is obtained, checksum, whether it is here, who uses it
    List {
        /// Only what this lab needs (a lab name or a lab file)
        #[arg(long)]
        lab: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Download (or copy) artifacts into the cache, verified against their pinned checksums
    Fetch {
        /// Artifacts to fetch (with --lab: what that lab needs, build inputs included)
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        lab: Option<String>,
    },
    /// Build artifacts that only a build makes (mesos, mesos-dns) in a Debian 12 build root; needs root
    Build {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Write what a lab stages into one bundle file (for hosts with no network)
    Export {
        #[arg(long)]
        lab: String,
        file: PathBuf,
    },
    /// Add files (or every file of a directory) whose checksum a catalog artifact pins, or a bundle made by `export`
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also recognise the artifacts this lab's own `artifacts:` section pins
        #[arg(long)]
        lab: Option<String>,
    },
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    name: &'a str,
    version: Option<&'a str>,
    obtain: &'a Obtain,
    source: Option<&'a str>,
    sha256: Option<&'a str>,
    /// The SHA-512 pin, for sources that publish only that (the SHA-256 is known once cached).
    #[serde(skip_serializing_if = "Option::is_none")]
    sha512: Option<&'a str>,
    file: Option<&'a str>,
    size: Option<u64>,
    cached: bool,
    /// Why it cannot be staged yet and what to run, when it cannot.
    status: String,
    roles: Vec<String>,
    labs: Vec<String>,
    inputs: &'a [String],
}

type Artifacts = BTreeMap<String, Artifact>;

/// Every artifact: the catalog (with a lab's overrides when a lab is named), and with a lab
/// what that lab stages.
fn artifacts_for(ctx: &Context, lab: Option<&str>) -> Result<(Artifacts, Option<Artifacts>), Failure> {
    let catalog = ctx.catalog()?;
    match lab {
        None => Ok((catalog.artifacts(), None)),
        Some(reference) => {
            let (composed, resolved) = ctx.load_lab(reference)?;
            Ok((catalog.merged_with(&composed.lab.artifacts), Some(resolved.artifacts)))
        }
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let cache = ArtifactCache::default_location();
    let provisioners = ctx.provisioners();
    let progress = Progress::for_stderr();
    let fail = |e: artifacts::ArtifactError| Failure::Other(e.into());
    match args.command {
        ArtifactCommand::List { lab, json } => {
            let (all, needed) = artifacts_for(ctx, lab.as_deref())?;
            let shown = needed.unwrap_or_else(|| all.clone());
            let available = artifacts::availability(&cache, &provisioners, &shown, &all);
            // Which built-in and local labs stage each artifact.
            let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let local = ctx.library.local_names();
            for name in mlab::lab::LabLibrary::builtin_names().into_iter().chain(local) {
                if let Ok((_, resolved)) = ctx.load_lab(&name) {
                    for artifact in resolved.artifacts.keys() {
                        users.entry(artifact.clone()).or_default().push(name.clone());
                    }
                }
            }
            let rows: Vec<Row> = shown
                .values()
                .map(|a| {
                    let state = &available[&a.name];
                    let ready = match state {
                        Availability::Ready(file) => Some(file),
                        _ => None,
                    };
                    Row {
                        name: &a.name,
                        version: a.version.as_deref(),
                        obtain: &a.obtain,
                        source: a.source.as_deref(),
                        sha256: ready.map(|f| f.sha256.as_str()).or(a.sha256.as_deref()),
                        sha512: a.sha512.as_deref(),
                        file: ready.map(|f| f.file_name.as_str()).or(a.file_name.as_deref()),
                        size: ready.map(|f| f.size),
                        cached: ready.is_some(),
                        status: state.reason().unwrap_or_else(|| "cached".into()),
                        roles: a.roles.iter().map(|r| r.to_string()).collect(),
                        labs: users.get(&a.name).cloned().unwrap_or_default(),
                        inputs: &a.inputs,
                    }
                })
                .collect();
            if json {
                print_json(&rows)?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut t = table(&["ARTIFACT", "VERSION", "HOW", "SIZE", "STATE", "USED BY"]);
            let mut todo = Vec::new();
            for r in &rows {
                let how = match r.obtain {
                    Obtain::Fetch => "fetch".to_string(),
                    Obtain::Import => "import".to_string(),
                    Obtain::Build { recipe } => format!("build ({recipe})"),
                    Obtain::Unavailable { .. } => "not available".to_string(),
                };
                let used_by = if r.roles.is_empty() { "input of a build".to_string() } else { format!("{} ({})", r.roles.join(", "), r.labs.join(", ")) };
                let state = match (&available[r.name], r.obtain) {
                    (Availability::Ready(_), _) => "cached",
                    (Availability::Unavailable(_), _) => "not available",
                    (Availability::Missing { .. }, Obtain::Build { .. }) => "not built",
                    (Availability::Missing { .. }, _) if r.sha256.is_none() && r.sha512.is_none() => "not pinned",
                    (Availability::Missing { .. }, Obtain::Import) => "to import",
                    (Availability::Missing { .. }, _) => "not fetched",
                };
                if let Availability::Missing { .. } = &available[r.name] {
                    todo.push(format!("  {}: {}", r.name, r.status));
                }
                t.add_row([
                    r.name.to_string(),
                    r.version.unwrap_or("").to_string(),
                    how,
                    r.size.map(|s| format!("{:.1} MiB", s as f64 / 1048576.0)).unwrap_or_default(),
                    state.to_string(),
                    used_by,
                ]);
            }
            println!("{t}");
            if !todo.is_empty() {
                println!("to get what is missing:\n{}", todo.join("\n"));
            }
            println!("cache: {}", cache.dir.display());
        }
        ArtifactCommand::Fetch { names, lab } => {
            let (all, needed) = artifacts_for(ctx, lab.as_deref())?;
            let wanted: Vec<String> = match needed {
                Some(needed) => needed.values().filter(|a| a.obtain == Obtain::Fetch).map(|a| a.name.clone()).collect(),
                None if names.is_empty() => {
                    return Err(anyhow::anyhow!("name the artifacts to fetch, or `--lab LAB` for what a lab needs (`mlab artifact list` shows them)").into());
                }
                None => names,
            };
            for name in &wanted {
                let file = artifacts::obtain(&cache, &provisioners, &all, name, false, progress).map_err(fail)?;
                println!("{name}: {} ({})", file.path.display(), file.sha256);
            }
        }
        ArtifactCommand::Build { names } => {
            let (all, _) = artifacts_for(ctx, None)?;
            for name in &names {
                let file = artifacts::obtain(&cache, &provisioners, &all, name, true, progress).map_err(fail)?;
                println!("{name}: {} ({})", file.path.display(), file.sha256);
            }
        }
        ArtifactCommand::Export { lab, file } => {
            let (_, needed) = artifacts_for(ctx, Some(&lab))?;
            let written = artifacts::bundle::export(&cache, &provisioners, &needed.unwrap_or_default(), &file).map_err(fail)?;
            println!("{}: {}", file.display(), written.join(", "));
        }
        ArtifactCommand::Import { paths, lab } => {
            let (all, _) = artifacts_for(ctx, lab.as_deref())?;
            let mut any = false;
            for path in &paths {
                for (name, file) in artifacts::import(&cache, &all, path).map_err(fail)? {
                    any = true;
                    println!("{name}: {} ({})", file.path.display(), file.sha256);
                }
            }
            if !any {
                return Err(anyhow::anyhow!("no file there has the checksum of a catalog artifact (`mlab artifact list --json` shows the pinned ones)").into());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
