//! One ELF edit the Mesos build needs and patchelf cannot do: marking some version needs of a
//! shared library weak, so the dynamic loader accepts a library whose dependencies lack those
//! versions (libmesos names `OPENSSL_1.0.0`; Debian 12 ships OpenSSL 3). Weak needs are only
//! checked when a symbol is actually bound to them, and the OpenSSL calls are reached only
//! with SSL on, which mlab's labs leave off.

use std::path::Path;

/// `VER_FLG_WEAK` of `Elf64_Vernaux.vna_flags`.
const VER_FLG_WEAK: u16 = 0x2;

#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a 64-bit little-endian ELF file with a .gnu.version_r section ({why})")]
    Format { path: String, why: String },
}

/// Mark weak every version need of `path` whose version name starts with one of `prefixes`;
/// returns the names marked (already-weak ones included, so a second run reports the same).
pub fn mark_version_needs_weak(path: &Path, prefixes: &[&str]) -> Result<Vec<String>, ElfError> {
    let shown = path.display().to_string();
    let mut bytes = std::fs::read(path).map_err(|source| ElfError::Io { path: shown.clone(), source })?;
    let marked = mark_in(&mut bytes, prefixes).map_err(|why| ElfError::Format { path: shown.clone(), why })?;
    std::fs::write(path, &bytes).map_err(|source| ElfError::Io { path: shown, source })?;
    Ok(marked)
}

fn mark_in(b: &mut [u8], prefixes: &[&str]) -> Result<Vec<String>, String> {
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return Err("bad ELF header".into());
    }
    let shoff = read_u64(b, 0x28)? as usize;
    let shentsize = read_u16(b, 0x3A)? as usize;
    let shnum = read_u16(b, 0x3C)? as usize;
    let shstrndx = read_u16(b, 0x3E)? as usize;
    // (name offset, type, file offset, size, link) of each section header.
    let section = |i: usize| -> Result<(u32, u32, usize, usize, u32), String> {
        let at = shoff + i * shentsize;
        Ok((read_u32(b, at)?, read_u32(b, at + 4)?, read_u64(b, at + 0x18)? as usize, read_u64(b, at + 0x20)? as usize, read_u32(b, at + 0x28)?))
    };
    const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
    let names_at = section(shstrndx)?.2;
    let mut verneed = None;
    for i in 0..shnum {
        let s = section(i)?;
        if s.1 == SHT_GNU_VERNEED || c_str(b, names_at + s.0 as usize)? == ".gnu.version_r" {
            verneed = Some(s);
        }
    }
    let (_, _, mut at, _, link) = verneed.ok_or("no .gnu.version_r")?;
    let strings = section(link as usize)?.2;
    let mut marked = Vec::new();
    loop {
        // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
        let count = read_u16(b, at + 2)?;
        let mut aux = at + read_u32(b, at + 8)? as usize;
        for _ in 0..count {
            // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
            let name = c_str(b, strings + read_u32(b, aux + 8)? as usize)?;
            if prefixes.iter().any(|p| name.starts_with(p)) {
                let flags = read_u16(b, aux + 4)? | VER_FLG_WEAK;
                b[aux + 4..aux + 6].copy_from_slice(&flags.to_le_bytes());
                marked.push(name);
            }
            let next = read_u32(b, aux + 12)? as usize;
            if next == 0 {
                break;
            }
            aux += next;
        }
        let next = read_u32(b, at + 12)? as usize;
        if next == 0 {
            break;
        }
        at += next;
    }
    Ok(marked)
}

fn field<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], String> {
    b.get(at..at + N).and_then(|s| s.try_into().ok()).ok_or_else(|| format!("truncated at offset {at}"))
}
fn read_u16(b: &[u8], at: usize) -> Result<u16, String> {
    field(b, at).map(u16::from_le_bytes)
}
fn read_u32(b: &[u8], at: usize) -> Result<u32, String> {
    field(b, at).map(u32::from_le_bytes)
}
fn read_u64(b: &[u8], at: usize) -> Result<u64, String> {
    field(b, at).map(u64::from_le_bytes)
}
fn c_str(b: &[u8], at: usize) -> Result<String, String> {
    let rest = b.get(at..).ok_or_else(|| format!("string offset {at} out of range"))?;
    let end = rest.iter().position(|&c| c == 0).ok_or("unterminated string")?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's own libssl names its libc version needs: a real ELF to edit in a copy.
    fn copy_of_a_system_library(dir: &Path) -> Option<std::path::PathBuf> {
        let candidates = ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"];
        let found = candidates.iter().map(Path::new).find(|p| p.is_file())?;
        let copy = dir.join("lib.so");
        std::fs::copy(found, &copy).ok()?;
        Some(copy)
    }

    #[test]
    fn marks_matching_needs_weak_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let Some(lib) = copy_of_a_system_library(dir.path()) else { panic!("no libz on this host to test with") };
        let before = std::fs::read(&lib).unwrap();
        let marked = mark_version_needs_weak(&lib, &["GLIBC_2.2"]).unwrap();
        assert!(!marked.is_empty() && marked.iter().all(|m| m.starts_with("GLIBC_2.2")), "{marked:?}");
        let after = std::fs::read(&lib).unwrap();
        assert_eq!(before.len(), after.len());
        let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert!(changed >= 1 && changed <= marked.len(), "only flag bytes change: {changed} bytes for {marked:?}");
        // Idempotent: a second run finds the same needs and changes nothing.
        assert_eq!(mark_version_needs_weak(&lib, &["GLIBC_2.2"]).unwrap(), marked);
        assert_eq!(std::fs::read(&lib).unwrap(), after);
    }

    #[test]
    fn rejects_what_is_not_elf() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x");
        std::fs::write(&file, b"#!/bin/sh\n").unwrap();
        assert!(matches!(mark_version_needs_weak(&file, &["X"]), Err(ElfError::Format { .. })));
    }
}
