//! Mesos for real, with real VMs: `mlab up` of a one-master lab with the built Mesos and
//! Mesos-DNS artifacts ends with a readiness report that was checked live; then, through the
//! real APIs: one leading master, agent1 registered, a task run with `mesos-execute` finishes
//! and its output is read back from the agent's sandbox, Mesos-DNS answers `leader.mesos` from
//! another node, and the admin router returns the master's state. (Agents added and removed
//! on demand, registering with a highly available Mesos, are vm_provision's.)
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace after `artifacts_build` (see
//! scripts/test-all).

use std::time::Instant;

use serde_json::Value;

use crate::vm_support::{self, Mlab, libvirt_objects, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-mesos";
const MASTER_IP: &str = "192.168.129.11";

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["readiness"]["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn master_state(mlab: &Mlab, from: &str, url: &str) -> Value {
    let text = mlab.sh(from, &format!("curl -sf --max-time 10 {url}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url} from {from}: not JSON ({e}): {text}"))
}

#[test]
#[ignore = "boots real VMs inside mlab's namespace with the built Mesos; scripts/test-all runs it"]
fn mesos_runs_for_real() {
    test_box();
    let state = vm_state_dir("mlab-e2e-mesos-");
    let mut mlab = Mlab::new(state.path());
    mlab.artifacts = Some(test_artifacts());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };
    let lab = test_lab(LAB);

    let t0 = Instant::now();
    let (ok, stdout, stderr) = mlab.run(&["up", &lab, "--json"]);
    eprintln!("TIMING up of e2e-mesos (2 nodes, Mesos provisioned, ready): {:.1} s", t0.elapsed().as_secs_f64());
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    assert!(ok, "up reports every service ready:\n{}\n{stderr}", serde_json::to_string_pretty(&report["readiness"]).unwrap());
    let mut steps: Vec<(String, f64)> = Vec::new();
    for s in report["provision"]["steps"].as_array().unwrap() {
        let (step, secs) = (s["step"].as_str().unwrap().to_string(), s["seconds"].as_f64().unwrap_or(0.0));
        match steps.iter_mut().find(|(n, _)| *n == step) {
            Some((_, longest)) => *longest = longest.max(secs),
            None => steps.push((step, secs)),
        }
    }
    eprintln!(
        "TIMING all nodes answered SSH at {:.1} s (slowest guest boot {:.1} s); steps (longest node): {}; readiness waited {:.1} s",
        report["booted_s"].as_f64().unwrap_or(0.0),
        report["slowest_boot_s"].as_f64().unwrap_or(0.0),
        steps.iter().map(|(n, s)| format!("{n} {s:.1} s")).collect::<Vec<_>>().join(", "),
        report["readiness"]["waited_s"].as_f64().unwrap_or(0.0)
    );
    for step in ["artifacts", "mesos-master", "mesos-agent", "mesos-dns", "admin-router"] {
        let statuses: Vec<&str> =
            report["provision"]["steps"].as_array().unwrap().iter().filter(|s| s["step"] == step).map(|s| s["status"].as_str().unwrap()).collect();
        assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "done"), "{step}: {statuses:?}");
    }
    assert_eq!(service(&report, "mesos")["state"], "ready");
    assert!(service(&report, "mesos")["detail"].as_str().unwrap().contains("master1"), "{report}");
    assert_eq!(service(&report, "agents")["detail"], "1 of 1 registered");
    assert_eq!(service(&report, "mesos-dns")["state"], "ready");
    assert_eq!(service(&report, "admin-router")["state"], "ready");

    // The real API: one leader, agent1 registered with its resources.
    let state = master_state(&mlab, "master1", &format!("http://{MASTER_IP}:5050/master/state"));
    assert_eq!(state["leader"], format!("master@{MASTER_IP}:5050"), "{state}");
    assert_eq!(state["version"], "1.11.0");
    let slaves = master_state(&mlab, "master1", &format!("http://{MASTER_IP}:5050/master/slaves"));
    let hosts: Vec<&str> = slaves["slaves"].as_array().unwrap().iter().map(|s| s["hostname"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["agent1.e2e-mesos.test"], "{slaves}");

    // A task with mesos-execute, from the master, with nothing configured by hand.
    let t0 = Instant::now();
    let (code, out, err) = mlab.run_code(&["ssh", "master1", "--", "bash", "-lc", "mesos-execute --name=hello --command='echo hello-from-mesos-task'"]);
    eprintln!("TIMING mesos-execute task: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(code == 0 && out.contains("TASK_FINISHED"), "exit {code}:\n{out}\n{err}");
    let sandbox_output =
        mlab.sh("agent1", "sudo find /var/lib/mesos/agent/slaves -path '*/executors/hello/runs/*' -name stdout -exec cat {} + 2>/dev/null || true");
    assert!(sandbox_output.contains("hello-from-mesos-task"), "the task's output, read back from its sandbox: {sandbox_output}");

    // Mesos-DNS from another node; the admin router in front of the master.
    let answer = mlab.sh("agent1", "dig +short @192.168.129.11 leader.mesos A");
    assert_eq!(answer.trim(), MASTER_IP);
    let resolved = mlab.sh("agent1", "getent hosts leader.mesos");
    assert!(resolved.starts_with(MASTER_IP), "every node resolves *.mesos names: {resolved}");
    let routed = master_state(&mlab, "agent1", &format!("http://{MASTER_IP}/mesos/master/state"));
    assert_eq!(routed["leader"], format!("master@{MASTER_IP}:5050"));

    // From the host: the portal and the Mesos UI through `mlab open`, a port through `mlab forward`.
    let portal = mlab.listen(&["open", "--no-browser"]);
    let url = portal.line.strip_prefix("http://").unwrap_or_else(|| panic!("a URL: {}", portal.line)).to_string();
    let (address, path) = url.split_once('/').map(|(a, p)| (a.to_string(), format!("/{p}"))).expect("URL with a path");
    assert!(address.starts_with("127.0.0.1:"), "open listens on loopback only: {address}");
    let (code, page) = vm_support::http_get(&address, &path);
    assert!(code == 200 && page.contains("Lab e2e-mesos"), "the portal through the forward: {code} {page}");
    let (code, body) = vm_support::http_get(&address, "/mesos/master/state");
    let state: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{code}: not JSON ({e}): {body}"));
    assert_eq!(state["leader"], format!("master@{MASTER_IP}:5050"));
    assert_eq!(portal.stop(), Some(0), "Ctrl-C ends `mlab open` normally");
    let forward = mlab.listen(&["forward", "agent1:5051"]);
    let address = forward.line.split_whitespace().next().expect("the local address").to_string();
    let (code, body) = vm_support::http_get(&address, "/state");
    assert!(code == 200 && body.contains("agent1.e2e-mesos.test"), "the agent's own API through the forward: {code} {body}");
    assert_eq!(forward.stop(), Some(0));

    let (ok, _, stderr) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{stderr}");
    assert!(!libvirt_objects().contains("mlab-e2e-mesos"), "left in libvirt: {}", libvirt_objects());
}
