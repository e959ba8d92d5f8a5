//! `mlab labs`: the built-in and local labs.

use std::process::ExitCode;

use mlab::lab::library::{LabKind, LabRow};

use crate::cli::{Context, Failure, print_json, table};

/// List the built-in labs and your own (in $MLAB_LABS_DIR or ~/.config/mlab/labs)
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let local = ctx.library.local_names();
    let mut rows = Vec::new();
    let builtin = mlab::lab::LabLibrary::builtin_names().into_iter().filter(|n| !local.contains(n));
    for (name, kind) in builtin.map(|n| (n, LabKind::Builtin)).chain(local.iter().cloned().map(|n| (n, LabKind::Local))) {
        let loaded = ctx.load_lab(&name).ok();
        rows.push(LabRow::new(name, kind, loaded));
    }
    if args.json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = table(&["LAB", "KIND", "NODES", "DESCRIPTION"]);
    for r in &rows {
        let kind = match r.kind {
            LabKind::Builtin => "built-in",
            LabKind::Local => "local",
            LabKind::File => "file",
        };
        let nodes = match (r.nodes, r.started_by_up) {
            (Some(n), Some(up)) if n != up => format!("{n} ({up} up)"),
            (Some(n), _) => n.to_string(),
            _ => "-".into(),
        };
        let description = r.error.clone().unwrap_or_else(|| r.description.clone());
        table.add_row([r.name.as_str(), kind, nodes.as_str(), description.as_str()]);
    }
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}
