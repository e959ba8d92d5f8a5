//! Provisioning, host wiring, `mlab ssh` and on-demand agents with real VMs, on a highly
//! available Mesos: three masters with a ZooKeeper ensemble (Debian's zookeeperd, baked into
//! the test box because test guests have no route out of their namespace) and the built Mesos,
//! a spare agent and one added on demand; the leading master is stopped and another takes over.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace (see vm_support.rs).

use crate::vm_support;

use std::path::Path;
use std::time::Instant;

use serde_json::Value;
use vm_support::{Mlab, libvirt_objects, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-grow";
const NODES: [(&str, &str); 3] = [("master1", "192.168.128.11"), ("master2", "192.168.128.12"), ("master3", "192.168.128.13")];

/// A provisioners override: the built-in manifest plus a last step that fails on each master the
/// first time it runs (a flag file remembers), to test failure reports and resumption.
fn provisioners_with_failing_step(dir: &Path) {
    let builtin = mlab::provisioners::Provisioners::builtin();
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

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["readiness"]["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn master_json(mlab: &Mlab, from: &str, url: &str) -> Value {
    let text = mlab.sh(from, &format!("curl -sf --max-time 10 {url}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url} from {from}: not JSON ({e}): {text}"))
}

/// The node a master names as the leader. Only the leader answers /master/state (with itself
/// as `leader`); the others redirect there, which /master/redirect shows.
fn leader_seen_by(mlab: &Mlab, node: &str, ip: &str) -> Option<String> {
    let ask = |path: &str, extra: &[&str]| {
        let url = format!("http://{ip}:5050{path}");
        let mut argv = vec!["ssh", node, "--", "curl", "-s", "--max-time", "5"];
        argv.extend_from_slice(extra);
        argv.push(&url);
        let (code, out, _) = mlab.run_code(&argv);
        (code == 0).then_some(out)
    };
    let node_of = |host: &str| NODES.iter().find(|(n, ip)| host == *ip || host == format!("{n}.{LAB}.test") || host == *n).map(|(n, _)| n.to_string());
    // http://HOST:5050/..., HOST being the leader's address or host name.
    let redirect = ask("/master/redirect", &["-o", "/dev/null", "-w", "%{redirect_url}"]).unwrap_or_default();
    let host = redirect.trim().trim_start_matches("http://").split([':', '/']).next().unwrap_or_default().to_string();
    if !host.is_empty() {
        return node_of(&host);
    }
    let state: Value = serde_json::from_str(&ask("/master/state", &["-f"])?).ok()?;
    let pid = state["leader"].as_str()?;
    node_of(pid.trim_start_matches("master@").split(':').next()?)
}

/// The leader every one of `masters` names, once they agree on one other than `not` (within
/// two minutes: under emulation ZooKeeper's session timeout and the election take a while).
fn agreed_leader(mlab: &Mlab, masters: &[(&str, &str)], not: Option<&str>) -> String {
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let seen: Vec<Option<String>> = masters.iter().map(|(node, ip)| leader_seen_by(mlab, node, ip)).collect();
        if let Some(Some(first)) = seen.first() {
            if seen.iter().all(|l| l.as_deref() == Some(first.as_str())) && Some(first.as_str()) != not {
                return first.clone();
            }
        }
        assert!(Instant::now() < deadline, "the masters do not agree on a leader (other than {not:?}): {seen:?}");
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
}

/// `http://IP:5050` of the leading master.
fn leader_url(mlab: &Mlab) -> String {
    let leader = agreed_leader(mlab, &NODES, None);
    let ip = NODES.iter().find(|(n, _)| *n == leader).map(|(_, ip)| *ip).expect("a master");
    format!("http://{ip}:5050")
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
    mlab.artifacts = Some(test_artifacts());
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

    // Rerun: continues from the failed step; earlier steps are not run again, and the lab ends
    // with every service ready.
    let (code, report) = mlab.json_code(&["up", &lab, "--json"]);
    assert_eq!(code, 0, "every service is ready after the rerun: {report}");
    let provision = &report["provision"];
    assert_eq!(step_statuses(provision, "fail-once"), ["done", "done", "done"], "{provision}");
    assert_eq!(step_statuses(provision, "zookeeper"), ["unchanged", "unchanged", "unchanged"], "{provision}");
    // Mesos ran before the failing step, from the built artifacts (never skipped).
    assert_eq!(step_statuses(provision, "mesos-master"), ["unchanged", "unchanged", "unchanged"], "{provision}");

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

    // High availability: every master names the same leader; stop it and another takes over.
    let leader_node = agreed_leader(&mlab, &NODES, None);
    let leader_node = leader_node.as_str();
    mlab.sh(leader_node, "sudo systemctl stop mesos-master");
    let t0 = Instant::now();
    let others: Vec<(&str, &str)> = NODES.iter().copied().filter(|(n, _)| *n != leader_node).collect();
    let new_leader = agreed_leader(&mlab, &others, Some(leader_node));
    eprintln!("TIMING Mesos leader failover ({leader_node} stopped, {new_leader} leads): {:.1} s", t0.elapsed().as_secs_f64());
    mlab.sh(leader_node, "sudo systemctl start mesos-master");

    // `mlab ssh`: the exit status comes through, words arrive as separate arguments.
    let (code, out, _) = mlab.run_code(&["ssh", "master2", "--", "sh", "-c", "echo \"$0 $1\"; exit 7", "one arg", "two"]);
    assert_eq!(code, 7);
    assert_eq!(out, "one arg two\n");

    // Every node lists every running node.
    assert_hosts(&mlab, &["master1", "master2", "master3"], &["master1", "master2", "master3"], &["agent1"]);

    // add-agent --count 2 starts the declared spare and, with no spare left, adds a new one
    // (next name, next address), both booted at once; every node learns both.
    let t0 = Instant::now();
    let (code, added) = mlab.json_code(&["add-agent", "--count", "2", "--json"]);
    eprintln!("TIMING add-agent --count 2 (the spare and a new agent, registered): {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(code, 0, "{added}");
    assert_eq!(added["started_spares"], serde_json::json!(["agent1"]), "{added}");
    assert_eq!(added["added"], serde_json::json!(["agent2"]), "{added}");
    assert_eq!(service(&added["up"], "agents")["detail"], "2 of 2 registered", "{added}");
    let agent2 = added["up"]["nodes"].as_array().unwrap().iter().find(|n| n["name"] == "agent2").cloned().expect("agent2");
    assert_eq!(agent2["ip"], "192.168.128.102");
    assert_hosts(&mlab, &["master1", "master2", "master3", "agent1", "agent2"], &["agent1", "agent2"], &[]);
    // The agents run Debian's Docker engine.
    assert_eq!(mlab.sh("agent2", "systemctl is-active docker").trim(), "active");

    // remove-agent: asks first off a terminal, then every node forgets the agent.
    let (ok, _, stderr) = mlab.run(&["remove-agent", "agent2"]);
    assert!(!ok && stderr.contains("--yes"), "{stderr}");
    // The leading master is told the agent is gone, so no ghost stays registered.
    let removed = mlab.json(&["remove-agent", "agent2", "--yes", "--json"]);
    assert!(removed["marked_gone"].is_string(), "{removed}");
    let slaves = master_json(&mlab, "master1", &format!("{}/master/slaves", leader_url(&mlab)));
    let hosts: Vec<&str> = slaves["slaves"].as_array().unwrap().iter().map(|s| s["hostname"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["agent1.e2e-grow.test"], "{slaves}");
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
