//! The FAT image that carries the NoCloud documents.

use std::io::{Cursor, Read, Write};

use super::{SeedConfig, SeedError, meta_data_yaml, network_config_yaml, user_data_yaml};

/// The volume label cloud-init's NoCloud datasource looks for.
pub const SEED_LABEL: &str = "cidata";

/// 1 MiB: far more than three small YAML files need, and small enough to build in memory.
const SEED_IMAGE_BYTES: usize = 1024 * 1024;

/// Build the seed image (a whole-disk FAT file system, no partition table) in memory.
pub fn build_seed_image(cfg: &SeedConfig) -> Result<Vec<u8>, SeedError> {
    let files = [("meta-data", meta_data_yaml(cfg)?), ("user-data", user_data_yaml(cfg)?), ("network-config", network_config_yaml(cfg)?)];
    let mut label = [b' '; 11];
    label[..SEED_LABEL.len()].copy_from_slice(SEED_LABEL.as_bytes());

    let mut disk = Cursor::new(vec![0u8; SEED_IMAGE_BYTES]);
    fatfs::format_volume(&mut disk, fatfs::FormatVolumeOptions::new().volume_label(label)).map_err(SeedError::Image)?;
    disk.set_position(0);
    {
        let fs = fatfs::FileSystem::new(&mut disk, fatfs::FsOptions::new()).map_err(SeedError::Image)?;
        {
            let root = fs.root_dir();
            for (name, content) in &files {
                let mut file = root.create_file(name).map_err(SeedError::Image)?;
                file.truncate().map_err(SeedError::Image)?;
                file.write_all(content.as_bytes()).map_err(SeedError::Image)?;
                file.flush().map_err(SeedError::Image)?;
            }
        }
        fs.unmount().map_err(SeedError::Image)?;
    }
    Ok(disk.into_inner())
}

/// Read one file back out of a seed image (for tests and `mlab` diagnostics).
pub fn read_seed_file(image: &[u8], name: &str) -> Result<String, SeedError> {
    let fs = fatfs::FileSystem::new(Cursor::new(image.to_vec()), fatfs::FsOptions::new()).map_err(SeedError::Image)?;
    let mut text = String::new();
    fs.root_dir().open_file(name).and_then(|mut f| f.read_to_string(&mut text)).map_err(SeedError::Image)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::keys::KeyPair;

    fn sample() -> SeedConfig {
        crate::cloudinit::sample_config()
    }

    #[test]
    fn seed_image_has_cidata_label_and_three_documents() {
        let cfg = sample();
        let image = build_seed_image(&cfg).expect("image");
        let fs = fatfs::FileSystem::new(Cursor::new(image.clone()), fatfs::FsOptions::new()).expect("fat");
        assert_eq!(fs.volume_label(), "cidata");
        let mut names: Vec<String> = fs.root_dir().iter().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        names.sort();
        assert_eq!(names, ["meta-data", "network-config", "user-data"]);

        let meta: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read_seed_file(&image, "meta-data").expect("meta")).expect("yaml");
        assert_eq!(meta["instance-id"].as_str(), Some("mlab-demo-master1-1"));
        assert_eq!(meta["local-hostname"].as_str(), Some("master1"));
    }

    #[test]
    fn user_data_carries_user_keys_and_host_key() {
        let cfg = sample();
        let image = build_seed_image(&cfg).expect("image");
        let text = read_seed_file(&image, "user-data").expect("user-data");
        assert!(text.starts_with("#cloud-config\n"), "cloud-init ignores user-data without the header");
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("yaml");
        assert_eq!(doc["hostname"].as_str(), Some("master1"));
        assert_eq!(doc["fqdn"].as_str(), Some("master1.demo.test"));
        assert_eq!(doc["ssh_pwauth"].as_bool(), Some(false));
        assert_eq!(doc["locale"].as_bool(), Some(false));
        let bootcmd = &doc["bootcmd"][0];
        assert_eq!(bootcmd[0].as_str(), Some("sh"));
        assert_eq!(bootcmd[4].as_str(), Some("192.168.124.1"), "nameserver passed as an argument");
        assert_eq!(bootcmd[5].as_str(), Some("demo.test"));
        let user = &doc["users"][0];
        assert_eq!(user["name"].as_str(), Some("mlab"));
        assert_eq!(user["sudo"].as_str(), Some("ALL=(ALL) NOPASSWD:ALL"));
        assert_eq!(user["ssh_authorized_keys"][0].as_str(), Some(cfg.authorized_keys[0].as_str()));
        let private = doc["ssh_keys"]["ed25519_private"].as_str().expect("private host key");
        let reparsed = KeyPair::from_openssh(private, std::path::Path::new("seed")).expect("parse host key");
        assert_eq!(reparsed.public_key(), cfg.host_key.public_key());
        assert_eq!(doc["ssh_keys"]["ed25519_public"].as_str().map(str::to_string), Some(cfg.host_key.public_openssh().expect("pub")));
    }

    #[test]
    fn network_config_matches_mac_and_sets_static_address() {
        let cfg = sample();
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&network_config_yaml(&cfg).expect("net")).expect("yaml");
        assert_eq!(doc["version"].as_u64(), Some(2));
        let eth = &doc["ethernets"]["eth0"];
        assert_eq!(eth["match"]["macaddress"].as_str(), Some("52:54:00:ab:cd:01"));
        assert_eq!(eth["addresses"][0].as_str(), Some("192.168.124.11/24"));
        assert_eq!(eth["gateway4"].as_str(), Some("192.168.124.1"));
        assert_eq!(eth["nameservers"]["addresses"][0].as_str(), Some("192.168.124.1"));
        assert_eq!(eth["nameservers"]["search"][0].as_str(), Some("demo.test"));
    }

    #[test]
    fn hostile_hostname_cannot_inject_yaml() {
        let mut cfg = sample();
        cfg.hostname = "x\nssh_pwauth: true".into();
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&user_data_yaml(&cfg).expect("ud")).expect("yaml");
        assert_eq!(doc["ssh_pwauth"].as_bool(), Some(false));
        assert_eq!(doc["hostname"].as_str(), Some("x\nssh_pwauth: true"));
    }

    #[test]
    fn blkid_sees_the_cidata_label() {
        // cloud-init finds the seed through blkid; check with the real tool when it is there.
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("seed.img");
        sample().write_image(&path, crate::cloudinit::SeedFormat::Fat).expect("write");
        let Ok(out) = std::process::Command::new("blkid").args(["-p", "-o", "export"]).arg(&path).output() else {
            eprintln!("skipped: blkid not installed");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.lines().any(|l| l == "LABEL=cidata"), "{text}");
        assert!(text.lines().any(|l| l == "TYPE=vfat"), "{text}");
    }

    #[test]
    fn write_image_creates_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("seed.img");
        sample().write_image(&path, crate::cloudinit::SeedFormat::Fat).expect("write");
        let meta = std::fs::metadata(&path).expect("meta");
        assert_eq!(meta.len() as usize, SEED_IMAGE_BYTES);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}
