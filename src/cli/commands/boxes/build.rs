//! `mlab box build [NAME] [--mirror M] [--package P]...`.

use mlab::boxes::{BoxStore, BuildOptions, Progress};

use crate::cli::Failure;

/// Build a Debian 12 box from Debian packages alone (debootstrap; needs root)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(default_value = "debian-12", value_parser = crate::cli::names::plain)]
    name: String,
    /// Debian mirror to build from
    #[arg(long)]
    mirror: Option<String>,
    /// Debian package to bake in (repeatable), e.g. --package zookeeperd; default: what the
    /// built-in labs run (ZooKeeper, Docker, nginx, Mesos's runtime libraries, curl, dig)
    #[arg(long = "package", value_name = "PACKAGE")]
    packages: Vec<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let options = BuildOptions::for_labs(args.packages, args.mirror);
    let image = BoxStore::open_default().build(&args.name, &options, Progress::for_stderr()).map_err(super::failure)?;
    println!("built box {} in {}", args.name, image.dir.display());
    Ok(())
}
