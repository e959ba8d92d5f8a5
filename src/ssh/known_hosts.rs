//! The lab's known_hosts file (OpenSSH format) and the host key check built on it.
//!
//! Supported: `host1,host2,[host]:port keytype base64 [comment]` lines, `*`/`?` wildcards,
//! `!negated` patterns, `@revoked` lines and `#` comments. Hashed names (`|1|...`) and
//! `@cert-authority` lines never match: mlab writes plain names and pins keys, not CAs.

use std::path::{Path, PathBuf};

use russh::keys::{HashAlg, PublicKey};

use super::{Result, SshError};

/// `SHA256:...` fingerprint of a key, as `ssh-keygen -lf` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
struct Entry {
    marker: Marker,
    patterns: Vec<String>,
    key: PublicKey,
}

impl Entry {
    /// OpenSSH semantics: some positive pattern matches and no negated pattern does.
    fn lists_any(&self, names: &[String]) -> bool {
        names.iter().any(|name| {
            let mut positive = false;
            for pattern in &self.patterns {
                if let Some(negated) = pattern.strip_prefix('!') {
                    if glob_match(negated, name) {
                        return false;
                    }
                } else if glob_match(pattern, name) {
                    positive = true;
                }
            }
            positive
        })
    }
}

/// What the known_hosts file says about a key a server offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyVerdict {
    /// A line for this host lists exactly this key.
    Trusted,
    /// Lines exist for this host, but with other keys (their fingerprints).
    Changed { expected: Vec<String> },
    /// No line lists this host.
    Unknown,
    /// The key is marked `@revoked`.
    Revoked,
}

/// A parsed known_hosts file.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
    entries: Vec<Entry>,
}

impl KnownHosts {
    /// Read and parse a known_hosts file. A missing file is an error: mlab always writes one.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| SshError::KnownHostsUnreadable { path: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Parse known_hosts text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let invalid = |reason: String| SshError::KnownHostsInvalid { path: path.to_path_buf(), line: index + 1, reason };
            let mut fields = line.split_whitespace().peekable();
            let marker = match fields.peek().copied() {
                Some("@revoked") => Marker::Revoked,
                Some("@cert-authority") => Marker::CertAuthority,
                Some(other) if other.starts_with('@') => {
                    return Err(invalid(format!("unknown marker {other}")));
                }
                _ => Marker::None,
            };
            if marker != Marker::None {
                fields.next();
            }
            let (Some(hosts), Some(key_type), Some(key_base64)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(invalid("expected `hosts keytype base64-key`".into()));
            };
            let key = russh::keys::parse_public_key_base64(key_base64).map_err(|e| invalid(format!("key does not decode: {e}")))?;
            if key.algorithm().as_str() != key_type {
                return Err(invalid(format!("key type says {key_type} but the key is {}", key.algorithm().as_str())));
            }
            entries.push(Entry { marker, patterns: hosts.split(',').map(str::to_owned).collect(), key });
        }
        Ok(Self { path: path.to_path_buf(), entries })
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Pinned keys listed for any of `names`.
    pub fn keys_for(&self, names: &[String]) -> Vec<&PublicKey> {
        self.entries.iter().filter(|e| e.marker == Marker::None && e.lists_any(names)).map(|e| &e.key).collect()
    }

    /// Decide whether `offered` is the pinned key for a host known by `names`.
    pub fn verify(&self, names: &[String], offered: &PublicKey) -> HostKeyVerdict {
        let revoked = self
            .entries
            .iter()
            .any(|e| e.marker == Marker::Revoked && e.key.key_data() == offered.key_data() && (e.patterns.iter().any(|p| p == "*") || e.lists_any(names)));
        if revoked {
            return HostKeyVerdict::Revoked;
        }
        let pinned = self.keys_for(names);
        if pinned.is_empty() {
            HostKeyVerdict::Unknown
        } else if pinned.iter().any(|k| k.key_data() == offered.key_data()) {
            HostKeyVerdict::Trusted
        } else {
            HostKeyVerdict::Changed { expected: pinned.into_iter().map(fingerprint).collect() }
        }
    }
}

