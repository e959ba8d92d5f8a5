//! `mlab box add NAME SOURCE [--sha256 H]`: a box from a downloaded or local disk image.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use tracing::{info, warn};

use super::digest::{copy_hashing, parse_sha256, sha256_file};
use super::error::{BoxError, Result};
use super::progress::Progress;
use super::store::{BoxStore, now_rfc3339, write_meta};
use super::tools::{convert_to_qcow2, qemu_img_info};
use super::{BoxImage, BoxMeta};

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Url(String),
    File(PathBuf),
}

impl Source {
    pub fn parse(text: &str) -> Result<Source> {
        if text.starts_with("http://") || text.starts_with("https://") {
            return Ok(Source::Url(text.to_string()));
        }
        let path = Path::new(text);
        if path.is_file() {
            return Ok(Source::File(path.to_path_buf()));
        }
        Err(BoxError::BadSource(text.to_string()))
    }
}

impl BoxStore {
    /// Add the box `name` from `source` (an http(s) URL or a local file). The image is
    /// streamed into a working directory inside the store while its sha256 is computed;
    /// a URL needs `sha256`; if it is given and differs, or anything else fails, nothing is kept.
    /// qcow2 images are stored as they are; raw images are converted to qcow2.
    /// The download runs in the host's network namespace, never in the labs'.
    pub fn add(&self, name: &str, source: &str, sha256: Option<&str>, progress: Progress) -> Result<BoxImage> {
        crate::netns::from_host(|| self.add_here(name, source, sha256, progress)).map_err(BoxError::HostNetwork)?
    }

    fn add_here(&self, name: &str, source: &str, sha256: Option<&str>, progress: Progress) -> Result<BoxImage> {
        if self.contains(name) {
            return Err(BoxError::AlreadyExists(name.to_string()));
        }
        self.box_dir(name)?;
        let expected = sha256.map(|given| parse_sha256(given).ok_or_else(|| BoxError::BadChecksum(given.to_string()))).transpose()?;
        let parsed = Source::parse(source)?;
        // A download, plain http included, is only as good as the checksum it is checked
        // against; a local file is the user's own, and its sha256 is logged.
        if matches!(parsed, Source::Url(_)) && expected.is_none() {
            return Err(BoxError::ChecksumRequired(source.to_string()));
        }

        // Dropping `work` on any early return deletes everything fetched so far.
        let work = self.work_dir(name, "add")?;
        let fetched = work.path().join("fetched");
        let actual = match &parsed {
            Source::Url(url) => download(url, &fetched, progress)?,
            Source::File(path) => copy_file(path, &fetched, progress)?,
        };
        match &expected {
            Some(expected) if *expected != actual => {
                return Err(BoxError::ChecksumMismatch { image: source.to_string(), expected: expected.clone(), actual });
            }
            Some(_) => info!(name, "sha256 verified"),
            None => warn!(name, sha256 = %actual, "no --sha256 given; image not verified"),
        }

        let assembled = work.path().join("box");
        std::fs::create_dir(&assembled).map_err(BoxError::io("cannot create", &assembled))?;
        let disk = assembled.join("disk.qcow2");
        let info = qemu_img_info(&fetched)?;
        info!(name, format = %info.format, virtual_size = info.virtual_size, "image inspected");
        if let Some(backing) = info.backing_filename {
            return Err(BoxError::HasBackingFile { path: PathBuf::from(source), backing });
        }
        let disk_sha256 = match info.format.as_str() {
            "qcow2" => {
                std::fs::rename(&fetched, &disk).map_err(BoxError::io("cannot move image to", &disk))?;
                actual
            }
            "raw" => {
                // qemu-img calls any file raw: a disk image must look like one.
                looks_like_a_disk(&fetched).map_err(|why| BoxError::NotADisk { path: PathBuf::from(source), why })?;
                let spinner = progress.spinner(format!("converting {name} from raw to qcow2"));
                convert_to_qcow2(&fetched, "raw", &disk)?;
                spinner.finish_and_clear();
                sha256_file(&disk).map_err(BoxError::io("cannot read", &disk))?
            }
            other => {
                return Err(BoxError::UnsupportedFormat { path: PathBuf::from(source), format: other.to_string() });
            }
        };

        let meta = BoxMeta {
            name: name.to_string(),
            source: source.to_string(),
            sha256: disk_sha256,
            cmdline: None,
            packages: Vec::new(),
            guest_setup: 0,
            created: now_rfc3339(),
        };
        // Hashed just now: stamped, so the first `up` need not hash it again.
        super::stamp_verified(&disk);
        write_meta(&assembled, &meta)?;
        let image = self.install(name, &assembled)?;
        info!(name, source, "box added");
        Ok(image)
    }
}

/// Stream `url` into `target`, returning the sha256 of the bytes received.
fn download(url: &str, target: &Path, progress: Progress) -> Result<String> {
    let download_error = |message: String| BoxError::Download { url: url.to_string(), message };
    let mut response = crate::outside::http_agent().get(url).call().map_err(|e| download_error(e.to_string()))?;
    let total = response.body().content_length();
    let bar = progress.bytes_bar(total, format!("downloading {}", file_name_of(url)));
    let mut reader = response.body_mut().as_reader();
    let mut file = BufWriter::new(File::create(target).map_err(BoxError::io("cannot create", target))?);
    let (received, hash) = copy_hashing(&mut reader, &mut file, |done| bar.set_position(done)).map_err(|e| download_error(e.to_string()))?;
    bar.finish_and_clear();
    if let Some(total) = total.filter(|total| *total != received) {
        return Err(download_error(format!("received {received} of {total} bytes")));
    }
    info!(url, bytes = received, "downloaded");
    Ok(hash)
}

/// Copy a local image into `target`, returning its sha256.
fn copy_file(path: &Path, target: &Path, progress: Progress) -> Result<String> {
    let mut input = File::open(path).map_err(BoxError::io("cannot open", path))?;
    let total = input.metadata().ok().map(|meta| meta.len());
    let bar = progress.bytes_bar(total, format!("copying {}", path.display()));
    let mut output = BufWriter::new(File::create(target).map_err(BoxError::io("cannot create", target))?);
    let (_, hash) = copy_hashing(&mut input as &mut dyn Read, &mut output, |done| bar.set_position(done)).map_err(BoxError::io("cannot copy", path))?;
    bar.finish_and_clear();
    Ok(hash)
}

fn file_name_of(url: &str) -> &str {
    url.rsplit('/').find(|part| !part.is_empty()).unwrap_or(url)
}

/// Whether a raw file is a disk image: at least 1 MiB, whole 512-byte sectors, and a partition
/// table (the MBR or protective-MBR signature) or an ext2/3/4 file system at its start. A text
/// file someone named `.qcow2` is none of these.
fn looks_like_a_disk(path: &std::path::Path) -> std::result::Result<(), String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    if size < 1 << 20 || size % 512 != 0 {
        return Err(format!("raw file of {size} bytes, which is no disk image (not whole sectors of at least 1 MiB)"));
    }
    let mut head = [0u8; 2048];
    file.seek(SeekFrom::Start(0)).and_then(|_| file.read_exact(&mut head)).map_err(|e| e.to_string())?;
    let mbr = head[510] == 0x55 && head[511] == 0xAA;
    let ext = head[1024 + 56] == 0x53 && head[1024 + 57] == 0xEF;
    if mbr || ext { Ok(()) } else { Err("raw file with no partition table or file system, which is no disk image".into()) }
}
