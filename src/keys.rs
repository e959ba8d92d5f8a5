//! SSH keys mlab generates: the lab's user key pair and each node's host key pair.
//!
//! Host keys are generated on the host and handed to the guest through cloud-init, so the
//! host key is known (and written to the lab's `known_hosts`) before the VM first boots:
//! SSH to a node never has to trust on first use. Everything is written in the standard
//! OpenSSH formats so `ssh -i KEY -o UserKnownHostsFile=FILE` works as well as mlab's own client.

use std::io::Write;
use std::net::Ipv4Addr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey, PublicKey};

/// What went wrong with a key or a `known_hosts` file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not generate an ed25519 key: {0}; the system random source may be unavailable")]
    Generate(String),
    #[error("could not encode an SSH key in OpenSSH format: {0}")]
    Encode(String),
    #[error("{path} is not a readable OpenSSH ed25519 private key: {reason}; delete it to have mlab make a new one")]
    Decode { path: PathBuf, reason: String },
    #[error("could not write {path}: {source}; check that the directory exists and is writable")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("could not read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
}

/// An ed25519 key pair in OpenSSH text form.
#[derive(Clone)]
pub struct KeyPair {
    key: PrivateKey,
}

impl std::fmt::Debug for KeyPair {
    // Never print the private half.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("public", &self.public_openssh().ok()).finish()
    }
}

impl KeyPair {
    /// A fresh ed25519 key pair with `comment` (e.g. `mlab@lab` or the node's FQDN).
    pub fn generate_ed25519(comment: &str) -> Result<KeyPair, KeyError> {
        let mut key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| KeyError::Generate(e.to_string()))?;
        key.set_comment(comment);
        Ok(KeyPair { key })
    }

    /// Parse an unencrypted OpenSSH private key.
    pub fn from_openssh(text: &str, origin: &Path) -> Result<KeyPair, KeyError> {
        let key = PrivateKey::from_openssh(text).map_err(|e| KeyError::Decode { path: origin.to_path_buf(), reason: e.to_string() })?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(KeyError::Decode { path: origin.to_path_buf(), reason: format!("it is a {} key, mlab uses ed25519", key.algorithm()) });
        }
        Ok(KeyPair { key })
    }

    /// The private key as an OpenSSH PEM block (`-----BEGIN OPENSSH PRIVATE KEY-----`).
    pub fn private_openssh(&self) -> Result<String, KeyError> {
        self.key.to_openssh(LineEnding::LF).map(|pem| pem.to_string()).map_err(|e| KeyError::Encode(e.to_string()))
    }

    /// The public key as one `ssh-ed25519 AAAA... comment` line.
    pub fn public_openssh(&self) -> Result<String, KeyError> {
        self.key.public_key().to_openssh().map_err(|e| KeyError::Encode(e.to_string()))
    }

    /// The public key as `ssh-ed25519 AAAA...`, without comment (the known_hosts form).
    pub fn public_openssh_bare(&self) -> Result<String, KeyError> {
        let mut public: PublicKey = self.key.public_key().clone();
        public.set_comment("");
        public.to_openssh().map(|s| s.trim_end().to_string()).map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Write `path` (mode 0600) and `path.pub` (mode 0644), like `ssh-keygen -f path`.
    pub fn write_files(&self, path: &Path) -> Result<(), KeyError> {
        write_file(path, self.private_openssh()?.as_bytes(), 0o600)?;
        let pub_path = public_path(path);
        write_file(&pub_path, format!("{}\n", self.public_openssh()?).as_bytes(), 0o644)
    }

    /// Read the private key at `path`.
    pub fn read_file(path: &Path) -> Result<KeyPair, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.to_path_buf(), source })?;
        KeyPair::from_openssh(&text, path)
    }

    /// Read the key at `path` if it exists, else generate one with `comment` and write it there.
    pub fn load_or_generate(path: &Path, comment: &str) -> Result<KeyPair, KeyError> {
        if path.exists() {
            return KeyPair::read_file(path);
        }
        let pair = KeyPair::generate_ed25519(comment)?;
        pair.write_files(path)?;
        Ok(pair)
    }
}