/// OpenSSH-style pattern: `*` any run of characters, `?` exactly one. Case-insensitive, as
/// host names are.
fn glob_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let name: Vec<char> = name.to_lowercase().chars().collect();
    // Iterative matcher with one backtrack point: linear-ish, no recursion blow-up.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two throwaway ed25519 public keys (generated with ssh-keygen for these tests).
    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJ+E0Yv/CBQzkc3GPh0lLkBu8XWmQlefR8D+rfYjf8Wu";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIEunAdWO0rWksj364+1GM9r0b8NOhfoG176aggCGMS6R";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).expect("test key decodes")
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn trusted_changed_unknown_revoked() {
        let text = format!(
            "# lab keys\nmaster1,10.0.0.11 ssh-ed25519 {KEY_A} root@master1\n\
             [127.0.0.1]:2222 ssh-ed25519 {KEY_B}\n@revoked * ssh-ed25519 {KEY_B}\n"
        );
        let kh = KnownHosts::parse(Path::new("kh"), &text).expect("parses");
        assert_eq!(kh.verify(&names(&["10.0.0.11"]), &key(KEY_A)), HostKeyVerdict::Trusted);
        assert_eq!(kh.verify(&names(&["x", "master1"]), &key(KEY_A)), HostKeyVerdict::Trusted);
        assert_eq!(kh.verify(&names(&["10.0.0.11"]), &key(KEY_B)), HostKeyVerdict::Revoked, "revocation wins over everything");
        assert_eq!(kh.verify(&names(&["10.0.0.12"]), &key(KEY_A)), HostKeyVerdict::Unknown);
        // A port-qualified line does not match the bare address.
        assert_eq!(kh.verify(&names(&["127.0.0.1"]), &key(KEY_A)), HostKeyVerdict::Unknown);
    }

    #[test]
    fn changed_lists_expected_fingerprints() {
        let text = format!("node1 ssh-ed25519 {KEY_A}\n");
        let kh = KnownHosts::parse(Path::new("kh"), &text).expect("parses");
        let verdict = kh.verify(&names(&["node1"]), &key(KEY_B));
        assert_eq!(verdict, HostKeyVerdict::Changed { expected: vec![fingerprint(&key(KEY_A))] });
        assert!(fingerprint(&key(KEY_A)).starts_with("SHA256:"));
    }

    #[test]
    fn wildcards_and_negation() {
        let text = format!("10.0.0.*,!10.0.0.9 ssh-ed25519 {KEY_A}\n");
        let kh = KnownHosts::parse(Path::new("kh"), &text).expect("parses");
        assert_eq!(kh.keys_for(&names(&["10.0.0.5"])).len(), 1);
        assert_eq!(kh.keys_for(&names(&["10.0.0.9"])).len(), 0);
        assert_eq!(kh.keys_for(&names(&["10.0.1.5"])).len(), 0);
        assert!(glob_match("a*b?c", "aXXbYc"));
        assert!(!glob_match("a*b?c", "aXXbc"));
    }

    #[test]
    fn bad_lines_are_reported_with_line_number() {
        let err = KnownHosts::parse(Path::new("kh"), "# c\nnode1 ssh-ed25519 notbase64!!\n").expect_err("bad key");
        let msg = err.to_string();
        assert!(msg.contains("kh:2"), "{msg}");
        let err = KnownHosts::parse(Path::new("kh"), &format!("node1 ssh-rsa {KEY_A}\n")).expect_err("type mismatch");
        assert!(err.to_string().contains("ssh-rsa"), "{err}");
        let err = KnownHosts::parse(Path::new("kh"), "node1\n").expect_err("short line");
        assert!(err.to_string().contains("kh:1"), "{err}");
    }
}
