//! The ISO 9660 image that carries the NoCloud documents on a virtual DVD drive.
//!
//! ISO 9660's own names are upper-case 8.3; cloud-init needs `meta-data`, `user-data` and
//! `network-config` as they are spelled, which Rock Ridge (what Linux's isofs reads first) and
//! Joliet carry. The volume id is the label blkid reports, `cidata`.

use std::io::Cursor;
use std::sync::Arc;

use hadris_iso::read::{IsoImage, PathSeparator};
use hadris_iso::write::options::{CreationFeatures, IsoFormatOptions};
use hadris_iso::write::{File as IsoFile, InputFiles, IsoImageWriter};

use super::{SEED_LABEL, SeedConfig, SeedError, meta_data_yaml, network_config_yaml, user_data_yaml};

/// Build the seed as an ISO 9660 image in memory.
pub fn build_seed_iso(cfg: &SeedConfig) -> Result<Vec<u8>, SeedError> {
    let documents = [("meta-data", meta_data_yaml(cfg)?), ("user-data", user_data_yaml(cfg)?), ("network-config", network_config_yaml(cfg)?)];
    let files = InputFiles {
        path_separator: PathSeparator::ForwardSlash,
        files: documents.into_iter().map(|(name, text)| IsoFile::File { name: Arc::new(name.to_string()), contents: text.into_bytes() }).collect(),
    };
    let mut features = CreationFeatures::rock_ridge();
    features.joliet = Some(hadris_iso::joliet::JolietLevel::Level3);
    let options = IsoFormatOptions {
        volume_name: SEED_LABEL.to_string(),
        system_id: None,
        volume_set_id: None,
        publisher_id: None,
        preparer_id: None,
        application_id: None,
        sector_size: 2048,
        path_separator: PathSeparator::ForwardSlash,
        features,
        strict_charset: false,
    };
    let mut image = Cursor::new(Vec::new());
    IsoImageWriter::create(&mut image, files, options).map_err(|e| SeedError::Iso(e.to_string()))?;
    Ok(image.into_inner())
}

/// Read one document back out of an ISO seed (for tests and diagnostics).
pub fn read_iso_file(image: &[u8], name: &str) -> Result<String, SeedError> {
    let iso = IsoImage::open(Cursor::new(image.to_vec())).map_err(|e| SeedError::Iso(e.to_string()))?;
    if let Some(entry) = iso.find_path(&format!("/{name}")).map_err(|e| SeedError::Iso(e.to_string()))? {
        let bytes = iso.read_file(&entry).map_err(|e| SeedError::Iso(e.to_string()))?;
        return String::from_utf8(bytes).map_err(|e| SeedError::Iso(e.to_string()));
    }
    Err(SeedError::Iso(format!("no {name} in the seed image")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_seed_carries_the_three_documents_under_their_names() {
        let cfg = crate::cloudinit::sample_config();
        let image = build_seed_iso(&cfg).expect("iso");
        assert_eq!(&image[0x8001..0x8006], b"CD001", "an ISO 9660 primary volume descriptor");
        assert_eq!(read_iso_file(&image, "meta-data").expect("meta-data"), meta_data_yaml(&cfg).expect("yaml"));
        assert_eq!(read_iso_file(&image, "network-config").expect("network-config"), network_config_yaml(&cfg).expect("yaml"));
        assert!(read_iso_file(&image, "user-data").expect("user-data").starts_with("#cloud-config\n"));
    }

    #[test]
    fn blkid_and_isoinfo_see_the_label_and_the_names() {
        // cloud-init finds the seed by blkid's LABEL and reads it through Linux's isofs, which
        // takes Rock Ridge names first: check with the real tools where they are installed.
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("seed.iso");
        crate::cloudinit::sample_config().write_image(&path, crate::cloudinit::SeedFormat::Iso).expect("write");
        match std::process::Command::new("blkid").args(["-p", "-o", "export"]).arg(&path).output() {
            Ok(out) => {
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(text.contains("LABEL=cidata") && text.contains("TYPE=iso9660"), "{text}");
            }
            Err(_) => eprintln!("skipped blkid: not installed"),
        }
        match std::process::Command::new("isoinfo").args(["-R", "-f", "-i"]).arg(&path).output() {
            Ok(out) => {
                let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
                names.sort();
                assert_eq!(names, ["/meta-data", "/network-config", "/user-data"]);
            }
            Err(_) => eprintln!("skipped isoinfo: not installed (genisoimage)"),
        }
    }
}

#[cfg(test)]
mod egress_tests {
    use crate::cloudinit::{network_config_yaml, sample_config};

    #[test]
    fn a_nat_adapter_takes_dhcp_and_the_default_route() {
        let mut cfg = sample_config();
        cfg.egress_mac = Some("52:54:00:AA:CD:01".into());
        cfg.nameservers.clear();
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&network_config_yaml(&cfg).expect("net")).expect("yaml");
        let lab = &doc["ethernets"]["eth0"];
        assert_eq!(lab["addresses"][0].as_str(), Some("192.168.124.11/24"));
        assert!(lab["gateway4"].is_null() && lab["nameservers"].is_null(), "no default route or DNS on the lab network: {lab:?}");
        let egress = &doc["ethernets"]["eth1"];
        assert_eq!(egress["match"]["macaddress"].as_str(), Some("52:54:00:aa:cd:01"));
        assert_eq!(egress["dhcp4"].as_bool(), Some(true));
        // Without one, the lab network is the way out, as before.
        let plain: serde_yaml_ng::Value = serde_yaml_ng::from_str(&network_config_yaml(&sample_config()).expect("net")).expect("yaml");
        assert_eq!(plain["ethernets"]["eth0"]["gateway4"].as_str(), Some("192.168.124.1"));
        assert!(plain["ethernets"]["eth1"].is_null());
    }
}
