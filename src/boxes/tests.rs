//! Store and add tests on real (tiny) images made with qemu-img.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

fn qemu_img_create(dir: &Path, format: &str, file: &str) -> PathBuf {
    let path = dir.join(file);
    let status = Command::new("qemu-img")
        .args(["create", "-q", "-f", format])
        .arg(&path)
        .arg("16M")
        .status()
        .expect("qemu-img must be installed (scripts/host-setup.sh)");
    assert!(status.success(), "qemu-img create failed");
    path
}

/// Entries of the store directory, hidden working directories included.
fn store_entries(store: &BoxStore) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(store.dir()).map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
    names.sort();
    names
}

#[test]
fn add_from_local_qcow2_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = qemu_img_create(tmp.path(), "qcow2", "cloud.qcow2");
    let expected = sha256_file(&image).expect("hash");
    let store = BoxStore::new(tmp.path().join("boxes"));

    let added = store.add("tiny", image.to_str().expect("utf-8 path"), Some(&expected.to_uppercase()), Progress::Hide).expect("add succeeds");

    assert_eq!(added.meta.sha256, expected);
    assert_eq!(sha256_file(&added.disk).expect("hash"), expected, "stored disk is byte-identical");
    assert!(added.kernel.is_none() && added.meta.cmdline.is_none(), "cloud images boot their own loader");
    assert_eq!(store_entries(&store), vec!["tiny".to_string()], "no working directory left behind");

    let again = store.get("tiny").expect("get");
    assert_eq!(again.meta, added.meta);
    let listed = store.list().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "tiny");
    assert_eq!(listed[0].source, image.to_string_lossy());
    assert!(listed[0].size >= std::fs::metadata(&image).expect("meta").len());

    let duplicate = store.add("tiny", image.to_str().expect("utf-8"), None, Progress::Hide);
    assert!(matches!(duplicate, Err(BoxError::AlreadyExists(_))), "{duplicate:?}");

    store.remove("tiny").expect("remove");
    assert!(store.list().expect("list").is_empty());
    assert!(matches!(store.get("tiny"), Err(BoxError::NotFound { .. })));
}

#[test]
fn raw_images_are_converted_to_qcow2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = qemu_img_create(tmp.path(), "raw", "disk.raw");
    // A disk with a partition table: the MBR signature at the end of its first sector.
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut disk = std::fs::OpenOptions::new().write(true).open(&image).expect("open");
        disk.seek(SeekFrom::Start(510)).and_then(|_| disk.write_all(&[0x55, 0xAA])).expect("write the signature");
    }
    let store = BoxStore::new(tmp.path().join("boxes"));
    let added = store.add("raw-box", image.to_str().expect("utf-8"), None, Progress::Hide).expect("add");
    let info = tools::qemu_img_info(&added.disk).expect("info");
    assert_eq!(info.format, "qcow2");
    assert_eq!(info.virtual_size, 16 << 20);
    assert_eq!(added.meta.sha256, sha256_file(&added.disk).expect("hash"), "checksum is of the stored qcow2");
}

#[test]
fn checksum_mismatch_keeps_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = qemu_img_create(tmp.path(), "qcow2", "cloud.qcow2");
    let store = BoxStore::new(tmp.path().join("boxes"));
    let wrong = "0".repeat(64);

    let result = store.add("tiny", image.to_str().expect("utf-8"), Some(&wrong), Progress::Hide);

    match result {
        Err(BoxError::ChecksumMismatch { expected, actual, .. }) => {
            assert_eq!(expected, wrong);
            assert_eq!(actual, sha256_file(&image).expect("hash"));
        }
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
    assert!(store_entries(&store).is_empty(), "left behind: {:?}", store_entries(&store));
    assert!(matches!(store.get("tiny"), Err(BoxError::NotFound { .. })));
}

#[test]
fn a_file_that_is_no_disk_is_refused_whatever_its_name() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(tmp.path().join("boxes"));
    // qemu-img calls any file it does not know "raw".
    let text = tmp.path().join("notimage.qcow2");
    std::fs::write(&text, "just some text, not an image\n".repeat(50_000)).expect("write");
    let zeros = qemu_img_create(tmp.path(), "raw", "blank.img");
    for file in [&text, &zeros] {
        match store.add("bad", file.to_str().expect("utf-8"), None, Progress::Hide) {
            Err(BoxError::NotADisk { why, .. }) => assert!(why.contains("no disk image"), "{why}"),
            other => panic!("{} is no disk image: {other:?}", file.display()),
        }
    }
    assert!(store_entries(&store).is_empty(), "left behind: {:?}", store_entries(&store));
}

