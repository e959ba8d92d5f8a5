//! The cloud-init seed documents mean in the guest's YAML 1.1 reader what mlab meant.
//!
//! cloud-init parses `meta-data`, `user-data` and `network-config` with PyYAML (YAML 1.1),
//! where a plain `52:54:00:03:29:44` is a base-60 integer and `no`, `on`, `null`, `0777` or
//! `1e3` are not strings. These tests read every document with Debian's python3-yaml, the
//! parser the guest runs, and compare what it read with what mlab meant: the same document
//! read by a YAML 1.2 reader, and the field values mlab put in.
//!
//! Needs python3 with the `yaml` module (Debian's python3-yaml). Without it the tests say so
//! and skip, unless `CI` or `MLAB_REQUIRE_TOOLS` is set, where they fail.

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use mlab::cloudinit::{SeedConfig, meta_data_yaml, network_config_yaml, user_data_yaml};
use mlab::keys::KeyPair;
use mlab::lab::resolve::mac_for;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;

use crate::common::{BUILTIN_LABS, resolved};

/// Reads one document per line (JSON-encoded text) with PyYAML's safe loader, as cloud-init
/// does, and prints each result as one line of JSON (a YAML 1.1 int stays an int, and so on).
const PYYAML_READER: &str = r#"
import json, sys, yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for line in sys.stdin:
    print(json.dumps(yaml.load(json.loads(line), Loader=Loader), default=str))
"#;

