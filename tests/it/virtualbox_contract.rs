//! The VirtualBox provider against a fake VBoxManage (tests/fakes/VBoxManage) that checks every
//! call against VBoxManage's documented syntax, answers in its `--machinereadable` and `list`
//! formats, and fails as VBoxManage does. This is a contract test: no VirtualBox runs here.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mlab::boxes::{BoxImage, BoxMeta};
use mlab::keys::KeyPair;
use mlab::provider::virtualbox::VirtualBoxProvider;
use mlab::provider::virtualbox::manage::VBoxManage;
use mlab::provider::{NetworkMode, NetworkSpec, NodeSpec, NodeState, Provider, ProviderError, StopOutcome, create_nodes};
use serde_json::Value;

/// One fake VirtualBox host: its state directory and a VBoxManage that uses it.
struct FakeHost {
    dir: tempfile::TempDir,
}

impl FakeHost {
    fn new() -> FakeHost {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fakes/VBoxManage");
        let home = dir.path().join("vbox");
        std::fs::create_dir_all(&home).expect("fake home");
        // A wrapper per host, so tests running in parallel keep their own state.
        let wrapper = dir.path().join("VBoxManage");
        std::fs::write(&wrapper, format!("#!/bin/sh\nFAKE_VBOX_HOME='{}' exec python3 '{}' \"$@\"\n", home.display(), fake.display())).expect("wrapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        FakeHost { dir }
    }

    fn manage(&self) -> VBoxManage {
        VBoxManage { program: self.dir.path().join("VBoxManage") }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("vbox")
    }

    /// A call made by hand, as a user (or another program) would.
    fn vboxmanage(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(self.dir.path().join("VBoxManage")).args(args).output().expect("run the fake")
    }

    /// Every call mlab made, as argument lists.
    fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.home().join("calls.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("a logged call")).collect()
    }

    fn state(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.home().join("state.json")).expect("fake state")).expect("state json")
    }

    async fn provider(&self) -> Arc<dyn Provider> {
        Arc::new(VirtualBoxProvider::connect(self.manage()).await.expect("the fake answers --version"))
    }

    /// A box with its own boot loader (a 16 MiB empty qcow2: nothing boots in the fake).
    fn boxed(&self, direct_kernel: bool) -> BoxImage {
        let dir = self.dir.path().join("box");
        std::fs::create_dir_all(&dir).expect("box dir");
        let disk = dir.join("disk.qcow2");
        if !disk.exists() {
            let made = std::process::Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&disk).arg("16M").status().expect("qemu-img");
            assert!(made.success());
        }
        BoxImage {
            meta: BoxMeta {
                name: "cloud".into(),
                source: "test".into(),
                sha256: "ab".repeat(32),
                cmdline: direct_kernel.then(|| "root=/dev/vda rw".to_string()),
                packages: Vec::new(),
                guest_setup: 0,
                created: "2026-12-02T00:00:00Z".into(),
            },
            dir: dir.clone(),
            disk,
            kernel: direct_kernel.then(|| dir.join("vmlinuz")),
            initrd: direct_kernel.then(|| dir.join("initrd.img")),
        }
    }

    fn node(&self, lab: &str, name: &str, third: u8, last: u8, mode: NetworkMode, box_image: BoxImage) -> NodeSpec {
        let state = self.dir.path().join("labs").join(lab);
        NodeSpec {
            lab: lab.into(),
            name: name.into(),
            hostname: name.into(),
            fqdn: format!("{name}.{lab}.test"),
            cpus: 2,
            memory_mib: 1536,
            disk_gib: 8,
            mac: format!("52:54:00:{third:02x}:00:{last:02x}"),
            ip: Ipv4Addr::new(192, 168, third, last),
            network: format!("192.168.{third}.0/24").parse().expect("net"),
            gateway: Ipv4Addr::new(192, 168, third, 1),
            domain: format!("{lab}.test"),
            box_image,
            user: "mlab".into(),
            authorized_keys: vec!["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test".into()],
            host_key: KeyPair::generate_ed25519(name).expect("host key"),
            disk_path: state.join(format!("disks/{name}.qcow2")),
            seed_path: state.join(format!("disks/{name}-seed.img")),
            console_log: state.join(format!("logs/{name}-console.log")),
            network_mode: mode,
            owner: "test@host:/labs/x".into(),
        }
    }
}

