//! Tests against libvirt's test driver (no daemon, no VMs) and of the generated domain XML.
//!
//! Each test opens its own private test-driver instance (a `test:///PATH` URI with a node
//! description of its own): `test:///default` is one instance shared by every connection in
//! the process, so tests running in parallel would see each other's networks and domains.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::LibvirtProvider;
use super::accel::AccelChoice;
use super::domain_xml::{domain_facts, domain_xml};
use crate::boxes::{BoxImage, BoxMeta};
use crate::keys::KeyPair;
use crate::provider::Accel;
use crate::provider::{NetworkHost, NetworkMode, NetworkSpec, NodeSpec, NodeState, Provider, ProviderError};

/// A private test-driver host with one network, `default` on 192.168.122.0/24, as libvirt's
/// shared default instance has (the overlap tests need a foreign network to clash with).
const TEST_NODE_XML: &str = "<node>
  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/>
  </network>
</node>
";

fn fake_box(dir: &Path, with_kernel: bool) -> BoxImage {
    BoxImage {
        meta: BoxMeta {
            name: "fake".into(),
            source: "test".into(),
            sha256: String::new(),
            cmdline: with_kernel.then(|| "root=/dev/vda rw console=ttyS0".to_string()),
            packages: Vec::new(),
            guest_setup: 0,
            created: "2026-01-01T00:00:00Z".into(),
        },
        dir: dir.to_path_buf(),
        disk: dir.join("disk.qcow2"),
        kernel: with_kernel.then(|| dir.join("vmlinuz")),
        initrd: with_kernel.then(|| dir.join("initrd.img")),
    }
}

fn node_spec(lab: &str, name: &str, last_octet: u8, state_dir: &Path, box_image: BoxImage) -> NodeSpec {
    NodeSpec {
        lab: lab.into(),
        name: name.into(),
        hostname: name.into(),
        fqdn: format!("{name}.{lab}.test"),
        cpus: 2,
        memory_mib: 1024,
        disk_gib: 4,
        mac: format!("52:54:00:00:00:{last_octet:02x}"),
        ip: Ipv4Addr::new(10, 213, 1, last_octet),
        network: "10.213.1.0/24".parse().expect("net"),
        gateway: Ipv4Addr::new(10, 213, 1, 1),
        domain: format!("{lab}.test"),
        box_image,
        user: "mlab".into(),
        authorized_keys: vec!["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test".into()],
        host_key: KeyPair::generate_ed25519(name).expect("host key"),
        disk_path: state_dir.join(format!("{name}.qcow2")),
        seed_path: state_dir.join(format!("{name}-seed.img")),
        console_log: state_dir.join(format!("{name}-console.log")),
        network_mode: NetworkMode::Isolated,
        owner: "test@host:/labs/x".into(),
    }
}

fn network_spec(lab: &str, cidr: &str) -> NetworkSpec {
    let cidr: ipnet::Ipv4Net = cidr.parse().expect("cidr");
    NetworkSpec {
        lab: lab.into(),
        cidr,
        gateway: cidr.hosts().next().expect("gateway"),
        mode: NetworkMode::Isolated,
        domain: format!("{lab}.test"),
        hosts: vec![NetworkHost {
            mac: "52:54:00:00:00:0b".into(),
            ip: cidr.hosts().nth(10).expect("host"),
            hostname: "n1".into(),
            fqdn: format!("n1.{lab}.test"),
        }],
    }
}

fn qemu_img_base(dir: &Path) -> Option<PathBuf> {
    let base = dir.join("disk.qcow2");
    let status = std::process::Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&base).arg("1G").status().ok()?;
    status.success().then_some(base)
}

