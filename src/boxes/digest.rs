//! sha256 of files and streams, computed while the bytes pass by.

use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Copy `reader` into `writer`, returning (bytes copied, lower-case hex sha256).
/// `on_progress` is called with the running byte count after each chunk.
pub fn copy_hashing(reader: &mut dyn Read, writer: &mut dyn Write, mut on_progress: impl FnMut(u64)) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read])?;
        total += read as u64;
        on_progress(total);
    }
    writer.flush()?;
    Ok((total, hex::encode(hasher.finalize())))
}

/// sha256 of a whole file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    copy_hashing(&mut file, &mut std::io::sink(), |_| {}).map(|(_, hash)| hash)
}

/// sha512 of a whole file (what Apache publishes beside its releases).
pub fn sha512_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha512::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What a check of a stored file against its recorded sha256 found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Intact,
    /// Its bytes are no longer what was stored: `actual` is their sha256.
    Changed {
        actual: String,
    },
}

/// Whether the stored file `path` still has the sha256 `expected`, cheaply: a file whose size,
/// modification time and inode match the stamp written beside it when it was last hashed
/// ([`stamp_verified`]) is trusted without reading it. Any other (changed in place, truncated,
/// or stored before stamps existed) is hashed again, and stamped if it matches.
pub fn check_stored(path: &Path, expected: &str) -> std::io::Result<Stored> {
    let meta = std::fs::metadata(path)?;
    if std::fs::read_to_string(stamp_path(path)).ok().as_deref() == Some(stamp_of(&meta).as_str()) {
        return Ok(Stored::Intact);
    }
    let actual = sha256_file(path)?;
    if actual != expected {
        return Ok(Stored::Changed { actual });
    }
    stamp_verified(path);
    Ok(Stored::Intact)
}

/// Record that `path`, as it is now, has just been hashed. Best effort: a store that cannot
/// be written to is hashed again next time.
pub fn stamp_verified(path: &Path) {
    let Ok(meta) = std::fs::metadata(path) else { return };
    let stamp = stamp_path(path);
    let Some(dir) = stamp.parent() else { return };
    let written = tempfile::NamedTempFile::new_in(dir).and_then(|mut temp| {
        temp.write_all(stamp_of(&meta).as_bytes())?;
        temp.persist(&stamp).map(|_| ()).map_err(|e| e.error)
    });
    if let Err(e) = written {
        tracing::debug!(path = %stamp.display(), error = %e, "could not write a verification stamp");
    }
}

/// Size, modification time and inode: what changes when a file is rewritten or replaced.
fn stamp_of(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{} {}.{:09} {}\n", meta.len(), meta.mtime(), meta.mtime_nsec(), meta.ino())
}

/// Beside the file, hidden: `.NAME.verified`.
fn stamp_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.verified"))
}

/// Normalise a user-given checksum (`sha256:` prefix allowed, any case); `None` if malformed.
pub fn parse_sha256(text: &str) -> Option<String> {
    let hex_part = text.trim().strip_prefix("sha256:").unwrap_or(text.trim()).to_ascii_lowercase();
    (hex_part.len() == 64 && hex_part.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex_part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_of_known_input() {
        let (len, hash) = copy_hashing(&mut &b"abc"[..], &mut Vec::new(), |_| {}).expect("in-memory copy");
        assert_eq!(len, 3);
        assert_eq!(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn checksum_parsing() {
        let good = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(parse_sha256(good).as_deref(), Some(good.to_ascii_lowercase().as_str()));
        assert!(parse_sha256(&format!("sha256:{good}")).is_some());
        assert_eq!(parse_sha256("abc"), None);
        assert_eq!(parse_sha256(&"g".repeat(64)), None);
    }
}