fn network(lab: &str, third: u8, mode: NetworkMode) -> NetworkSpec {
    NetworkSpec {
        lab: lab.into(),
        cidr: format!("192.168.{third}.0/24").parse().expect("cidr"),
        gateway: Ipv4Addr::new(192, 168, third, 1),
        mode,
        domain: format!("{lab}.test"),
        hosts: Vec::new(),
    }
}

fn vm<'a>(state: &'a Value, name: &str) -> &'a Value {
    &state["vms"][name]
}

#[tokio::test]
async fn a_lab_is_made_started_stopped_and_removed_with_documented_calls() {
    let host = FakeHost::new();
    let provider = host.provider().await;
    let image = host.boxed(false);
    provider.ensure_network(&network("demo", 58, NetworkMode::Nat)).await.expect("network");
    assert!(provider.network_exists("demo").await.expect("exists"));
    provider.ensure_network(&network("demo", 58, NetworkMode::Nat)).await.expect("a second ensure changes nothing");
    let nodes = ["master1", "agent1"].map(|n| host.node("demo", n, 58, if n == "master1" { 11 } else { 21 }, NetworkMode::Nat, image.clone()));
    create_nodes(Arc::clone(&provider), nodes.to_vec()).await.expect("both nodes defined concurrently");
    provider.create_node(&nodes[0]).await.expect("defining again is a no-op");

    let state = host.state();
    assert_eq!(state["hostonlyifs"].as_object().expect("ifs").len(), 1, "one interface per lab: {state}");
    let iface = state["extradata"]["mlab/network/demo"].as_str().expect("the lab's interface is recorded globally");
    assert_eq!(state["hostonlyifs"][iface]["ip"], "192.168.58.1");
    let master = vm(&state, "mlab-demo-master1");
    assert_eq!(master["settings"]["cpus"], "2");
    assert_eq!(master["settings"]["memory"], "1536");
    assert_eq!(master["settings"]["nic1"], "hostonly");
    assert_eq!(master["settings"]["hostonlyadapter1"], iface);
    assert_eq!(master["settings"]["macaddress1"], "5254003A000B", "VirtualBox takes MACs as 12 hex digits");
    assert_eq!(master["settings"]["nic2"], "nat", "a nat lab reaches out through a NAT adapter");
    assert_eq!(master["extradata"]["mlab/lab"], "demo", "found again without the lab's state");
    assert_eq!(master["extradata"]["mlab/ip"], "192.168.58.11");
    // The node disk is a differencing image on the box converted to VDI once.
    let disk = master["attached"]["SATA-0-0"].as_str().expect("disk attached");
    let seed = master["attached"]["SATA-1-0"].as_str().expect("seed attached (the fake checked it is ISO 9660)");
    let parent = state["media"][disk]["parent"].as_str().expect("a differencing disk");
    assert!(parent.ends_with(".vdi") && Path::new(parent).starts_with(&image.dir), "{parent}");
    assert_eq!(state["media"][vm(&state, "mlab-demo-agent1")["attached"]["SATA-0-0"].as_str().expect("disk")]["parent"], parent, "one VDI for the box");
    let iso = std::fs::read(seed).expect("seed");
    assert_eq!(&iso[0x8001..0x8006], b"CD001");

    let listed = provider.list_nodes("demo").await.expect("list");
    assert_eq!(
        listed.iter().map(|n| (n.name.as_str(), n.ip)).collect::<Vec<_>>(),
        [("agent1", Some(Ipv4Addr::new(192, 168, 58, 21))), ("master1", Some(Ipv4Addr::new(192, 168, 58, 11)))]
    );
    assert!(listed.iter().all(|n| n.state == NodeState::Stopped && n.missing_files.is_empty() && n.files.len() == 2), "{listed:?}");

    for n in ["master1", "agent1"] {
        provider.start_node("demo", n).await.expect("start");
        assert_eq!(provider.node_state("demo", n).await.expect("state"), NodeState::Running);
    }
    provider.start_node("demo", "master1").await.expect("starting a running node is a no-op");
    let starts: Vec<Vec<String>> = host.calls().into_iter().filter(|c| c[0] == "startvm").collect();
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(starts.iter().all(|c| c[2..] == ["--type", "headless"]), "{starts:?}");

    // ACPI first; a guest that ignores it is powered off after the grace period.
    assert_eq!(provider.stop_node("demo", "master1", Duration::from_secs(5)).await.expect("stop"), StopOutcome::ShutDown);
    std::fs::write(host.home().join("ignore-acpi"), "").expect("knob");
    assert_eq!(provider.stop_node("demo", "agent1", Duration::from_secs(1)).await.expect("stop"), StopOutcome::ForcedOff);
    assert_eq!(provider.stop_node("demo", "agent1", Duration::from_secs(1)).await.expect("stop"), StopOutcome::AlreadyStopped);

    for n in ["master1", "agent1"] {
        provider.destroy_node("demo", n).await.expect("destroy");
        provider.destroy_node("demo", n).await.expect("destroying again is a no-op");
    }
    provider.destroy_network("demo").await.expect("network gone");
    provider.destroy_network("demo").await.expect("twice");
    assert!(!provider.network_exists("demo").await.expect("exists"));
    let state = host.state();
    assert_eq!(state["vms"].as_object().expect("vms").len(), 0, "{state}");
    assert_eq!(state["hostonlyifs"].as_object().expect("ifs").len(), 0, "{state}");
    assert!(state["extradata"].get("mlab/network/demo").is_none(), "{state}");
    let media: Vec<&String> = state["media"].as_object().expect("media").keys().collect();
    assert_eq!(media, [parent], "only the box's VDI stays registered");
    assert!(!Path::new(disk).exists() && !Path::new(seed).exists(), "node files removed");
}

