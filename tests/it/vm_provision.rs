//! Provisioning, host wiring, `mlab ssh` and on-demand agents with real VMs: a three-master
//! ZooKeeper ensemble (Debian's zookeeperd, baked into the test box because test guests have
//! no route out of their namespace) and a spare agent.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace (see vm_support.rs).

use crate::vm_support;

use std::path::Path;
use std::time::Instant;

use serde_json::Value;
use vm_support::{Mlab, libvirt_objects, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-grow";
const NODES: [(&str, &str); 3] = [("master1", "192.168.128.11"), ("master2", "192.168.128.12"), ("master3", "192.168.128.13")];

/// A provisioners override: the built-in manifest plus a last step that fails on each master the
/// first time it runs (a flag file remembers), to test failure reports and resumption.
fn provisioners_with_failing_step(dir: &Path) {
    let builtin = mlab::render::Provisioners::builtin();
    let mut manifest = builtin.require("manifest.yaml").expect("built-in manifest").into_owned();
    manifest.push_str("\n  - name: fail-once\n    order: 95\n    script: fail-once.sh.j2\n");
    std::fs::write(dir.join("manifest.yaml"), manifest).unwrap();
    std::fs::write(
        dir.join("fail-once.sh.j2"),
        "#!/bin/bash\nset -eu\n{% if \"mesos-master\" in roles %}\nif [ ! -e /var/tmp/mlab-failed-once ]; then\n  touch /var/tmp/mlab-failed-once\n  echo \"deliberate failure on {{ node.name }}\"\n  exit 3\nfi\n{% endif %}\necho \"second run on {{ node.name }} passes\"\n",
    )
    .unwrap();
}

fn step_statuses(report: &Value, step: &str) -> Vec<String> {
    report["steps"].as_array().expect("steps").iter().filter(|s| s["step"] == step).map(|s| s["status"].as_str().unwrap().to_string()).collect()
}

fn count(report: &Value, status: &str) -> usize {
    report["steps"].as_array().expect("steps").iter().filter(|s| s["status"] == status).count()
}

/// /etc/hosts of every running node lists exactly `expected` among the lab's nodes.
fn assert_hosts(mlab: &Mlab, on: &[&str], listed: &[&str], absent: &[&str]) {
    for node in on {
        let hosts = mlab.sh(node, "cat /etc/hosts");
        assert!(hosts.contains(&format!("# BEGIN mlab {LAB}")), "{node}: no managed block:\n{hosts}");
        assert!(hosts.contains("localhost"), "{node}: lines outside the block must stay:\n{hosts}");
        for n in listed {
            assert!(hosts.contains(&format!("\t{n}.{LAB}.test\t{n}\n")), "{node} lacks {n}:\n{hosts}");
        }
        for n in absent {
            assert!(!hosts.contains(&format!("\t{n}\n")), "{node} still lists {n}:\n{hosts}");
        }
    }
}

#[test]
#[ignore = "boots real VMs inside mlab's namespace; scripts/test-all runs it"]
fn provisioning_wiring_and_on_demand_agents() {
    test_box();
    let state = vm_state_dir("mlab-e2e-grow-");
    let overrides = state.path().join("provisioners");
    std::fs::create_dir_all(&overrides).unwrap();
    provisioners_with_failing_step(&overrides);
    let mut mlab = Mlab::new(state.path());
    mlab.provisioners = Some(overrides);
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };
    let lab = test_lab(LAB);

    // First up: boots, provisions, and stops at the failing step with a useful report.
    let t0 = Instant::now();
    let (ok, _, stderr) = mlab.run(&["up", &lab]);
    eprintln!("TIMING first up (3 nodes, provisioning until the failing step): {:.1} s", t0.elapsed().as_secs_f64());
    assert!(!ok, "the deliberate failure must fail `up`");
    assert!(stderr.contains("step `fail-once` failed on node `master"), "{stderr}");
    assert!(stderr.contains("deliberate failure on master"), "the log's last lines are shown:\n{stderr}");
    let log_dir = mlab.lab_dir(LAB).join("logs");
    assert!(stderr.contains(&log_dir.display().to_string()), "the log's path is shown:\n{stderr}");

    // Rerun: continues from the failed step; earlier steps are not run again. This lab's
    // artifact cache is empty, so Mesos is not ready and `up` says so with exit status 1.
    let (code, report) = mlab.json_code(&["up", &lab, "--json"]);
    assert_eq!(code, 1, "Mesos is not built here, so not every service is ready: {report}");
    let mesos = report["readiness"]["services"].as_array().unwrap().iter().find(|s| s["service"] == "mesos").cloned().unwrap();
    assert_eq!(mesos["state"], "not-ready");
    assert!(mesos["detail"].as_str().unwrap().contains("mlab artifact build mesos"), "says what to run: {mesos}");
    let provision = &report["provision"];
    assert_eq!(step_statuses(provision, "fail-once"), ["done", "done", "done"], "{provision}");
    assert_eq!(step_statuses(provision, "zookeeper"), ["unchanged", "unchanged", "unchanged"], "{provision}");
    // Mesos itself needs an artifact the tests do not stage: skipped with the reason, never done.
    assert!(step_statuses(provision, "mesos-master").iter().all(|s| s == "skipped"), "{provision}");

    // Provisioning again changes nothing, and is quick.
    let t0 = Instant::now();
    let again = mlab.json(&["provision", "--json"]);
    let second = t0.elapsed().as_secs_f64();
    eprintln!("TIMING provisioning an unchanged lab: {second:.1} s");
    assert_eq!(count(&again, "done"), 0, "{again}");
    assert!(count(&again, "unchanged") >= 9, "{again}");

    // ZooKeeper from Debian's package answers and the ensemble elects one leader (under
    // emulation that can take a while after the services start).
    for (node, ip) in NODES {
        let ruok = mlab.sh(node, &format!("exec 3<>/dev/tcp/{ip}/2181; echo ruok >&3; cat <&3"));
        assert_eq!(ruok.trim(), "imok", "{node}");
    }
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    let modes = loop {
        let mut modes: Vec<String> = NODES
            .iter()
            .map(|(node, ip)| {
                let srvr = mlab.sh(node, &format!("exec 3<>/dev/tcp/{ip}/2181; echo srvr >&3; cat <&3"));
                srvr.lines().find_map(|l| l.strip_prefix("Mode: ")).unwrap_or("not serving").to_string()
            })
            .collect();
        modes.sort();
        if modes == ["follower", "follower", "leader"] || Instant::now() > deadline {
            break modes;
        }
        std::thread::sleep(std::time::Duration::from_secs(3));
    };
    assert_eq!(modes, ["follower", "follower", "leader"]);

    // `mlab ssh`: the exit status comes through, words arrive as separate arguments.
    let (code, out, _) = mlab.run_code(&["ssh", "master2", "--", "sh", "-c", "echo \"$0 $1\"; exit 7", "one arg", "two"]);
    assert_eq!(code, 7);
    assert_eq!(out, "one arg two\n");

    // Every node lists every running node.
    assert_hosts(&mlab, &["master1", "master2", "master3"], &["master1", "master2", "master3"], &["agent1"]);

    // add-agent starts the declared spare; every node learns it.
    let t0 = Instant::now();
    let (_, added) = mlab.json_code(&["add-agent", "--json"]);
    eprintln!("TIMING add-agent (spare): {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(added["started_spares"], serde_json::json!(["agent1"]));
    assert_hosts(&mlab, &["master1", "master2", "master3", "agent1"], &["agent1"], &[]);
    // With no spare left, the next one is new: next name, next address.
    let (_, added) = mlab.json_code(&["add-agent", "--json"]);
    assert_eq!(added["added"], serde_json::json!(["agent2"]));
    let agent2 = added["up"]["nodes"].as_array().unwrap().iter().find(|n| n["name"] == "agent2").cloned().expect("agent2");
    assert_eq!(agent2["ip"], "192.168.128.102");
    assert_hosts(&mlab, &["master1", "agent1", "agent2"], &["agent2"], &[]);
    // The agents run Debian's Docker engine.
    assert_eq!(mlab.sh("agent2", "systemctl is-active docker").trim(), "active");

    // remove-agent: asks first off a terminal, then every node forgets the agent.
    let (ok, _, stderr) = mlab.run(&["remove-agent", "agent2"]);
    assert!(!ok && stderr.contains("--yes"), "{stderr}");
    let (ok, _, stderr) = mlab.run(&["remove-agent", "agent2", "--yes"]);
    assert!(ok, "{stderr}");
    assert_hosts(&mlab, &["master1", "master2", "master3", "agent1"], &["agent1"], &["agent2"]);
    assert!(!libvirt_objects().contains("mlab-e2e-grow-agent2"));

    // The block survives a reboot (cloud-init must not rewrite /etc/hosts at boot).
    let (ok, _, stderr) = mlab.run(&["halt", "agent1"]);
    assert!(ok, "{stderr}");
    let (_, report) = mlab.json_code(&["up", &lab, "--json"]);
    assert_eq!(report["started"], serde_json::json!(["agent1"]), "{report}");
    assert_hosts(&mlab, &["agent1"], &["master1", "master2", "master3", "agent1"], &["agent2"]);

    let (ok, _, stderr) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{stderr}");
    assert!(!libvirt_objects().contains("mlab-e2e-grow"), "left in libvirt: {}", libvirt_objects());
}