/// `path` with `.pub` appended (`id_ed25519` -> `id_ed25519.pub`).
pub fn public_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".pub");
    PathBuf::from(name)
}

/// One `known_hosts` line: `<ip>,<name>,<fqdn> ssh-ed25519 AAAA...`.
pub fn known_hosts_line(ip: Ipv4Addr, names: &[&str], host_key: &KeyPair) -> Result<String, KeyError> {
    let mut hosts = vec![ip.to_string()];
    for name in names {
        if !name.is_empty() && !hosts.iter().any(|h| h == name) {
            hosts.push((*name).to_string());
        }
    }
    Ok(format!("{} {}", hosts.join(","), host_key.public_openssh_bare()?))
}

/// Write a whole `known_hosts` file (mode 0644), one line per entry.
pub fn write_known_hosts(path: &Path, lines: &[String]) -> Result<(), KeyError> {
    let mut text = lines.join("\n");
    text.push('\n');
    write_file(path, text.as_bytes(), 0o644)
}

/// Write a file atomically enough for our purpose (temp file + rename) with `mode` from the start,
/// so a private key is never readable by others even for a moment.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let err = |source| KeyError::Write { path: path.to_path_buf(), source };
    let mut tmp_name = path.as_os_str().to_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn generated_keys_round_trip_through_openssh_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("id_ed25519");
        let pair = KeyPair::generate_ed25519("mlab@test").expect("generate");
        pair.write_files(&path).expect("write");

        let private_text = std::fs::read_to_string(&path).expect("read private");
        assert!(private_text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "private key must be 0600");

        let public_text = std::fs::read_to_string(public_path(&path)).expect("read pub");
        assert!(public_text.starts_with("ssh-ed25519 AAAA"), "{public_text}");
        assert!(public_text.trim_end().ends_with(" mlab@test"), "{public_text}");

        let loaded = KeyPair::read_file(&path).expect("load");
        assert_eq!(loaded.public_key(), pair.public_key());
    }

    #[test]
    fn two_generated_keys_differ() {
        let a = KeyPair::generate_ed25519("a").expect("a");
        let b = KeyPair::generate_ed25519("b").expect("b");
        assert_ne!(a.public_key().key_data(), b.public_key().key_data());
    }

    #[test]
    fn load_or_generate_keeps_an_existing_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key");
        let first = KeyPair::load_or_generate(&path, "x").expect("first");
        let second = KeyPair::load_or_generate(&path, "x").expect("second");
        assert_eq!(first.public_key(), second.public_key());
    }

    #[test]
    fn known_hosts_line_is_parseable_by_russh() {
        let dir = tempfile::tempdir().expect("tempdir");
        let host = KeyPair::generate_ed25519("node1.lab.test").expect("generate");
        let line = known_hosts_line(Ipv4Addr::new(192, 168, 124, 11), &["node1", "node1.lab.test"], &host).expect("line");
        assert!(line.starts_with("192.168.124.11,node1,node1.lab.test ssh-ed25519 AAAA"), "{line}");
        let path = dir.path().join("known_hosts");
        write_known_hosts(&path, &[line]).expect("write");
        // What a server presents on the wire carries no comment.
        let presented = PublicKey::new(host.public_key().key_data().clone(), "");
        for name in ["192.168.124.11", "node1", "node1.lab.test"] {
            let known = russh::keys::check_known_hosts_path(name, 22, &presented, &path).expect("check");
            assert!(known, "{name} should match the pinned key");
        }
        let other = KeyPair::generate_ed25519("other").expect("generate");
        let other = PublicKey::new(other.public_key().key_data().clone(), "");
        let mismatch = russh::keys::check_known_hosts_path("node1", 22, &other, &path);
        assert!(mismatch.is_err(), "a different key for a known host must be rejected");
    }

    #[test]
    fn rejects_garbage_private_key() {
        let err = KeyPair::from_openssh("not a key", Path::new("/x/key")).expect_err("garbage");
        assert!(err.to_string().contains("/x/key"));
    }
}