#[tokio::test]
async fn what_a_real_host_throws_at_it() {
    let host = FakeHost::new();
    let provider = host.provider().await;
    let image = host.boxed(false);
    let spec = network("class", 60, NetworkMode::Isolated);
    provider.ensure_network(&spec).await.expect("network");
    let a = host.node("class", "a", 60, 10, NetworkMode::Isolated, image.clone());

    // A killed run left the VM's settings file but no registered VM: it is cleared and made anew.
    let folder = a.disk_path.parent().expect("disks").join("mlab-class-a");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("mlab-class-a.vbox"), "<VirtualBox/>").expect("settings");
    // ...and each session is locked twice before it is free (VBoxSVC still releasing it).
    std::fs::write(host.home().join("locked"), "2").expect("knob");
    provider.create_node(&a).await.expect("defined despite the leftover and the locks");
    assert!(host.calls().iter().filter(|c| c[0] == "createvm").count() == 2, "created again after the refusal");
    assert!(host.state()["vms"]["mlab-class-a"]["settings"].get("nic2").is_none(), "an isolated lab has no NAT adapter");

    // A lock that never goes away is reported with VirtualBox's code.
    std::fs::write(host.home().join("locked"), "100").expect("knob");
    let err = provider.start_node("class", "a").await.expect_err("stays locked").to_string();
    assert!(err.contains("VBOX_E_INVALID_OBJECT_STATE") && err.contains("locked"), "{err}");
    std::fs::write(host.home().join("locked"), "0").expect("knob");

    // The host-only interface removed behind mlab's back: start says so; `up`'s ensure makes a
    // new one, and the VM is moved to it before it starts.
    let old = host.state()["extradata"]["mlab/network/class"].as_str().expect("recorded").to_string();
    assert!(host.vboxmanage(&["hostonlyif", "remove", &old]).status.success());
    let err = provider.start_node("class", "a").await.expect_err("no interface");
    assert!(matches!(err, ProviderError::Missing { .. }) && err.to_string().contains("mlab up"), "{err}");
    provider.ensure_network(&spec).await.expect("made anew");
    provider.start_node("class", "a").await.expect("started on the new interface");
    let state = host.state();
    let new = state["extradata"]["mlab/network/class"].as_str().expect("recorded");
    assert_ne!(new, old);
    assert_eq!(vm(&state, "mlab-class-a")["settings"]["hostonlyadapter1"], new);
    assert_eq!(vm(&state, "mlab-class-a")["state"], "running");

    // A VM of the same name that mlab did not make is refused, never touched.
    assert!(host.vboxmanage(&["createvm", "--name", "mlab-class-b", "--register"]).status.success());
    let b = host.node("class", "b", 60, 11, NetworkMode::Isolated, image.clone());
    let err = provider.create_node(&b).await.expect_err("not ours").to_string();
    assert!(err.contains("mlab did not make") && err.contains("--name"), "{err}");
    provider.destroy_node("class", "b").await.expect_err("not ours either");
    assert!(host.state()["vms"].get("mlab-class-b").is_some());

    // Networks outside what VirtualBox allows, or on another interface's network.
    let err = provider.ensure_network(&network("far", 70, NetworkMode::Isolated)).await.expect_err("outside").to_string();
    assert!(err.contains("192.168.56.0/21") && err.contains("network.cidr"), "{err}");
    let made = host.vboxmanage(&["hostonlyif", "create"]);
    let name = String::from_utf8_lossy(&made.stdout).lines().last().and_then(|l| l.split('\'').nth(1)).expect("created").to_string();
    assert!(host.vboxmanage(&["hostonlyif", "ipconfig", &name, "--ip", "192.168.61.1", "--netmask", "255.255.255.0"]).status.success());
    let err = provider.ensure_network(&network("other", 61, NetworkMode::Isolated)).await.expect_err("overlap");
    assert!(matches!(err, ProviderError::NetworkOverlap { .. }) && err.to_string().contains(&name), "{err}");

    // Boxes built for libvirt's direct kernel boot have no boot loader.
    let direct = host.node("class", "c", 60, 12, NetworkMode::Isolated, host.boxed(true));
    let err = provider.create_node(&direct).await.expect_err("direct kernel").to_string();
    assert!(err.contains("boots its kernel directly") && err.contains("mlab box add"), "{err}");
    assert!(host.state()["vms"].get("mlab-class-c").is_none(), "nothing half-made");
}

