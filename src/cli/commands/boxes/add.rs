//! `mlab box add NAME SOURCE [--sha256 H]`.

use mlab::boxes::{BoxStore, Progress};

use crate::cli::Failure;

/// Add a box from a qcow2 cloud image: an http(s) URL or a local file (verified, cached once)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_parser = crate::cli::names::plain)]
    name: String,
    source: String,
    /// Expected SHA-256 of the image (required for a URL); on a mismatch nothing is kept
    #[arg(long)]
    sha256: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let image = BoxStore::open_default().add(&args.name, &args.source, args.sha256.as_deref(), Progress::for_stderr()).map_err(super::failure)?;
    println!("added box {} (sha256 {})", args.name, image.meta.sha256);
    Ok(())
}