#[test]
fn domain_xml_describes_a_tcg_direct_kernel_node() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = node_spec("demo", "master1", 11, dir.path(), fake_box(dir.path(), true));
    let xml = domain_xml(&spec, &AccelChoice { kvm: false, notice: None }).expect("xml");
    let doc = roxmltree::Document::parse(&xml).expect("parse");
    let root = doc.root_element();
    assert_eq!(root.attribute("type"), Some("qemu"));
    let find = |tag: &str| doc.descendants().find(|n| n.has_tag_name(tag));
    assert_eq!(find("name").and_then(|n| n.text()), Some("mlab-demo-master1"));
    assert_eq!(find("memory").and_then(|n| n.text()), Some("1024"));
    assert_eq!(find("memory").and_then(|n| n.attribute("unit")), Some("MiB"));
    assert_eq!(find("vcpu").and_then(|n| n.text()), Some("2"));
    assert!(find("kernel").and_then(|n| n.text()).is_some_and(|k| k.ends_with("vmlinuz")));
    assert!(find("initrd").and_then(|n| n.text()).is_some_and(|k| k.ends_with("initrd.img")));
    assert_eq!(find("cmdline").and_then(|n| n.text()), Some("root=/dev/vda rw console=ttyS0"));
    assert!(find("cpu").is_none(), "TCG must not ask for host-passthrough");

    let disks: Vec<(Option<&str>, Option<&str>, bool)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("disk"))
        .map(|d| {
            let target = d.children().find(|c| c.has_tag_name("target"));
            (target.and_then(|t| t.attribute("dev")), target.and_then(|t| t.attribute("bus")), d.children().any(|c| c.has_tag_name("readonly")))
        })
        .collect();
    assert_eq!(disks, [(Some("vda"), Some("virtio"), false), (Some("vdb"), Some("virtio"), true)]);
    assert!(doc.descendants().all(|n| n.attribute("device") != Some("cdrom")));

    let interface = find("interface").expect("nic");
    let child_attr = |tag: &str, attr: &str| interface.children().find(|c| c.has_tag_name(tag)).and_then(|c| c.attribute(attr)).map(str::to_string);
    assert_eq!(child_attr("mac", "address").as_deref(), Some("52:54:00:00:00:0b"));
    assert_eq!(child_attr("source", "network").as_deref(), Some("mlab-demo"));
    assert_eq!(child_attr("model", "type").as_deref(), Some("virtio"));

    let facts = domain_facts(&xml).expect("mlab metadata");
    assert_eq!(facts.lab, "demo");
    assert_eq!(facts.node, "master1");
    assert_eq!(facts.ip, Some(Ipv4Addr::new(10, 213, 1, 11)));
    assert_eq!(facts.disk_files, [spec.disk_path.clone(), spec.seed_path.clone()]);
    assert_eq!(facts.console_log, Some(spec.console_log.clone()));
}

#[test]
fn domain_xml_for_kvm_and_boot_loader_boxes() {
    let dir = tempfile::tempdir().expect("tmp");
    let spec = node_spec("demo", "agent1", 21, dir.path(), fake_box(dir.path(), false));
    let xml = domain_xml(&spec, &AccelChoice { kvm: true, notice: None }).expect("xml");
    let doc = roxmltree::Document::parse(&xml).expect("parse");
    assert_eq!(doc.root_element().attribute("type"), Some("kvm"));
    assert!(doc.descendants().all(|n| !n.has_tag_name("kernel")));
    let boot = doc.descendants().find(|n| n.has_tag_name("boot")).expect("boot");
    assert_eq!(boot.attribute("dev"), Some("hd"));
    let cpu = doc.descendants().find(|n| n.has_tag_name("cpu")).expect("cpu");
    assert_eq!(cpu.attribute("mode"), Some("host-passthrough"));
}

#[test]
fn foreign_domains_are_not_mlabs() {
    assert!(domain_facts("<domain type='qemu'><name>mlab-x-y</name></domain>").is_none());
}

/// A provider on a test-driver instance of its own, with nothing of any other test in it.
async fn test_provider() -> LibvirtProvider {
    let dir = tempfile::tempdir().expect("tmp");
    let node = dir.path().join("node.xml");
    std::fs::write(&node, TEST_NODE_XML).expect("node xml");
    // The driver reads the file when the connection opens; the directory can go afterwards.
    let provider = LibvirtProvider::connect(&format!("test://{}", node.display()), Accel::Tcg).await.expect("test driver");
    drop(dir);
    provider
}

#[tokio::test]
async fn network_lifecycle_on_test_driver() {
    let provider = test_provider().await;
    let lab = "netlife";
    assert!(!provider.network_exists(lab).await.expect("exists"));
    let spec = network_spec(lab, "10.213.10.0/24");
    provider.ensure_network(&spec).await.expect("create");
    assert!(provider.network_exists(lab).await.expect("exists"));
    provider.ensure_network(&spec).await.expect("ensure is idempotent");
    provider.destroy_network(lab).await.expect("destroy");
    assert!(!provider.network_exists(lab).await.expect("exists"));
    provider.destroy_network(lab).await.expect("destroying a missing network is fine");
}

#[tokio::test]
async fn overlapping_cidr_is_refused_and_names_the_conflict() {
    let provider = test_provider().await;
    // The test driver's built-in network 'default' has 192.168.122.0/24.
    let err = provider.ensure_network(&network_spec("clash", "192.168.122.128/25")).await.expect_err("overlap must be refused");
    match &err {
        ProviderError::NetworkOverlap { conflict, .. } => {
            assert!(conflict.contains("'default'"), "{conflict}")
        }
        other => panic!("expected NetworkOverlap, got {other:?}"),
    }
    assert!(!provider.network_exists("clash").await.expect("exists"), "nothing is created on conflict");

    // Two labs of ours clash too.
    provider.ensure_network(&network_spec("first", "10.214.20.0/24")).await.expect("first");
    let err = provider.ensure_network(&network_spec("second", "10.214.0.0/16")).await.expect_err("overlap");
    assert!(err.to_string().contains("mlab-first"), "{err}");
    provider.destroy_network("first").await.expect("cleanup");
}