#[tokio::test]
async fn a_node_is_saved_with_its_memory_and_put_back_with_documented_calls() {
    let host = FakeHost::new();
    let provider = host.provider().await;
    provider.ensure_network(&network("snap", 59, NetworkMode::Isolated)).await.expect("network");
    let node = host.node("snap", "master1", 59, 11, NetworkMode::Isolated, host.boxed(false));
    provider.create_node(&node).await.expect("create");
    provider.start_node("snap", "master1").await.expect("start");
    assert!(provider.snapshots("snap", "master1").await.expect("none yet").is_empty());

    provider.pause_node("snap", "master1").await.expect("pause");
    assert_eq!(provider.node_state("snap", "master1").await.expect("state"), NodeState::Other("paused".into()));
    provider.save_snapshot("snap", "master1", "clean").await.expect("take");
    provider.resume_node("snap", "master1").await.expect("resume");
    provider.resume_node("snap", "master1").await.expect("resuming a running VM is a no-op");
    assert_eq!(provider.node_state("snap", "master1").await.expect("state"), NodeState::Running);
    assert_eq!(provider.snapshots("snap", "master1").await.expect("listed"), ["clean"]);

    // Restored while it runs: powered off first (VirtualBox restores only a VM that is not
    // running), left `saved` with the snapshot's memory, and started from there on resume.
    provider.revert_snapshot("snap", "master1", "clean").await.expect("restore");
    assert_eq!(provider.node_state("snap", "master1").await.expect("state"), NodeState::Other("saved".into()));
    provider.resume_node("snap", "master1").await.expect("start from the saved state");
    assert_eq!(provider.node_state("snap", "master1").await.expect("state"), NodeState::Running);
    let err = provider.revert_snapshot("snap", "master1", "monday").await.expect_err("no such snapshot");
    assert!(err.to_string().contains("snapshot monday"), "{err}");

    provider.delete_snapshot("snap", "master1", "clean").await.expect("delete");
    provider.delete_snapshot("snap", "master1", "clean").await.expect("deleting a missing snapshot is fine");
    assert!(provider.snapshots("snap", "master1").await.expect("listed").is_empty());
    let snapshot_calls: Vec<Vec<String>> = host.calls().into_iter().filter(|c| c[0] == "snapshot").collect();
    assert_eq!(snapshot_calls.iter().map(|c| c[2].as_str()).collect::<Vec<_>>(), ["take", "restore", "delete"], "{snapshot_calls:?}");
    provider.destroy_node("snap", "master1").await.expect("destroy");
    provider.destroy_network("snap").await.expect("network");
}

