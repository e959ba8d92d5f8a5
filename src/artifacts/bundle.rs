//! Classroom bundles: `mlab artifact export --lab LAB FILE` writes the verified files a lab
//! stages, and the build records that name them, into one tar file; `mlab artifact import FILE`
//! on another host checks every file against its checksum on the way into that host's cache.
//! An instructor fetches and builds once; thirty laptops install with no network at all.
//!
//! Layout: `<sha256>/<file>` for each file, `built/<name>-<key>.json` for each build record
//! (a build's key comes from checksums the catalog pins, so every host computes the same one).

use std::collections::BTreeMap;
use std::path::Path;

use super::ArtifactError;
use super::build::build_key;
use super::cache::{ArtifactCache, Availability, CachedFile};
use crate::lab::catalog::{Artifact, Obtain};
use crate::provisioners::Provisioners;

/// Write the bundle of what `artifacts` stages (build inputs are not needed to install) to
/// `path`; returns the artifacts written. Refuses when one of them is not on this host yet.
pub fn export(cache: &ArtifactCache, provisioners: &Provisioners, artifacts: &BTreeMap<String, Artifact>, path: &Path) -> Result<Vec<String>, ArtifactError> {
    let available = super::availability(cache, provisioners, artifacts, artifacts);
    let mut files: Vec<(String, CachedFile)> = Vec::new();
    let mut missing = Vec::new();
    for name in artifacts.iter().filter(|(_, a)| !a.roles.is_empty()).map(|(n, _)| n) {
        match &available[name] {
            Availability::Ready(file) => files.push((name.clone(), file.clone())),
            Availability::Unavailable(_) => {}
            other => missing.push(other.reason().unwrap_or_default()),
        }
    }
    if !missing.is_empty() {
        return Err(ArtifactError::Tool(format!("the bundle would lack what this host has not got yet:\n  {}", missing.join("\n  "))));
    }
    let temp = tempfile::Builder::new()
        .prefix(".mlab-bundle-")
        .tempfile_in(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
        .map_err(|e| ArtifactError::io("create a file beside", path, e))?;
    {
        let mut tar = tar::Builder::new(std::io::BufWriter::new(temp.as_file()));
        for (name, file) in &files {
            tar.append_path_with_name(&file.path, format!("{}/{}", file.sha256, file.file_name))
                .map_err(|e| ArtifactError::io("add to the bundle", &file.path, e))?;
            if matches!(artifacts[name].obtain, Obtain::Build { .. }) {
                let key = build_key(provisioners, &artifacts[name], artifacts)?;
                let record = cache.built_record_path(name, &key);
                tar.append_path_with_name(&record, format!("built/{name}-{key}.json")).map_err(|e| ArtifactError::io("add to the bundle", &record, e))?;
            }
        }
        tar.into_inner().and_then(|mut w| std::io::Write::flush(&mut w)).map_err(|e| ArtifactError::io("write", path, e))?;
    }
    temp.persist(path).map_err(|e| ArtifactError::io("move into place", path, e.error))?;
    Ok(files.into_iter().map(|(n, _)| n).collect())
}

/// Whether `path` is a tar file (a bundle), by its header's magic.
pub fn is_bundle(path: &Path) -> bool {
    let mut header = [0u8; 512];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header)).is_ok() && &header[257..262] == b"ustar"
}

/// Add a bundle's files to the cache, each verified against the checksum it is filed under,
/// then its build records (only those whose file arrived). Returns `(what, file)` per file.
pub fn import_bundle(cache: &ArtifactCache, path: &Path) -> Result<Vec<(String, CachedFile)>, ArtifactError> {
    let open = || std::fs::File::open(path).map_err(|e| ArtifactError::io("open", path, e));
    let mut stored = Vec::new();
    let mut records = Vec::new();
    let mut archive = tar::Archive::new(open()?);
    for entry in archive.entries().map_err(|e| ArtifactError::io("read", path, e))? {
        let mut entry = entry.map_err(|e| ArtifactError::io("read", path, e))?;
        let name = entry.path().map_err(|e| ArtifactError::io("read", path, e))?.to_string_lossy().into_owned();
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            ["built", record] if record.ends_with(".json") => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut entry, &mut text).map_err(|e| ArtifactError::io("read", path, e))?;
                records.push((record.trim_end_matches(".json").to_string(), text));
            }
            [sha256, file_name] if crate::lab::validate::is_sha256(sha256) => {
                let file = cache.store(&mut entry, file_name, Some(sha256), |_| {})?;
                stored.push((file_name.to_string(), file));
            }
            _ => return Err(ArtifactError::Tool(format!("{} is not an mlab bundle: it holds `{name}`", path.display()))),
        }
    }
    for (record, text) in records {
        let Some((name, key)) = record.rsplit_once('-') else { continue };
        if cache.adopt_record(name, key, &text)? {
            stored.iter_mut().filter(|(_, f)| text.contains(&f.sha256)).for_each(|(what, _)| *what = name.to_string());
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_artifacts() -> BTreeMap<String, Artifact> {
        let all = crate::lab::Catalog::parse("artifacts.yaml", include_str!("../../provisioners/artifacts.yaml")).unwrap().artifacts();
        all.into_iter().filter(|(n, _)| n == "mesos-dns" || n == "mesos-dns-src").collect()
    }

    #[test]
    fn a_bundle_carries_built_artifacts_to_another_host() {
        let tmp = tempfile::tempdir().unwrap();
        let provisioners = Provisioners::builtin();
        let artifacts = lab_artifacts();
        let here = ArtifactCache::new(tmp.path().join("here"));
        let made = here.store(&mut &b"a built package"[..], "mesos-dns_1_amd64.deb", None, |_| {}).unwrap();
        let key = build_key(&provisioners, &artifacts["mesos-dns"], &artifacts).unwrap();
        here.record_built("mesos-dns", &key, &made, 1.0).unwrap();

        let bundle = tmp.path().join("class.tar");
        assert_eq!(export(&here, &provisioners, &artifacts, &bundle).unwrap(), ["mesos-dns"]);
        assert!(is_bundle(&bundle));

        let there = ArtifactCache::new(tmp.path().join("there"));
        let imported = crate::artifacts::import(&there, &artifacts, &bundle).unwrap();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].0, "mesos-dns");
        let available = crate::artifacts::availability(&there, &provisioners, &artifacts, &artifacts);
        assert!(matches!(&available["mesos-dns"], Availability::Ready(f) if f.sha256 == made.sha256), "{available:?}");
    }

    #[test]
    fn a_tampered_bundle_stores_nothing_of_the_bad_file() {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("bad.tar");
        {
            let mut tar = tar::Builder::new(std::fs::File::create(&bundle).unwrap());
            let mut header = tar::Header::new_gnu();
            let body = b"not what the name says";
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("{}/tool.deb", "a".repeat(64)), &body[..]).unwrap();
            tar.finish().unwrap();
        }
        let cache = ArtifactCache::new(tmp.path().join("cache"));
        let err = import_bundle(&cache, &bundle).unwrap_err().to_string();
        assert!(err.contains("has sha256") && err.contains(&"a".repeat(64)), "{err}");
        assert!(!cache.path_of(&"a".repeat(64), "tool.deb").exists());
    }

    #[test]
    fn export_refuses_what_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let err = export(&ArtifactCache::new(tmp.path()), &Provisioners::builtin(), &lab_artifacts(), &tmp.path().join("x.tar")).unwrap_err().to_string();
        assert!(err.contains("mlab artifact build mesos-dns"), "{err}");
        assert!(!tmp.path().join("x.tar").exists());
    }
}
