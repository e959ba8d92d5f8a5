//! The lab lifecycle with real VMs, through the `mlab` command: `up` of a two-node lab on an
//! isolated network, SSH with the pinned host keys and the static IPs, `status --json`, `up`
//! twice, `halt` then `up`, and `destroy` leaving nothing in libvirt and no lab directory.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace (see vm_support.rs).

use crate::vm_support;

use std::time::{Duration, Instant};

use mlab::ssh::{Session, SshTarget};
use serde_json::Value;
use vm_support::{Mlab, libvirt_objects, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-pair";

fn target(mlab: &Mlab, node: &str, ip: &str) -> SshTarget {
    let dir = mlab.lab_dir(LAB);
    SshTarget {
        node: node.into(),
        host: ip.into(),
        port: 22,
        user: "mlab".into(),
        key_path: dir.join("id_ed25519"),
        known_hosts: dir.join("known_hosts"),
        host_key_aliases: vec![node.into()],
    }
}

fn states(status: &Value) -> Vec<(String, String)> {
    status.as_array().expect("array").iter().map(|n| (n["name"].as_str().unwrap().to_string(), n["state"].as_str().unwrap().to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "boots real VMs inside mlab's namespace; scripts/test-all runs it"]
async fn lab_lifecycle_with_real_vms() {
    test_box();
    let state = vm_state_dir("mlab-e2e-");
    let mlab = Mlab::new(state.path());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };
    let lab = test_lab(LAB);
    let lab = lab.as_str();

    // up: both nodes created and answering SSH.
    let t0 = Instant::now();
    let host_hosts = state.path().join("host-hosts");
    std::fs::write(&host_hosts, "127.0.0.1\tlocalhost\n").unwrap();
    let host_entries = format!("--host-entries={}", host_hosts.display());
    let report = mlab.json(&["up", lab, "--no-provision", &host_entries, "--json"]);
    eprintln!("TIMING up (2 nodes): {:.1} s, slowest SSH {:.1} s", t0.elapsed().as_secs_f64(), report["slowest_boot_s"]);
    assert_eq!(report["already_up"], false);
    assert_eq!(report["created"].as_array().unwrap().len(), 2, "{report}");

    // The same lab from another mlab home finds VMs of its name whose disks are not its own:
    // it refuses to boot or redefine them, and says what to do.
    let other_home = vm_state_dir("mlab-e2e-other-");
    let other = Mlab::new(other_home.path());
    let (code, _, stderr) = other.run_code(&["up", lab, "--no-provision"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already has a VM for node `") && stderr.contains("not in this lab's directory") && stderr.contains("--name NAME"), "{stderr}");
    assert!(!other.lab_dir(LAB).join("disks").read_dir().is_ok_and(|mut d| d.next().is_some()), "no disk was made for them");

    // --host-entries: the host's hosts file lists the nodes too.
    let hosts = std::fs::read_to_string(&host_hosts).unwrap();
    assert!(hosts.starts_with("127.0.0.1\tlocalhost\n# BEGIN mlab e2e-pair\n"), "{hosts}");
    assert!(hosts.contains("192.168.125.101\tagent1.e2e-pair.test\tagent1\n"), "{hosts}");

    // status asks libvirt.
    let status = mlab.json(&["status", "--json"]);
    assert_eq!(states(&status), vec![("master1".into(), "running".into()), ("agent1".into(), "running".into())]);
    let list = mlab.json(&["list", "--json"]);
    assert_eq!(list[0]["name"], LAB);
    assert_eq!(list[0]["nodes_running"], 2);

    // SSH with the pinned host key lands on the right node at its static address.
    for (node, ip) in [("master1", "192.168.125.11"), ("agent1", "192.168.125.101")] {
        let session = Session::connect(&target(&mlab, node, ip), Duration::from_secs(60)).await.unwrap_or_else(|e| panic!("{node}: {e}"));
        let out = session.exec_capture("hostname; ip -4 -o addr show dev eth0").await.expect("exec");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status, 0);
        assert!(stdout.starts_with(&format!("{node}\n")), "{stdout}");
        assert!(stdout.contains(&format!("inet {ip}/24")), "{stdout}");
        session.close().await.ok();
    }
    // A host key other than the pinned one is refused: pin agent1's key for master1.
    let known = std::fs::read_to_string(mlab.lab_dir(LAB).join("known_hosts")).expect("known_hosts");
    let agent_key = known.lines().find(|l| l.starts_with("192.168.125.101,")).and_then(|l| l.split_once(' ')).map(|(_, k)| k).expect("agent1 line");
    let tampered = state.path().join("tampered_known_hosts");
    std::fs::write(&tampered, format!("192.168.125.11,master1 {agent_key}\n")).unwrap();
    let mut wrong = target(&mlab, "master1", "192.168.125.11");
    wrong.known_hosts = tampered;
    let Err(err) = Session::connect(&wrong, Duration::from_secs(20)).await else { panic!("a changed host key must be refused") };
    assert!(err.to_string().contains("master1") && err.to_string().contains("SHA256:"), "{err}");

    // up again: nothing to do.
    let t0 = Instant::now();
    let again = mlab.json(&["up", lab, "--no-provision", "--json"]);
    assert_eq!(again["already_up"], true, "{again}");
    eprintln!("TIMING up on a ready lab: {:.1} s", t0.elapsed().as_secs_f64());

    // halt, then up starts the same VMs again.
    let (ok, _, stderr) = mlab.run(&["halt"]);
    assert!(ok, "{stderr}");
    let status = mlab.json(&["status", "--json"]);
    assert!(states(&status).iter().all(|(_, s)| s == "stopped"), "{status}");
    let restarted = mlab.json(&["up", lab, "--no-provision", "--json"]);
    assert_eq!(restarted["created"].as_array().unwrap().len(), 0, "{restarted}");
    assert_eq!(restarted["started"].as_array().unwrap().len(), 2, "{restarted}");

    // destroy: nothing of the lab is left.
    let (ok, _, stderr) = mlab.run(&["destroy"]);
    assert!(!ok && stderr.contains("--yes"), "destroy without a terminal needs --yes: {stderr}");
    let t0 = Instant::now();
    let destroyed = mlab.json(&["destroy", "--yes", "--json"]);
    eprintln!("TIMING destroy: {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(destroyed["nodes_removed"].as_array().unwrap().len(), 2);
    let left = libvirt_objects();
    assert!(!left.contains(&format!("mlab-{LAB}")), "left in libvirt: {left}");
    assert!(!mlab.lab_dir(LAB).exists(), "lab directory left behind");
    assert_eq!(std::fs::read_to_string(&host_hosts).unwrap(), "127.0.0.1\tlocalhost\n", "destroy removes the block");
}