#[tokio::test]
async fn node_lifecycle_on_test_driver() {
    let dir = tempfile::tempdir().expect("tmp");
    if qemu_img_base(dir.path()).is_none() {
        eprintln!("skipped: qemu-img not installed (apt-get install qemu-utils)");
        return;
    }
    let provider = test_provider().await;
    let lab = "nodelife";
    provider.ensure_network(&network_spec(lab, "10.213.1.0/24")).await.expect("network");
    let state_dir = dir.path().join("state");
    let spec = node_spec(lab, "n1", 11, &state_dir, fake_box(dir.path(), true));

    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Missing);
    provider.create_node(&spec).await.expect("create");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Stopped);
    assert!(spec.disk_path.is_file(), "linked clone created");
    let seed = std::fs::read(&spec.seed_path).expect("seed written");
    let meta = crate::cloudinit::read_seed_file(&seed, "meta-data").expect("meta-data");
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("meta-data is JSON");
    assert_eq!(meta["local-hostname"], "n1");
    provider.create_node(&spec).await.expect("creating an existing node is a no-op");

    let nodes = provider.list_nodes(lab).await.expect("list");
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].name, "n1");
    assert_eq!(nodes[0].ip, Some(spec.ip));
    assert_eq!(nodes[0].files, [spec.disk_path.clone(), spec.seed_path.clone()], "the files its definition uses");
    assert!(nodes[0].missing_files.is_empty(), "{:?}", nodes[0].missing_files);
    // A seed removed behind the definition's back is reported, so `up` can define it again.
    std::fs::rename(&spec.seed_path, dir.path().join("seed.aside")).expect("move seed");
    assert_eq!(provider.list_nodes(lab).await.expect("list")[0].missing_files, vec![spec.seed_path.clone()]);
    std::fs::rename(dir.path().join("seed.aside"), &spec.seed_path).expect("restore seed");
    let found = provider.lookup_node(lab, "n1").await.expect("lookup").expect("defined");
    assert_eq!(found.ip, Some(spec.ip));
    assert_eq!(found.console_log, Some(spec.console_log.clone()));

    provider.start_node(lab, "n1").await.expect("start");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Running);
    provider.start_node(lab, "n1").await.expect("starting a running node is a no-op");
    // The test driver's guests obey a shutdown request at once.
    let outcome = provider.stop_node(lab, "n1", Duration::from_secs(5)).await.expect("stop");
    assert_eq!(outcome, crate::provider::StopOutcome::ShutDown);
    assert_eq!(provider.stop_node(lab, "n1", Duration::from_secs(5)).await.expect("stop again"), crate::provider::StopOutcome::AlreadyStopped);
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Stopped);

    provider.start_node(lab, "n1").await.expect("restart");
    provider.destroy_node(lab, "n1").await.expect("destroy");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Missing);
    assert!(!spec.disk_path.exists(), "disk deleted");
    assert!(!spec.seed_path.exists(), "seed deleted");
    assert!(dir.path().join("disk.qcow2").exists(), "the box disk is never deleted");
    provider.destroy_node(lab, "n1").await.expect("destroying a missing node is fine");
    provider.destroy_network(lab).await.expect("network");
}

#[tokio::test]
async fn list_nodes_keeps_labs_with_prefix_names_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    if qemu_img_base(dir.path()).is_none() {
        eprintln!("skipped: qemu-img not installed (apt-get install qemu-utils)");
        return;
    }
    let provider = test_provider().await;
    // Domain names collide in shape: lab "pfx" node "b-c" vs lab "pfx-b" node "c".
    let a = node_spec("pfx", "b-c", 31, &dir.path().join("a"), fake_box(dir.path(), true));
    let mut b = node_spec("pfx-b", "d", 32, &dir.path().join("b"), fake_box(dir.path(), true));
    b.owner = "student7@laptop:/home/student7/.local/share/mlab/labs/pfx-b".into();
    provider.create_node(&a).await.expect("a");
    provider.create_node(&b).await.expect("b");
    let in_a: Vec<String> = provider.list_nodes("pfx").await.expect("list").into_iter().map(|n| n.name).collect();
    let in_b: Vec<String> = provider.list_nodes("pfx-b").await.expect("list").into_iter().map(|n| n.name).collect();
    assert_eq!(in_a, ["b-c"]);
    assert_eq!(in_b, ["d"]);
    // Every lab on the host, each node with the lab and owner recorded in its marker.
    let all: Vec<(String, String, Option<String>)> = provider.list_all_nodes().await.expect("all").into_iter().map(|n| (n.lab, n.name, n.owner)).collect();
    assert_eq!(all, [("pfx".into(), "b-c".into(), Some(a.owner.clone())), ("pfx-b".into(), "d".into(), Some(b.owner.clone()))]);
    provider.destroy_node("pfx", "b-c").await.expect("cleanup");
    provider.destroy_node("pfx-b", "d").await.expect("cleanup");
}

