//! The build root: a Debian 12 chroot made with debootstrap from the host's apt mirror, with
//! the packages `provisioners/builds/buildroot.yaml` lists, cached by that file's checksum in
//! `CACHE/buildroots/<key>/root`. Builds run in it with `chroot`, inside a mount namespace of
//! their own (its `/proc` vanishes with the build, however it ends) and a network namespace
//! with no interfaces (builds are offline: their inputs are verified files).

use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ArtifactError;
use super::cache::ArtifactCache;
use crate::boxes::{Progress, apt_mirror};
use crate::provisioners::Provisioners;

pub const BUILDROOT_FILE: &str = "builds/buildroot.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Definition {
    suite: String,
    packages: Vec<String>,
}

/// A ready build root.
#[derive(Debug)]
pub struct BuildRoot {
    /// The chroot directory.
    pub dir: PathBuf,
    lock_file: PathBuf,
}

impl BuildRoot {
    /// Whether this host has the build root already (a build then needs no network).
    pub fn exists(cache: &ArtifactCache, provisioners: &Provisioners) -> bool {
        let Ok(text) = provisioners.require(BUILDROOT_FILE) else { return false };
        let key = hex::encode(Sha256::digest(text.as_bytes()))[..16].to_string();
        cache.buildroots_dir().join(key).join("complete").is_file()
    }

    /// The build root of this provisioners set, made first if this host has none yet.
    pub fn ensure(cache: &ArtifactCache, provisioners: &Provisioners, progress: Progress) -> Result<BuildRoot, ArtifactError> {
        let text = provisioners.require(BUILDROOT_FILE).map_err(|e| ArtifactError::Recipe { recipe: "buildroot".into(), why: e.to_string() })?;
        let definition: Definition = serde_yaml_ng::from_str(&text)
            .map_err(|e| ArtifactError::Recipe { recipe: "buildroot".into(), why: format!("{}: {e}", provisioners.origin(BUILDROOT_FILE)) })?;
        let key = hex::encode(Sha256::digest(text.as_bytes()))[..16].to_string();
        let home = cache.buildroots_dir().join(&key);
        let root = BuildRoot { dir: home.join("root"), lock_file: home.join("lock") };
        let complete = home.join("complete");
        if complete.is_file() {
            return Ok(root);
        }
        if unsafe { libc::geteuid() } != 0 {
            return Err(ArtifactError::NeedsRoot);
        }
        std::fs::create_dir_all(&home).map_err(|e| ArtifactError::io("create", &home, e))?;
        let _busy = root.lock()?;
        if complete.is_file() {
            return Ok(root); // another mlab made it while this one waited
        }
        let mirror = apt_mirror(&definition.suite).ok_or_else(|| ArtifactError::Io {
            what: "find a Debian mirror in",
            path: "/etc/apt/sources.list*".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, format!("no apt source serves {}", definition.suite)),
        })?;
        let debootstrap = crate::boxes::tools::require("debootstrap", "debootstrap").map_err(|e| ArtifactError::Tool(e.to_string()))?;
        let partial = home.join("root.partial");
        let _ = std::fs::remove_dir_all(&partial);
        let _ = std::fs::remove_dir_all(&root.dir);
        let spinner =
            progress.spinner(format!("build root: debootstrap {} with {} packages (a few minutes, once)", definition.suite, definition.packages.len()));
        progress.note(format!("build root: debootstrap {} with {} packages (a few minutes, once per host)", definition.suite, definition.packages.len()));
        let mut command = Command::new(debootstrap);
        command.arg("--variant=minbase").arg(format!("--include={}", definition.packages.join(","))).arg(&definition.suite).arg(&partial).arg(&mirror);
        let ran = crate::boxes::tools::run(command);
        spinner.finish_and_clear();
        if let Err(e) = ran {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(ArtifactError::Tool(e.to_string()));
        }
        std::fs::rename(&partial, &root.dir).map_err(|e| ArtifactError::io("move into place", &root.dir, e))?;
        std::fs::write(&complete, format!("{}\n", definition.packages.join(" "))).map_err(|e| ArtifactError::io("write", &complete, e))?;
        Ok(root)
    }

    /// Held while a build uses the root (two builds would share its work area).
    pub fn lock(&self) -> Result<std::fs::File, ArtifactError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_file)
            .map_err(|e| ArtifactError::io("open", &self.lock_file, e))?;
        file.lock().map_err(|e| ArtifactError::io("lock", &self.lock_file, e))?;
        Ok(file)
    }

    /// `/mlab` inside the root: inputs, recipe, stage, output and work of the running build.
    pub fn work_area(&self) -> PathBuf {
        self.dir.join("mlab")
    }

    /// `bash SCRIPT` inside the root with only `env` in its environment.
    pub fn command(&self, script: &str, env: &[(&str, String)]) -> Command {
        let mut command = Command::new("unshare");
        command.args(["--mount", "--net", "--propagation", "private", "--", "/bin/sh", "-c"]);
        command.arg(r#"mount -t proc proc "$0/proc" && exec chroot "$0" /usr/bin/env -i "$@""#);
        command.arg(&self.dir);
        command.arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin").arg("HOME=/root").arg("LANG=C.UTF-8");
        for (name, value) in env {
            command.arg(format!("{name}={value}"));
        }
        command.arg("/bin/bash").arg(script);
        command.stdin(std::process::Stdio::null());
        command
    }
}