#[test]
fn non_images_are_refused_and_leave_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let not_an_image = tmp.path().join("notes.vmdk");
    // A VMDK descriptor: qemu-img recognises it as vmdk, which mlab does not accept.
    std::fs::write(&not_an_image, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n").expect("write");
    let store = BoxStore::new(tmp.path().join("boxes"));
    let result = store.add("bad", not_an_image.to_str().expect("utf-8"), None, Progress::Hide);
    assert!(result.is_err(), "{result:?}");
    assert!(store_entries(&store).is_empty(), "left behind: {:?}", store_entries(&store));
}

#[test]
fn bad_inputs_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(tmp.path().join("boxes"));
    assert!(matches!(store.add("Bad/Name", "x", None, Progress::Hide), Err(BoxError::InvalidName(_))));
    assert!(matches!(store.add("ok", "/no/such/file.qcow2", None, Progress::Hide), Err(BoxError::BadSource(_))));
    assert!(matches!(store.add("ok", "ftp://example/x", None, Progress::Hide), Err(BoxError::BadSource(_))));
    // Refused before any connection is made: the address is a closed loopback port.
    for url in ["http://127.0.0.1:9/disk.qcow2", "https://127.0.0.1:9/disk.qcow2"] {
        assert!(matches!(store.add("ok", url, None, Progress::Hide), Err(BoxError::ChecksumRequired(_))), "{url}");
    }
    let image = qemu_img_create(tmp.path(), "qcow2", "a.qcow2");
    let bad_sum = store.add("ok", image.to_str().expect("utf-8"), Some("abc"), Progress::Hide);
    assert!(matches!(bad_sum, Err(BoxError::BadChecksum(_))), "{bad_sum:?}");
    assert!(store_entries(&store).is_empty());
}

#[test]
fn missing_box_error_names_the_command_that_gets_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(tmp.path().join("boxes"));

    let default = store.get(DEFAULT_BOX).expect_err("store is empty").to_string();
    assert_eq!(default, "box 'debian-12' is not installed; get it with `mlab box build debian-12`");

    let other = store.get("ubuntu-24.04").expect_err("store is empty").to_string();
    assert!(other.contains("`mlab box add ubuntu-24.04 SOURCE --sha256 H`"), "{other}");
    assert!(!other.contains("mlab box add debian-12"), "{other}");
}

#[test]
fn damaged_box_is_reported_not_listed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = BoxStore::new(tmp.path().join("boxes"));
    std::fs::create_dir_all(store.dir().join("half")).expect("mkdir");
    assert!(matches!(store.get("half"), Err(BoxError::Damaged { .. })));
    assert!(store.list().expect("list").is_empty());
}

/// Serve `body` once over HTTP on loopback; returns the URL.
fn serve_once(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let header = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}/images/cloud.qcow2")
}

#[test]
fn add_from_url_streams_and_verifies() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = qemu_img_create(tmp.path(), "qcow2", "served.qcow2");
    let bytes = std::fs::read(&image).expect("read");
    let expected = sha256_file(&image).expect("hash");
    let store = BoxStore::new(tmp.path().join("boxes"));

    let url = serve_once(bytes);
    let added = store.add("web", &url, Some(&expected), Progress::Hide).expect("download");
    assert_eq!(added.meta.source, url);
    assert_eq!(sha256_file(&added.disk).expect("hash"), expected);

    let url = serve_once(std::fs::read(&image).expect("read"));
    let wrong = "f".repeat(64);
    let mismatch = store.add("web2", &url, Some(&wrong), Progress::Hide);
    assert!(matches!(mismatch, Err(BoxError::ChecksumMismatch { .. })), "{mismatch:?}");
    assert_eq!(store_entries(&store), vec!["web".to_string()]);
}

#[test]
fn a_box_whose_disk_changed_since_it_was_stored_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = qemu_img_create(tmp.path(), "qcow2", "cloud.qcow2");
    let store = BoxStore::new(tmp.path().join("boxes"));
    let added = store.add("tiny", image.to_str().expect("utf-8 path"), None, Progress::Hide).expect("add succeeds");
    assert!(added.disk.with_file_name(".disk.qcow2.verified").is_file(), "stamped when stored");
    store.get("tiny").expect("an intact box");

    // Written in place (same size, other bytes): refused, with the way out.
    let original = std::fs::read(&added.disk).expect("read");
    let mut changed = original.clone();
    let last = changed.len() - 1;
    changed[last] ^= 0xFF;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&added.disk, &changed).expect("write");
    let err = store.get("tiny").expect_err("a changed disk").to_string();
    assert!(err.contains("changed since it was stored") && err.contains("mlab box remove tiny"), "{err}");

    // Put back: hashed again, found intact, stamped again.
    std::fs::write(&added.disk, &original).expect("write");
    store.get("tiny").expect("the original bytes again");
}
