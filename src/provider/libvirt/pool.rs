//! Node disks and seeds as volumes of a libvirt storage pool, for URIs whose daemon is not on
//! this machine (`qemu+ssh://server/system`): files mlab writes here would not be there.
//!
//! One directory pool, `mlab`, per server. The box (disk, and kernel and initrd for boxes that
//! boot directly) is uploaded once per server, named by its checksum; each node's disk is a
//! qcow2 volume backed by the box volume, its seed a volume uploaded from the image built here.
//! A box volume counts only once an empty `.complete` volume beside it says its upload
//! finished, so a killed upload is done again rather than booted from. Uploaded volumes are
//! created as sparse raw files and get the file's bytes as they are (a qcow2 stays a qcow2).

use std::io::Read;
use std::path::{Path, PathBuf};

use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;
use virt::stream::Stream;

use super::connect::{backend, is_not_found};
use super::xml::{document, empty_element, text_element};
use crate::provider::ProviderError;

/// The pool's name on every server.
pub const POOL: &str = "mlab";
/// Where the pool keeps its volumes on a server that has no pool of that name yet.
pub const POOL_DIR: &str = "/var/lib/libvirt/images/mlab";

/// The `mlab` pool, defined, built and started if it is not.
pub fn ensure_pool(conn: &Connect) -> Result<StoragePool, ProviderError> {
    let pool = match conn.lookup_storage_pool_by_name(POOL) {
        Ok(pool) => pool,
        Err(e) if is_not_found(&e) => {
            let xml = document("the storage pool mlab", |w| {
                w.create_element("pool").with_attribute(("type", "dir")).write_inner_content(|w| {
                    text_element(w, "name", &[], POOL)?;
                    w.create_element("target").write_inner_content(|w| text_element(w, "path", &[], POOL_DIR).map(|_| ()))?;
                    Ok(())
                })?;
                Ok(())
            })?;
            let pool = conn.define_storage_pool_xml(&xml, 0).map_err(|e| backend("define", "the storage pool mlab", e))?;
            pool.build(0).map_err(|e| backend("build", "the storage pool mlab", e))?;
            // A server reboot should find the pool running, as the lab networks are.
            let _ = pool.set_autostart(true);
            tracing::info!(pool = POOL, dir = POOL_DIR, "defined storage pool");
            pool
        }
        Err(e) => return Err(backend("look up", "the storage pool mlab", e)),
    };
    if !pool.is_active().map_err(|e| backend("check", "the storage pool mlab", e))? {
        pool.create(0).map_err(|e| backend("start", "the storage pool mlab", e))?;
    }
    Ok(pool)
}

/// A volume's XML: `capacity` bytes, in `format`, optionally backed by `backing` (a qcow2 path).
fn volume_xml(name: &str, capacity: u64, format: &str, backing: Option<&str>) -> Result<String, ProviderError> {
    document(format!("the volume {name}"), |w| {
        w.create_element("volume").write_inner_content(|w| {
            text_element(w, "name", &[], name)?;
            text_element(w, "capacity", &[("unit", "bytes")], &capacity.to_string())?;
            // Sparse: the upload or the clone writes what is needed.
            text_element(w, "allocation", &[("unit", "bytes")], "0")?;
            w.create_element("target").write_inner_content(|w| empty_element(w, "format", &[("type", format)]))?;
            if let Some(path) = backing {
                w.create_element("backingStore").write_inner_content(|w| {
                    text_element(w, "path", &[], path)?;
                    empty_element(w, "format", &[("type", "qcow2")])
                })?;
            }
            Ok(())
        })?;
        Ok(())
    })
}

