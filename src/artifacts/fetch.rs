//! Getting a pinned artifact's file into the cache: from a local path, an http(s) URL, or a
//! PyPI release (`pypi:NAME==VERSION`, resolved through the index pip is configured with).
//! The bytes are verified while they are written (see [`ArtifactCache::store`]).

use std::path::Path;

use serde::Deserialize;
use tracing::{debug, info};

use super::ArtifactError;
use super::cache::{ArtifactCache, CachedFile};
use crate::boxes::Progress;
use crate::lab::catalog::{Artifact, Pin};

/// Fetch `artifact` into `cache` unless it is there already.
pub fn fetch(cache: &ArtifactCache, artifact: &Artifact, progress: Progress) -> Result<CachedFile, ArtifactError> {
    let name = &artifact.name;
    let Some(pin) = artifact.pin() else {
        return Err(ArtifactError::Unpinned { name: name.clone(), source_hint: artifact.source.clone().unwrap_or_default() });
    };
    let Some(file_name) = artifact.file_name.as_deref() else { return Err(ArtifactError::NoSource(name.clone())) };
    if let Some(cached) = cache.pinned_artifact(artifact, file_name) {
        return Ok(cached);
    }
    let Some(source) = artifact.source.as_deref() else { return Err(ArtifactError::NoSource(name.clone())) };
    let url = match (source.strip_prefix("pypi:"), pin) {
        (Some(requirement), Pin::Sha256(sha256)) => pypi_file_url(requirement, file_name, sha256)?,
        (Some(_), Pin::Sha512(_)) => return Err(ArtifactError::Unpinned { name: name.clone(), source_hint: source.to_string() }),
        (None, _) => source.to_string(),
    };
    if url.starts_with("https://") || url.starts_with("http://") {
        download(cache, name, &url, file_name, pin, progress)
    } else {
        let path = url.strip_prefix("file://").unwrap_or(&url);
        if !Path::new(path).is_file() {
            return Err(ArtifactError::BadSource { name: name.clone(), location: source.to_string(), why: "no such file on this host".into() });
        }
        progress.note(format!("{name}: copying {path}"));
        let mut file = std::fs::File::open(path).map_err(|e| ArtifactError::io("open", Path::new(path), e))?;
        store_pinned(cache, pin, &mut file, file_name, |_| {}).map_err(|e| match e {
            ArtifactError::Mismatch { expected, actual, .. } => ArtifactError::Mismatch { file: path.to_string(), expected, actual },
            other => other,
        })
    }
}

/// Copy `reader` into the cache, verified against `pin`.
fn store_pinned(
    cache: &ArtifactCache,
    pin: Pin,
    reader: &mut dyn std::io::Read,
    file_name: &str,
    on_progress: impl FnMut(u64),
) -> Result<CachedFile, ArtifactError> {
    match pin {
        Pin::Sha256(sum) => cache.store(reader, file_name, Some(sum), on_progress),
        Pin::Sha512(sum) => cache.store_sha512(reader, file_name, sum, on_progress),
    }
}

fn download(cache: &ArtifactCache, name: &str, url: &str, file_name: &str, pin: Pin, progress: Progress) -> Result<CachedFile, ArtifactError> {
    let failed = |why: String| ArtifactError::Download { name: name.to_string(), url: url.to_string(), why };
    debug!(url, "downloading");
    let mut response = crate::outside::http_agent().get(url).call().map_err(|e| failed(e.to_string()))?;
    let total = response.body().content_length();
    progress.note(format!("{name}: downloading {file_name}{}", total.map(|t| format!(" ({:.1} MiB)", t as f64 / 1048576.0)).unwrap_or_default()));
    let bar = progress.bytes_bar(total, format!("{name}: {file_name}"));
    let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
    let stored = store_pinned(cache, pin, &mut reader, file_name, |done| bar.set_position(done));
    bar.finish_and_clear();
    let stored = stored.map_err(|e| match e {
        ArtifactError::Io { what, path, source } if source.kind() != std::io::ErrorKind::StorageFull => {
            // A read error mid-stream is the connection's, not the disk's.
            if what == "write" { failed(source.to_string()) } else { ArtifactError::Io { what, path, source } }
        }
        other => other,
    })?;
    if let Some(total) = total.filter(|t| *t != stored.size) {
        return Err(failed(format!("received {} of {total} bytes", stored.size)));
    }
    info!(name, url, bytes = stored.size, "fetched");
    Ok(stored)
}

/// The index pip uses: `$PIP_INDEX_URL`, pip's configured `index-url`, else pip's default.
fn pip_index() -> Result<String, ArtifactError> {
    if let Some(url) = std::env::var("PIP_INDEX_URL").ok().filter(|u| !u.is_empty()) {
        return Ok(url);
    }
    let ask = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("python3").args(args).stdin(std::process::Stdio::null()).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && text.starts_with("http")).then_some(text)
    };
    ask(&["-m", "pip", "config", "get", "global.index-url"])
        .or_else(|| ask(&["-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"]))
        .ok_or_else(|| ArtifactError::Pypi("cannot tell which index pip uses: set PIP_INDEX_URL, or install pip (python3-pip)".into()))
}

#[derive(Deserialize)]
struct SimpleProject {
    files: Vec<SimpleFile>,
}

#[derive(Deserialize)]
struct SimpleFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
}