#[tokio::test]
async fn usable_as_shared_trait_object() {
    let provider: std::sync::Arc<dyn Provider> = std::sync::Arc::new(test_provider().await);
    assert_eq!(provider.node_state("none", "none").await.expect("state"), NodeState::Missing);
}

#[tokio::test]
async fn create_nodes_in_parallel_reports_failures() {
    let dir = tempfile::tempdir().expect("tmp");
    if qemu_img_base(dir.path()).is_none() {
        eprintln!("skipped: qemu-img not installed (apt-get install qemu-utils)");
        return;
    }
    let provider: std::sync::Arc<dyn Provider> = std::sync::Arc::new(test_provider().await);
    let good = node_spec("par", "p1", 41, &dir.path().join("s"), fake_box(dir.path(), true));
    let mut bad = node_spec("par", "p2", 42, &dir.path().join("s"), fake_box(dir.path(), true));
    bad.box_image.disk = dir.path().join("missing.qcow2");
    let err = crate::provider::create_nodes(provider.clone(), vec![good.clone(), bad]).await.expect_err("bad box");
    assert!(err.to_string().contains("missing.qcow2"), "{err}");
    assert_eq!(provider.node_state("par", "p1").await.expect("state"), NodeState::Stopped);
    assert_eq!(provider.node_state("par", "p2").await.expect("state"), NodeState::Missing);
    provider.destroy_node("par", "p1").await.expect("cleanup");
}

#[tokio::test]
async fn gateway_outside_the_network_is_refused() {
    let provider = test_provider().await;
    let mut spec = network_spec("badgw", "10.213.30.0/24");
    spec.gateway = Ipv4Addr::new(10, 213, 31, 1);
    let err = provider.ensure_network(&spec).await.expect_err("bad gateway");
    assert!(err.to_string().contains("10.213.31.1"), "{err}");
    assert!(!provider.network_exists("badgw").await.expect("exists"));
}

#[tokio::test]
async fn snapshots_pause_save_revert_and_delete_on_test_driver() {
    let dir = tempfile::tempdir().expect("tmp");
    if qemu_img_base(dir.path()).is_none() {
        eprintln!("skipped: qemu-img not installed (apt-get install qemu-utils)");
        return;
    }
    let provider = test_provider().await;
    let lab = "snap";
    let spec = node_spec(lab, "n1", 51, &dir.path().join("s"), fake_box(dir.path(), true));
    provider.create_node(&spec).await.expect("create");
    provider.start_node(lab, "n1").await.expect("start");
    assert!(provider.snapshots(lab, "n1").await.expect("none").is_empty());

    provider.pause_node(lab, "n1").await.expect("pause");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Other("paused".into()));
    provider.save_snapshot(lab, "n1", "clean").await.expect("save");
    provider.resume_node(lab, "n1").await.expect("resume");
    provider.resume_node(lab, "n1").await.expect("resuming a running node is a no-op");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Running);
    assert_eq!(provider.snapshots(lab, "n1").await.expect("list"), ["clean"]);

    // Reverted, a node saved while it ran is left paused, for the lab to resume all at once.
    provider.stop_node(lab, "n1", Duration::from_secs(5)).await.expect("stop");
    provider.revert_snapshot(lab, "n1", "clean").await.expect("revert");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Other("paused".into()));
    let err = provider.revert_snapshot(lab, "n1", "monday").await.expect_err("no such snapshot");
    assert!(err.to_string().contains("snapshot monday"), "{err}");

    provider.delete_snapshot(lab, "n1", "clean").await.expect("delete");
    provider.delete_snapshot(lab, "n1", "clean").await.expect("deleting a missing snapshot is fine");
    assert!(provider.snapshots(lab, "n1").await.expect("list").is_empty());
    // A node with snapshots is still destroyed whole (its snapshots' metadata with it).
    provider.save_snapshot(lab, "n1", "again").await.expect("save");
    provider.destroy_node(lab, "n1").await.expect("destroy with a snapshot");
    assert_eq!(provider.node_state(lab, "n1").await.expect("state"), NodeState::Missing);
    assert!(provider.snapshots(lab, "n1").await.expect("no VM, no snapshots").is_empty());
}