/// The volume of that name, if the pool has one.
pub fn find(pool: &StoragePool, name: &str) -> Result<Option<StorageVol>, ProviderError> {
    match pool.lookup_storage_vol_by_name(name) {
        Ok(vol) => Ok(Some(vol)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(backend("look up", name.to_string(), e)),
    }
}

fn path_of(vol: &StorageVol, name: &str) -> Result<PathBuf, ProviderError> {
    vol.path().map(PathBuf::from).map_err(|e| backend("read the path of", name.to_string(), e))
}

/// Delete the volume of that name, if there is one.
pub fn delete(pool: &StoragePool, name: &str) -> Result<(), ProviderError> {
    if let Some(vol) = find(pool, name)? {
        vol.delete(0).map_err(|e| backend("delete", name.to_string(), e))?;
    }
    Ok(())
}

/// Delete the volume at `path` on the server, if there is one (what a domain's XML names).
pub fn delete_path(conn: &Connect, path: &Path) -> Result<(), ProviderError> {
    match conn.lookup_storage_vol_by_path(&path.to_string_lossy()) {
        Ok(vol) => vol.delete(0).map_err(|e| backend("delete", path.display().to_string(), e)),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(backend("look up", path.display().to_string(), e)),
    }
}

/// Whether the server has a volume at `path`.
pub fn exists_path(conn: &Connect, path: &Path) -> Result<bool, ProviderError> {
    match conn.lookup_storage_vol_by_path(&path.to_string_lossy()) {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(backend("look up", path.display().to_string(), e)),
    }
}

/// The server's path of `name`, uploading the local file first unless the pool has it. Only
/// for names that say what they hold (a checksum): an existing volume is taken as it is once
/// its `.complete` marker says the upload finished.
pub fn upload_once(conn: &Connect, pool: &StoragePool, name: &str, file: &Path) -> Result<PathBuf, ProviderError> {
    let marker = format!("{name}.complete");
    if let (Some(vol), Some(_)) = (find(pool, name)?, find(pool, &marker)?) {
        return path_of(&vol, name);
    }
    delete(pool, &marker)?;
    let vol = upload_replacing(conn, pool, name, file)?;
    StorageVol::create_xml(pool, &volume_xml(&marker, 0, "raw", None)?, 0).map_err(|e| backend("create", marker.clone(), e))?;
    Ok(vol)
}

/// Upload a local file as the volume `name` (replacing one of that name); its server path.
pub fn upload_replacing(conn: &Connect, pool: &StoragePool, name: &str, file: &Path) -> Result<PathBuf, ProviderError> {
    delete(pool, name)?;
    let vol = upload(conn, pool, name, file)?;
    path_of(&vol, name)
}

fn file_len(file: &Path) -> Result<u64, ProviderError> {
    std::fs::metadata(file).map(|m| m.len()).map_err(|source| ProviderError::Io { what: "could not read", path: file.to_path_buf(), source })
}

/// Create `name` as a raw volume of the file's size and stream the file's bytes into it.
fn upload(conn: &Connect, pool: &StoragePool, name: &str, file: &Path) -> Result<StorageVol, ProviderError> {
    let len = file_len(file)?;
    let vol = StorageVol::create_xml(pool, &volume_xml(name, len, "raw", None)?, 0).map_err(|e| backend("create", name.to_string(), e))?;
    let sent = (|| {
        let stream = Stream::new(conn, 0).map_err(|e| backend("open a stream for", name.to_string(), e))?;
        vol.upload(&stream, 0, len, 0).map_err(|e| backend("upload", name.to_string(), e))?;
        let mut input = std::fs::File::open(file).map_err(|source| ProviderError::Io { what: "could not open", path: file.to_path_buf(), source })?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut buf).map_err(|source| ProviderError::Io { what: "could not read", path: file.to_path_buf(), source })?;
            if n == 0 {
                break;
            }
            let mut chunk = &buf[..n];
            while !chunk.is_empty() {
                let sent = stream.send(chunk).map_err(|e| backend("upload", name.to_string(), e))?;
                chunk = &chunk[usize::try_from(sent).unwrap_or(0).min(chunk.len())..];
            }
        }
        stream.finish().map_err(|e| backend("finish uploading", name.to_string(), e))
    })();
    if let Err(e) = sent {
        let _ = vol.delete(0);
        return Err(e);
    }
    tracing::debug!(volume = name, bytes = len, "uploaded volume");
    Ok(vol)
}

/// Create `name` as a qcow2 volume of `size_gib` backed by the qcow2 at `backing` (a linked
/// clone made on the server); its server path.
pub fn create_clone(pool: &StoragePool, name: &str, backing: &Path, size_gib: u64) -> Result<PathBuf, ProviderError> {
    delete(pool, name)?;
    let xml = volume_xml(name, size_gib << 30, "qcow2", Some(&backing.to_string_lossy()))?;
    let vol = StorageVol::create_xml(pool, &xml, 0).map_err(|e| backend("create", name.to_string(), e))?;
    path_of(&vol, name)
}