/// The download URL of `file_name` in the PyPI project of `requirement` (`NAME==VERSION`),
/// from the index's JSON simple API (PEP 691).
fn pypi_file_url(requirement: &str, file_name: &str, sha256: &str) -> Result<String, ArtifactError> {
    let project = requirement.split("==").next().unwrap_or(requirement);
    let index = pip_index()?;
    let url = format!("{}/{}/", index.trim_end_matches('/'), normalize_project(project));
    let mut response = crate::outside::http_agent()
        .get(&url)
        .header("Accept", "application/vnd.pypi.simple.v1+json")
        .call()
        .map_err(|e| ArtifactError::Pypi(format!("{url}: {e}")))?;
    let text = response.body_mut().read_to_string().map_err(|e| ArtifactError::Pypi(format!("{url}: {e}")))?;
    let listing: SimpleProject = serde_json::from_str(&text).map_err(|e| ArtifactError::Pypi(format!("{url}: not a JSON simple-API page: {e}")))?;
    let file = listing
        .files
        .into_iter()
        .find(|f| f.filename == file_name)
        .ok_or_else(|| ArtifactError::Pypi(format!("{project} on the index has no file {file_name}")))?;
    if let Some(listed) = file.hashes.get("sha256").filter(|h| *h != sha256) {
        return Err(ArtifactError::Mismatch { file: format!("{file_name} (as the index lists it)"), expected: sha256.to_string(), actual: listed.clone() });
    }
    // Relative URLs are relative to the project page.
    Ok(if file.url.contains("://") { file.url } else { format!("{url}{}", file.url) })
}

/// PEP 503 project names: lowercase, runs of `-`, `_`, `.` become `-`.
fn normalize_project(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;
    use crate::lab::catalog::Obtain;

    fn artifact(source: &str, sha256: Option<&str>) -> Artifact {
        Artifact {
            name: "tool".into(),
            version: None,
            source: Some(source.into()),
            sha256: sha256.map(str::to_string),
            roles: vec![Role::MesosMaster],
            file_name: Some("tool.tgz".into()),
            obtain: Obtain::Fetch,
            inputs: Vec::new(),
            origin: None,
            sha512: None,
        }
    }

    #[test]
    fn a_file_pinned_by_sha512_is_fetched_verified() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("kafka_2.13-3.9.1.tgz");
        std::fs::write(&file, b"an apache release").unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let mut a = artifact(file.to_str().unwrap(), None);
        a.sha512 = Some(crate::boxes::sha512_file(&file).unwrap());
        let fetched = fetch(&cache, &a, Progress::Hide).expect("verified by its SHA-512");
        assert_eq!(fetched.sha256, crate::boxes::sha256_file(&file).unwrap());
        assert_eq!(fetch(&cache, &a, Progress::Hide).unwrap(), fetched, "found in the cache the second time");
        a.sha512 = Some("1".repeat(128));
        let err = fetch(&cache, &a, Progress::Hide).unwrap_err().to_string();
        assert!(err.contains(&"1".repeat(128)), "{err}");
    }

    #[test]
    fn project_names_are_normalized() {
        assert_eq!(normalize_project("mesos.scheduler"), "mesos-scheduler");
        assert_eq!(normalize_project("Py__Spark"), "py-spark");
    }

    #[test]
    fn local_paths_are_verified_and_unpinned_sources_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("tool.tgz");
        std::fs::write(&file, b"tool").unwrap();
        let sum = crate::boxes::sha256_file(&file).unwrap();
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let got = fetch(&cache, &artifact(&file.display().to_string(), Some(&sum)), Progress::Hide).unwrap();
        assert_eq!(got.path, cache.path_of(&sum, "tool.tgz"));

        let err = fetch(&cache, &artifact(&file.display().to_string(), None), Progress::Hide).unwrap_err().to_string();
        assert!(err.contains("not pinned") && err.contains("sha256sum"), "{err}");
        let err = fetch(&cache, &artifact(&file.display().to_string(), Some(&"1".repeat(64))), Progress::Hide).unwrap_err().to_string();
        assert!(err.contains(&"1".repeat(64)) && err.contains(&sum), "{err}");
        let err = fetch(&cache, &artifact("/no/such/tool.tgz", Some(&sum.replace('a', "b"))), Progress::Hide).unwrap_err().to_string();
        assert!(err.contains("/no/such/tool.tgz") && err.contains("no such file"), "{err}");
    }

    #[test]
    fn a_bad_url_says_which_and_stores_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path());
        // Port 9 on loopback: nothing listens there, so the connection is refused at once.
        let err = fetch(&cache, &artifact("http://127.0.0.1:9/tool.tgz", Some(&"2".repeat(64))), Progress::Hide).unwrap_err().to_string();
        assert!(err.contains("http://127.0.0.1:9/tool.tgz"), "{err}");
        assert!(!cache.path_of(&"2".repeat(64), "tool.tgz").exists());
    }

    /// A download over loopback from a server that closes the connection halfway: nothing is
    /// kept, and the next fetch starts afresh.
    #[test]
    fn an_interrupted_download_leaves_nothing() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = std::io::Read::read(&mut conn, &mut request);
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly part of it");
        });
        let tmp = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(tmp.path());
        let err = fetch(&cache, &artifact(&format!("http://127.0.0.1:{port}/tool.tgz"), Some(&"3".repeat(64))), Progress::Hide).unwrap_err();
        server.join().unwrap();
        assert!(matches!(err, ArtifactError::Download { .. } | ArtifactError::Mismatch { .. }), "{err}");
        let incoming: Vec<_> = std::fs::read_dir(cache.dir.join("incoming")).unwrap().collect();
        assert!(incoming.is_empty(), "{incoming:?}");
    }
}
