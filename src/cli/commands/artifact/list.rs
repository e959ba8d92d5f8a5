//! `mlab artifact list [--lab LAB]`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use mlab::artifacts::{ArtifactCache, listing};

use crate::cli::{Context, Failure, print_json, table};

/// Every catalog artifact: version, how it is obtained, checksum, whether it is here, who uses it
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only what this lab needs (a lab name or a lab file)
    #[arg(long)]
    lab: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let cache = ArtifactCache::default_location();
    let (all, needed) = super::artifacts_for(ctx, args.lab.as_deref())?;
    // Which built-in and local labs stage each artifact.
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in mlab::lab::LabLibrary::builtin_names().into_iter().chain(ctx.library.local_names()) {
        for artifact in ctx.load_lab(&name).map(|(_, lab)| lab.artifacts.into_keys().collect()).unwrap_or_else(|_| Vec::new()) {
            users.entry(artifact).or_default().push(name.clone());
        }
    }
    let rows = listing::rows(&cache, &ctx.provisioners(), needed.as_ref().unwrap_or(&all), &all, &users);
    if args.json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = table(&["ARTIFACT", "VERSION", "HOW", "SIZE", "STATE", "USED BY"]);
    for r in &rows {
        let used_by = if r.roles.is_empty() { "input of a build".to_string() } else { format!("{} ({})", r.roles.join(", "), r.labs.join(", ")) };
        let size = r.size.map(|s| format!("{:.1} MiB", s as f64 / 1048576.0)).unwrap_or_default();
        t.add_row([r.name.clone(), r.version.clone().unwrap_or_default(), r.how(), size, r.state.to_string(), used_by]);
    }
    println!("{t}");
    let todo: Vec<String> = rows.iter().filter(|r| r.missing).map(|r| format!("  {}: {}", r.name, r.status)).collect();
    if !todo.is_empty() {
        println!("to get what is missing:\n{}", todo.join("\n"));
    }
    println!("cache: {}", cache.dir.display());
    Ok(ExitCode::SUCCESS)
}
