//! One test per class of bad lab input: `mlab validate` exits non-zero and names the file, the
//! line and column, the field, and what to do.

use std::path::Path;

use assert_cmd::Command;

/// Write `files` into a temp dir, run `mlab validate <first file>`, return (exit ok?, stderr).
fn validate(files: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::cargo_bin("mlab")
        .unwrap()
        .current_dir(dir.path())
        .env("MLAB_LABS_DIR", dir.path().join("no-user-labs"))
        .args(["validate", files[0].0])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_error(files: &[(&str, &str)], expected: &[&str]) {
    let (ok, stderr) = validate(files);
    assert!(!ok, "validate should fail; stderr:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected `{e}` in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

const MASTER: &str = "  - name: master1\n    roles: [zookeeper, mesos-master]\n";

#[test]
fn yaml_syntax_error() {
    assert_error(
        &[("lab.yaml", "nodes:\n  - name: a\n  roles: [x]\n")],
        &["YAML syntax error", "--> lab.yaml:3:3", "3 |   roles: [x]", "help: fix the YAML syntax"],
    );
}

#[test]
fn unknown_field_with_suggestion() {
    assert_error(
        &[("lab.yaml", &format!("nodes:\n{MASTER}    memroy: 2G\n"))],
        &["unknown field `memroy` in `nodes[0]`", "--> lab.yaml:4:5", "field `nodes[0].memroy`", "did you mean `memory`?"],
    );
    assert_error(&[("lab.yaml", &format!("netwrk: {{}}\nnodes:\n{MASTER}"))], &["unknown field `netwrk`", "lab.yaml:1:1", "did you mean `network`?"]);
}

#[test]
fn bad_cidr() {
    assert_error(
        &[("lab.yaml", &format!("network:\n  cidr: 192.168.300.0/24\nnodes:\n{MASTER}"))],
        &["bad CIDR `192.168.300.0/24`", "lab.yaml:2:9", "field `network.cidr`", "192.168.58.0/24"],
    );
    assert_error(&[("lab.yaml", &format!("network:\n  cidr: 10.0.0.0/28\nnodes:\n{MASTER}"))], &["bad CIDR", "at least a /24"]);
}

#[test]
fn ip_outside_subnet() {
    assert_error(
        &[("lab.yaml", &format!("network:\n  cidr: 10.5.0.0/24\nnodes:\n{MASTER}    ip: 10.6.0.10\n"))],
        &["IP 10.6.0.10 is outside the lab network", "lab.yaml:6:9", "field `nodes[0].ip`", "pick an address from 10.5.0.2"],
    );
}

#[test]
fn ip_used_twice() {
    let text = format!("network:\n  cidr: 10.5.0.0/24\nnodes:\n{MASTER}    ip: 10.5.0.9\n  - name: a\n    roles: [mesos-agent]\n    ip: 10.5.0.9\n");
    assert_error(&[("lab.yaml", &text)], &["IP 10.5.0.9 is used twice (also by `nodes[0]`)", "lab.yaml:9:9", "field `nodes[1].ip`"]);
}

#[test]
fn duplicate_node_names() {
    let text = format!("nodes:\n{MASTER}  - name: agent\n    count: 2\n    roles: [mesos-agent]\n  - name: agent2\n    roles: [mesos-agent]\n");
    assert_error(&[("lab.yaml", &text)], &["duplicate node name `agent2`", "lab.yaml:7:11", "field `nodes[2].name`", "rename one"]);
}

#[test]
fn no_master() {
    assert_error(&[("lab.yaml", "nodes:\n  - name: zk1\n    roles: [zookeeper]\n")], &["the lab has no Mesos master", "lab.yaml:1:1", "mesos-master"]);
}

#[test]
fn even_number_of_zookeepers() {
    let text = "nodes:\n  - name: m\n    count: 2\n    roles: [zookeeper, mesos-master]\n";
    assert_error(&[("lab.yaml", text)], &["2 ZooKeeper nodes: an ensemble needs an odd number", "lab.yaml:4:12", "use 1 or 3"]);
}

#[test]
fn memory_below_role_needs() {
    let text = "nodes:\n  - name: m\n    roles: [zookeeper, mesos-master, marathon]\n    memory: 512M\n";
    assert_error(
        &[("lab.yaml", text)],
        &["node `m` has 512 MiB of memory, below the 1536 MiB its roles need", "lab.yaml:4:13", "field `nodes[0].memory`", "set `memory: 1536`"],
    );
}

#[test]
fn unknown_role() {
    let text = "nodes:\n  - name: m\n    roles: [zookeeper, mesos-mastr]\n";
    assert_error(&[("lab.yaml", text)], &["unknown role `mesos-mastr`", "lab.yaml:3:24", "field `nodes[0].roles[1]`", "did you mean `mesos-master`?"]);
}

#[test]
fn artifact_without_checksum() {
    let text = format!("nodes:\n{MASTER}artifacts:\n  mesos:\n    source: /srv/mesos.deb\n");
    assert_error(&[("lab.yaml", &text)], &["artifact `mesos` has no sha256 checksum", "lab.yaml:5:3", "field `artifacts.mesos`", "sha256sum"]);
}

#[test]
fn composition_cycle() {
    assert_error(&[("a.yaml", "extends: b.yaml\n"), ("b.yaml", "extends: ./a.yaml\n")], &["composition cycle", "a.yaml -> ", "b.yaml:1:10", "field `extends`"]);
}

#[test]
fn unknown_base_lab() {
    assert_error(
        &[("lab.yaml", "extends: mini-clustr\n")],
        &["no lab named `mini-clustr`", "lab.yaml:1:10", "field `extends`", "did you mean `mini-cluster`?"],
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let text = "nodes:\n  - name: m\n    roles: [zookeeper, mesos-master]\n    memory: 300\n  - name: m\n    roles: [docker]\n";
    let (ok, stderr) = validate(&[("lab.yaml", text)]);
    assert!(!ok);
    assert!(stderr.contains("duplicate node name `m`") && stderr.contains("below the"), "{stderr}");
    assert!(stderr.contains("2 errors found"), "{stderr}");
}

#[test]
fn errors_in_a_base_lab_point_into_the_base_file() {
    let base = "network:\n  cidr: 10.7.0.0/24\nnodes:\n  - name: master1\n    roles: [zookeeper, mesos-master]\n";
    let child = "extends: base.yaml\nnodes:\n  - name: master1\n    memory: 600M\n";
    let (ok, stderr) = validate(&[("child.yaml", child), ("base.yaml", base)]);
    assert!(!ok);
    // The memory was set by the child: the error points there.
    assert!(stderr.contains("child.yaml:4:13") && stderr.contains("field `nodes[0].memory`"), "{stderr}");
    assert!(Path::new("x").is_relative());
}

#[test]
fn memory_beyond_what_a_vm_can_have() {
    assert_error(
        &[("big.yaml", "name: big\nnetwork: {cidr: 10.9.0.0/24}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master], memory: 900T}\n")],
        &["big.yaml:4:", "nodes[0].memory", "more than a lab VM can have"],
    );
    assert_error(
        &[("d.yaml", "name: d\nnetwork: {cidr: 10.9.0.0/24}\ndefaults: {cpus: 0}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master]}\n")],
        &["d.yaml:3:", "defaults.cpus", "between 1 and 64"],
    );
}

#[test]
fn extends_only_reads_small_yaml_files() {
    // /dev/zero would be read until memory runs out; another file's first line would be quoted.
    assert_error(&[("z.yaml", "name: z\nextends: /dev/zero\n")], &["z.yaml:2:", "extends", "`.yaml` or `.yml`"]);
    let (ok, stderr) = validate(&[("p.yaml", "name: p\nextends: /etc/passwd\n")]);
    assert!(!ok && stderr.contains("`.yaml` or `.yml`"), "{stderr}");
    assert!(!stderr.contains("root:"), "nothing of the other file is quoted: {stderr}");
    let big = format!("name: big\n# {}\n", "x".repeat(2 << 20));
    assert_error(&[("child.yaml", "name: child\nextends: ./big.yaml\n"), ("big.yaml", &big)], &["child.yaml:2:", "bytes; a lab file has at most"]);
}

#[test]
fn more_nodes_than_addresses() {
    // Every node gets an address in the first /24: 298 nodes used to validate, 45 of them 0.0.0.0.
    let lab = "name: wide\nnetwork: {cidr: 10.20.0.0/16}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master]}\n  - {name: a, count: 99, roles: [mesos-agent], memory: 1G}\n  - {name: b, count: 99, roles: [mesos-agent], memory: 1G}\n  - {name: c, count: 99, roles: [mesos-agent], memory: 1G}\n";
    assert_error(&[("wide.yaml", lab)], &["wide.yaml:3:1", "298 nodes", "at most 250"]);
}

/// Values that land in root scripts, environment files and units in the guests.
#[test]
fn free_form_values_that_could_mean_more_than_their_text() {
    const SUM: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    let text = format!(
        "nodes:\n{MASTER}settings:\n  mesos:\n    cluster: \"lab\\nLD_PRELOAD=/tmp/x.so\"\nartifacts:\n  ../../usr:\n    source: /srv/x.tgz\n    sha256: {SUM}\n  chronos:\n    source: \"/srv/chronos$(reboot).jar\"\n    sha256: {SUM}\n  kafka:\n    source: /srv/k.tgz\n    file: \"k .tgz\"\n    sha256: {SUM}\n"
    );
    assert_error(
        &[("lab.yaml", &text)],
        &[
            "is not usable as a Mesos cluster name",
            "lab.yaml:6:14",
            "field `settings.mesos.cluster`",
            "`../../usr` is not usable as an artifact name",
            "lab.yaml:8:3",
            "field `artifacts.../../usr`",
            "the file name `chronos$(reboot).jar` taken from the source is not usable",
            "lab.yaml:12:13",
            "field `artifacts.chronos.source`",
            "`k .tgz` is not usable as a file name",
            "lab.yaml:16:11",
            "field `artifacts.kafka.file`",
        ],
    );
    assert_error(
        &[("lab.yaml", &format!("description: \"one\\ttwo\"\nnodes:\n{MASTER}"))],
        &["the description contains the control character", "lab.yaml:1:14"],
    );
    assert_error(&[("lab.yaml", &format!("box: ../boxes\nnodes:\n{MASTER}"))], &["invalid box name", "lab.yaml:1:6", "field `box`"]);
}

#[test]
fn validate_json_lists_every_error_for_editors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.yaml"), format!("network:\n  cidr: 10.5.0.0/24\nnodes:\n{MASTER}    ip: 10.6.0.10\n    memory: 512\n")).unwrap();
    let out = Command::cargo_bin("mlab")
        .unwrap()
        .current_dir(dir.path())
        .env("MLAB_LABS_DIR", dir.path().join("none"))
        .args(["validate", "--json", "lab.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["ok"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{v}");
    let ip = errors.iter().find(|e| e["field"] == "nodes[0].ip").expect("the ip error");
    assert_eq!((ip["file"].as_str(), ip["line"].as_u64(), ip["column"].as_u64()), (Some("lab.yaml"), Some(6), Some(9)));
    assert!(ip["message"].as_str().unwrap().contains("outside the lab network"));
    assert!(ip["help"].as_str().unwrap().contains("10.5.0.2"));

    let ok = Command::cargo_bin("mlab").unwrap().env("MLAB_LABS_DIR", dir.path().join("none")).args(["validate", "--json", "mini-cluster"]).output().unwrap();
    assert!(ok.status.success());
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!((v["ok"].as_bool(), v["nodes"].as_u64()), (Some(true), Some(6)));
}

/// A lab network must be private unicast IPv4: loopback, link-local, multicast, reserved,
/// documentation and public ranges collide with the host or the world.
#[test]
fn networks_that_are_not_private() {
    for (cidr, kind) in [
        ("127.0.0.0/24", "loopback"),
        ("169.254.1.0/24", "link-local"),
        ("224.1.0.0/24", "multicast"),
        ("240.0.0.0/24", "reserved"),
        ("0.0.1.0/24", "this network"),
        ("198.51.100.0/24", "documentation"),
        ("8.8.8.0/24", "public"),
    ] {
        let lab = format!("name: a\nnetwork:\n  cidr: {cidr}\nnodes:\n{MASTER}");
        assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:3:9", "field `network.cidr`", "not a private network", kind, "192.168.0.0/16"]);
    }
    let (ok, stderr) = validate(&[("lab.yaml", &format!("name: a\nnetwork:\n  cidr: 127.77.0.0/24\n  any_range: true\nnodes:\n{MASTER}"))]);
    assert!(ok, "any_range accepts a network on purpose:\n{stderr}");
    for cidr in ["10.20.0.0/24", "172.16.5.0/24", "192.168.200.0/24"] {
        let (ok, stderr) = validate(&[("lab.yaml", &format!("name: a\nnetwork:\n  cidr: {cidr}\nnodes:\n{MASTER}"))]);
        assert!(ok, "{cidr} is private:\n{stderr}");
    }
}

/// Disk sizes have bounds like memory: none so large the doctor's sum would wrap.
#[test]
fn disks_without_bounds() {
    let lab = format!("name: a\nnodes:\n{MASTER}    disk: 18446744073709551615\n");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:5:11", "field `nodes[0].disk`", "1 to 2048 GiB"]);
    let lab = format!("name: a\ndefaults:\n  disk: 0\nnodes:\n{MASTER}");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:3:9", "field `defaults.disk`"]);
}

/// Ports and counts a lab sets are bounded, and no node listens on one port twice.
#[test]
fn ports_and_counts_that_cannot_work() {
    let agent = "  - name: agent\n    count: 2\n    roles: [mesos-agent, kafka-broker]\n";
    let lab = format!("name: a\nnodes:\n{MASTER}{agent}settings:\n  kafka:\n    broker_port: 0\n");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:10:18", "field `settings.kafka.broker_port`", "between 1 and 65534, not 0"]);
    let lab = format!("name: a\nnodes:\n{MASTER}{agent}settings:\n  kafka:\n    broker_port: 5050\n");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:10:18", "would listen on port 5051 twice", "the Mesos agent (mesos-agent)", "the Kafka controller"]);
    let lab = format!("name: a\nnodes:\n{MASTER}{agent}settings:\n  kafka:\n    brokers: 4294967295\n");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:10:14", "brokers must be between 1 and 250"]);
    let lab = format!("name: a\nnodes:\n{MASTER}  - name: agent\n    count: 2\n    autostart: 3\n    roles: [mesos-agent]\n");
    assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:7:16", "field `nodes[1].autostart`", "more nodes than the 2"]);
    // marathon-lb fronts Marathon on a node without it (beside Marathon it leaves 8080 alone).
    let lab = format!("name: a\nnodes:\n{MASTER}  - name: lb1\n    roles: [marathon-lb, kafka-broker]\nsettings:\n  kafka:\n    broker_port: 8080\n");
    assert_error(&[("lab.yaml", &lab)], &["would listen on port 8080 twice", "haproxy's Marathon front (marathon-lb)", "the Kafka broker (kafka-broker)"]);
}

/// The lab's domain cannot be Mesos-DNS's own, where its names live.
#[test]
fn a_domain_that_mesos_dns_owns() {
    for domain in ["mesos", "lab.mesos"] {
        let lab = format!("name: a\nnetwork:\n  domain: {domain}\nnodes:\n  - name: leader\n    roles: [zookeeper, mesos-master, mesos-dns]\n");
        assert_error(&[("lab.yaml", &lab)], &["--> lab.yaml:3:11", "field `network.domain`", "Mesos-DNS's own domain"]);
    }
}
