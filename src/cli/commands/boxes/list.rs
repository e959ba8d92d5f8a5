//! `mlab box list`.

use mlab::boxes::BoxStore;

use crate::cli::{Failure, print_json, table};

/// List the boxes on this host
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let boxes = BoxStore::open_default().list().map_err(super::failure)?;
    if args.json {
        print_json(&boxes)?;
    } else if boxes.is_empty() {
        println!("no boxes yet; build the default one with `mlab box build` (as root)");
    } else {
        let mut t = table(&["BOX", "SIZE", "SOURCE", "PACKAGES", "CREATED"]);
        for b in &boxes {
            t.add_row([b.name.clone(), format!("{} MiB", b.size / (1024 * 1024)), b.source.clone(), b.packages.join(" "), b.created.clone()]);
        }
        println!("{t}");
    }
    Ok(())
}