#[test]
fn the_fake_holds_calls_to_the_documented_syntax() {
    // Without this the contract could not fail: a misspelt option or value is refused as
    // VBoxManage refuses it (exit 2), and an unknown VM as VBoxManage reports it (exit 1).
    let host = FakeHost::new();
    assert!(host.vboxmanage(&["createvm", "--name", "x", "--register"]).status.success());
    for bad in [
        &["modifyvm", "x", "--cpu", "2"][..],
        &["modifyvm", "x", "--nic1", "hostonlyy"],
        &["modifyvm", "x", "--boot5", "disk"],
        &["modifyvm", "x", "--uart1", "4"],
        &["startvm", "x", "--type", "invisible"],
        &["storageattach", "x", "--port", "0", "--medium", "/d.vdi"],
        &["createmedium", "disk", "--filename", "/tmp/x.vdi"],
        &["showvminfo"],
        &["snapshot", "x", "tak", "clean"],
        &["snapshot", "x", "take", "clean", "--alive"],
    ] {
        let out = host.vboxmanage(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?} must be a syntax error: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = host.vboxmanage(&["showvminfo", "y", "--machinereadable"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Details: code VBOX_E_OBJECT_NOT_FOUND"));
    assert!(host.vboxmanage(&["modifyvm", "x", "--uart1", "0x3F8", "4", "--uartmode1", "file", "/tmp/c.log", "--nic2", "nat"]).status.success());
}

/// `mlab doctor --provider virtualbox --json` with the fake as `MLAB_VBOXMANAGE`.
fn doctor(host: &FakeHost, version: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let home = host.dir.path().join("mlab-home");
    let out = assert_cmd::Command::cargo_bin("mlab")
        .expect("mlab binary")
        .env("MLAB_HOME", &home)
        .env("MLAB_LABS_DIR", home.join("no-user-labs"))
        .env("MLAB_VBOXMANAGE", host.manage().program)
        .env("FAKE_VBOX_VERSION", version)
        .env_remove("MLAB_LIBVIRT_URI")
        .env_remove("MLAB_PROVIDER")
        .args(["doctor", "--json"])
        .args(extra)
        .output()
        .expect("run mlab doctor");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

#[test]
fn doctor_checks_vboxmanage_and_its_version() {
    let host = FakeHost::new();
    let (_, report) = doctor(&host, "7.0.14r161095", &["--provider", "virtualbox"]);
    let checks = report["checks"].as_array().expect("checks");
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names[..3], ["virtualbox", "host-only", "qemu-img"], "the provider's own checks first: {report}");
    assert_eq!(checks[0]["status"], "ok", "{report}");
    assert!(checks[0]["detail"].as_str().expect("detail").contains("7.0.14"), "{report}");
    assert!(report["uri"].as_str().expect("uri").starts_with("virtualbox:"), "{report}");

    let (code, report) = doctor(&host, "6.1.26r145957", &["--provider", "virtualbox"]);
    assert_eq!(code, Some(1), "{report}");
    let check = &report["checks"][0];
    assert_eq!(check["status"], "fail");
    assert!(check["detail"].as_str().expect("detail").contains("older than 6.1.28"), "{check}");
}

#[test]
fn a_lab_file_can_ask_for_virtualbox() {
    let host = FakeHost::new();
    let lab = host.dir.path().join("laptop.yaml");
    std::fs::write(&lab, "extends: single-node\nprovider: virtualbox\n").expect("lab");
    let (_, report) = doctor(&host, "7.0.14r161095", &["--lab-file", &lab.to_string_lossy()]);
    assert_eq!(report["checks"][0]["name"], "virtualbox", "the lab's provider is used: {report}");
    // The command line wins over the file.
    let (_, report) = doctor(&host, "7.0.14r161095", &["--lab-file", &lab.to_string_lossy(), "--provider", "libvirt", "--connect", "test:///default"]);
    assert_eq!(report["checks"][0]["name"], "libvirt", "{report}");

    std::fs::write(&lab, "extends: single-node\nprovider: hyperv\n").expect("lab");
    let out = assert_cmd::Command::cargo_bin("mlab")
        .expect("mlab")
        .env("MLAB_HOME", host.dir.path().join("mlab-home"))
        .args(["validate", &lab.to_string_lossy()])
        .output()
        .expect("run mlab validate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad input exits 2: {stderr}");
    assert!(stderr.contains("laptop.yaml:2") && stderr.contains("hyperv") && stderr.contains("virtualbox"), "{stderr}");
}
