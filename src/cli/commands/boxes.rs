//! `mlab box list|add|remove|build`: the base images labs are cloned from.

use std::process::ExitCode;

use mlab::boxes::{BoxStore, BuildOptions, Progress};

use crate::cli::{Context, Failure, confirm, print_json, table};

/// Manage boxes (base images): list, add a cloud image, build one from Debian packages, remove
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: BoxCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum BoxCommand {
    /// List the boxes on this host
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Add a box from a qcow2 cloud image: an http(s) URL or a local file (verified, cached once)
    Add {
        name: String,
        source: String,
        /// Expected SHA-256 of the image (required for a URL); on a mismatch nothing is kept
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Build a Debian 12 box from Debian packages alone (debootstrap; needs root)
    Build {
        #[arg(default_value = "debian-12")]
        name: String,
        /// Debian mirror to build from
        #[arg(long)]
        mirror: Option<String>,
        /// Debian package to bake in (repeatable), e.g. --package zookeeperd; default: what the
        /// built-in labs run (ZooKeeper, Docker, nginx, Mesos's runtime libraries, curl, dig)
        #[arg(long = "package", value_name = "PACKAGE")]
        packages: Vec<String>,
    },
    /// Remove a box (labs already created from it keep working only while their disks exist)
    Remove {
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

pub fn run(_ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let store = BoxStore::open_default();
    let progress = Progress::for_stderr();
    let fail = |e: mlab::boxes::BoxError| Failure::Other(e.into());
    match args.command {
        BoxCommand::List { json } => {
            let boxes = store.list().map_err(fail)?;
            if json {
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
        }
        BoxCommand::Add { name, source, sha256 } => {
            let image = store.add(&name, &source, sha256.as_deref(), progress).map_err(fail)?;
            println!("added box {name} (sha256 {})", image.meta.sha256);
        }
        BoxCommand::Build { name, mirror, packages } => {
            let packages = if packages.is_empty() { mlab::boxes::LAB_PACKAGES.iter().map(|p| p.to_string()).collect() } else { packages };
            let mut options = BuildOptions { packages, ..BuildOptions::default() };
            if let Some(mirror) = mirror {
                options.mirror = mirror;
            }
            let image = store.build(&name, &options, progress).map_err(fail)?;
            println!("built box {name} in {}", image.dir.display());
        }
        BoxCommand::Remove { name, yes } => {
            if !confirm(yes, &format!("box `{name}` (its image)"))? {
                println!("kept box {name}");
                return Ok(ExitCode::SUCCESS);
            }
            store.remove(&name).map_err(fail)?;
            println!("removed box {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