fn python_with_yaml() -> bool {
    let ok = Command::new("python3").args(["-c", "import yaml"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        let required = std::env::var_os("CI").is_some() || std::env::var_os("MLAB_REQUIRE_TOOLS").is_some();
        assert!(!required, "python3 with the yaml module is not installed; apt-get install -y python3-yaml");
        eprintln!("SKIPPED: python3 with the yaml module is not installed (apt-get install -y python3-yaml)");
    }
    ok
}

/// Every document as PyYAML reads it, in order.
fn read_with_pyyaml(documents: &[String]) -> Vec<Value> {
    let mut child = Command::new("python3").args(["-c", PYYAML_READER]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python3 starts");
    let mut input = String::new();
    for document in documents {
        input.push_str(&serde_json::to_string(document).expect("a string encodes"));
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("python3 reads its input"));
    let output = child.wait_with_output().expect("python3 runs");
    writer.join().expect("writer");
    assert!(output.status.success(), "PyYAML could not read a seed document");
    let read: Vec<Value> = String::from_utf8(output.stdout).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(read.len(), documents.len());
    read
}

fn seed(instance: &str, node: &str, mac: &str, domain: &str, host_key: &KeyPair, login: &str) -> SeedConfig {
    SeedConfig {
        instance_id: format!("mlab-{instance}-{node}-{}", mac.replace(':', "")),
        hostname: node.to_string(),
        fqdn: format!("{node}.{domain}"),
        user: "mlab".into(),
        authorized_keys: vec![login.to_string()],
        host_key: host_key.clone(),
        mac: mac.to_string(),
        address: "192.168.61.11/24".parse().expect("net"),
        gateway: Ipv4Addr::new(192, 168, 61, 1),
        nameservers: vec![Ipv4Addr::new(192, 168, 61, 1)],
        search_domain: Some(domain.to_string()),
        egress_mac: Some(mac_for(instance, &format!("{node}-egress"), 0)),
    }
}

/// The three documents of a seed, user-data without its `#cloud-config` line (a comment).
fn documents(cfg: &SeedConfig) -> [String; 3] {
    [meta_data_yaml(cfg).expect("meta-data"), user_data_yaml(cfg).expect("user-data"), network_config_yaml(cfg).expect("network-config")]
}

/// What PyYAML read of one seed is what mlab meant: the whole of each document equals a YAML
/// 1.2 reading of it, and the fields that carry names and addresses hold exactly mlab's strings.
fn check_seed(cfg: &SeedConfig, docs: &[String; 3], read: &[Value]) -> Result<(), String> {
    for (text, got) in docs.iter().zip(read) {
        let meant: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("not YAML: {e}\n{text}"))?;
        if &meant != got {
            return Err(format!("YAML 1.1 reads\n{got}\nwhere mlab meant\n{meant}\nin\n{text}"));
        }
    }
    let expect = |value: &Value, pointer: &str, want: &str| match value.pointer(pointer) {
        Some(Value::String(s)) if s == want => Ok(()),
        other => Err(format!("{pointer} reads as {other:?}, not the string {want:?}")),
    };
    let (meta, user, net) = (&read[0], &read[1], &read[2]);
    expect(meta, "/instance-id", &cfg.instance_id)?;
    expect(meta, "/local-hostname", &cfg.hostname)?;
    expect(user, "/hostname", &cfg.hostname)?;
    expect(user, "/fqdn", &cfg.fqdn)?;
    expect(user, "/users/0/name", &cfg.user)?;
    expect(net, "/ethernets/eth0/match/macaddress", &cfg.mac.to_ascii_lowercase())?;
    expect(net, "/ethernets/eth0/addresses/0", &cfg.address.to_string())?;
    if let Some(egress) = &cfg.egress_mac {
        expect(net, "/ethernets/eth1/match/macaddress", &egress.to_ascii_lowercase())?;
    }
    Ok(())
}

/// A host key and a login key's public line, as every seed carries them.
fn keys() -> (KeyPair, String) {
    let login = KeyPair::generate_ed25519("mlab@lab").expect("key").public_openssh().expect("pub");
    (KeyPair::generate_ed25519("host").expect("key"), login)
}

fn check_all(seeds: &[SeedConfig]) {
    let docs: Vec<[String; 3]> = seeds.iter().map(documents).collect();
    let flat: Vec<String> = docs.iter().flat_map(|d| d.iter().cloned()).collect();
    let read = read_with_pyyaml(&flat);
    let failures: Vec<String> = seeds
        .iter()
        .zip(&docs)
        .zip(read.chunks(3))
        .filter_map(|((cfg, d), r)| check_seed(cfg, d, r).err().map(|e| format!("{} (mac {}): {e}", cfg.instance_id, cfg.mac)))
        .collect();
    assert!(failures.is_empty(), "{} of {} seeds read differently under YAML 1.1; the first:\n{}", failures.len(), seeds.len(), failures[0]);
}

#[test]
fn every_node_of_every_builtin_lab_has_seeds_that_yaml_1_1_reads_as_meant() {
    if !python_with_yaml() {
        return;
    }
    let (host_key, login) = keys();
    let mut seeds = Vec::new();
    for name in BUILTIN_LABS {
        let lab = resolved(name);
        for node in &lab.nodes {
            seeds.push(seed(&lab.name, &node.name, &node.mac, &lab.network.domain, &host_key, &login));
        }
    }
    // ha-cluster's master2 is the node issue 30 found: all three last groups are decimal
    // digits below 60, which YAML 1.1 reads as one base-60 integer.
    let master2 = seeds.iter().find(|s| s.instance_id.starts_with("mlab-ha-cluster-master2-")).expect("ha-cluster has master2");
    assert_eq!(master2.mac, "52:54:00:54:10:25");
    check_all(&seeds);
}

#[test]
fn names_and_values_that_yaml_1_1_types_stay_strings() {
    if !python_with_yaml() {
        return;
    }
    let (host_key, login) = keys();
    let words = ["no", "on", "off", "yes", "y", "n", "true", "false", "null", "NO", "On", "Yes", "0777", "1e3", "1_000", "12:30", "0x1f"];
    let macs = ["52:54:00:54:10:25", "52:54:00:03:29:44", "52:54:00:00:00:00", "52:54:00:59:59:59", "52:54:00:12:34:56"];
    let mut seeds = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let mac = macs[i % macs.len()];
        seeds.push(seed(word, word, mac, word, &host_key, &login));
        let mut odd = seed("lab", word, mac, "lab.test", &host_key, &login);
        odd.user = word.to_string();
        seeds.push(odd);
    }
    check_all(&seeds);
}

#[test]
fn ten_thousand_random_lab_and_node_names_have_seeds_that_yaml_1_1_reads_as_meant() {
    if !python_with_yaml() {
        return;
    }
    let (host_key, login) = keys();
    let mut rng = StdRng::seed_from_u64(30);
    let name = |rng: &mut StdRng| -> String {
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-";
        let len = rng.random_range(1..=12);
        let mut s: String = (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect();
        s = s.trim_matches('-').to_string();
        if s.is_empty() { "n".into() } else { s }
    };
    let mut seeds = Vec::new();
    let mut numeric_macs = 0;
    for _ in 0..10_000 {
        let (lab, node) = (name(&mut rng), name(&mut rng));
        let mac = mac_for(&lab, &node, 0);
        if mac.split(':').skip(3).all(|g| g.bytes().all(|b| b.is_ascii_digit()) && g < "60") {
            numeric_macs += 1;
        }
        seeds.push(seed(&lab, &node, &mac, &format!("{lab}.test"), &host_key, &login));
    }
    // About 1.4 % of MACs read as numbers in YAML 1.1: the sample must hold some.
    assert!(numeric_macs > 50, "only {numeric_macs} MACs of 10,000 look numeric; the sample does not test the case");
    check_all(&seeds);
}
