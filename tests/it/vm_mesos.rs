//! Mesos and its frameworks for real, with real VMs, on one lab booted once (a master and an
//! agent):
//! - `mlab up` with the built Mesos, Mesos-DNS, Spark (from PyPI's pyspark sdist with the Mesos
//!   JNI bindings) and a Kafka broker runtime (made from Maven Central, like the Apache tgz's
//!   libs/) ends with a readiness report that was checked live: Mesos leading, the agent
//!   registered, Mesos-DNS and the admin router answering, the broker registered, the Spark
//!   dispatcher's framework registered.
//! - Mesos through its real APIs: one leading master, agent1 registered, a task run with
//!   `mesos-execute` finishes and its output is read back from the agent's sandbox, Mesos-DNS
//!   answers `leader.mesos` from another node, the admin router returns the master's state, and
//!   from the host `mlab open` shows the portal (rendered live in headless Chromium too) and
//!   `mlab forward` reaches the agent's port.
//! - Kafka: a topic with one partition; 100 messages go in on agent1 and all 100 come out on
//!   master1, with mlab's Kafka tools and with Debian's kcat.
//! - Spark: the dispatcher is a Marathon app, which Marathon starts again when its process is
//!   killed; Spark's own `examples/src/main/python/pi.py` from the master in client mode prints
//!   "Pi is roughly 3.1"; submitted to the restarted dispatcher in cluster mode it finishes as a
//!   Mesos task, whose output is read back from the driver's sandbox.
//! - Marathon, Chronos and marathon-lb (built from source): the example web app deployed,
//!   scaled, healed after a kill and served through marathon-lb, then deleted; the example
//!   Chronos job run twice (see marathon_support).
//!
//! (Agents added and removed on demand, registering with a highly available Mesos, are
//! vm_provision's.) `#[ignore]`d: run with `--ignored` inside mlab's namespace after
//! `artifacts_build` (see scripts/test-all).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::vm_support::{self, Mlab, libvirt_objects, test_artifacts, test_box, test_lab, vm_state_dir};
use crate::{browser_support, marathon_support};

const LAB: &str = "e2e-mesos";
const MASTER_IP: &str = "192.168.129.11";
const BROKER: &str = "192.168.129.101:9092";

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["readiness"]["services"].as_array().unwrap().iter().find(|s| s["service"] == name).unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn master_state(mlab: &Mlab, from: &str, url: &str) -> Value {
    let text = mlab.sh(from, &format!("curl -sf --max-time 10 {url}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url} from {from}: not JSON ({e}): {text}"))
}

#[test]
#[ignore = "boots real VMs inside mlab's namespace with the built Mesos, Spark and a Kafka broker; scripts/test-all runs it"]
fn mesos_and_its_frameworks_run_for_real() {
    test_box();
    let state = vm_state_dir("mlab-e2e-mesos-");
    let mut mlab = Mlab::new(state.path());
    mlab.artifacts = Some(test_artifacts());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };
    let lab = test_lab(LAB);

    let t0 = Instant::now();
    let (ok, stdout, stderr) = mlab.run(&["up", &lab, "--json"]);
    eprintln!(
        "TIMING up of e2e-mesos (2 nodes: Mesos, Mesos-DNS, admin router, a Kafka broker, the Spark dispatcher; ready): {:.1} s",
        t0.elapsed().as_secs_f64()
    );
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
    for step in [
        "artifacts",
        "mesos-master",
        "mesos-agent",
        "marathon",
        "chronos",
        "mesos-dns",
        "admin-router",
        "marathon-lb",
        "kafka-broker",
        "kafka-tools",
        "spark",
        "spark-dispatcher",
    ] {
        let statuses: Vec<&str> =
            report["provision"]["steps"].as_array().unwrap().iter().filter(|s| s["step"] == step).map(|s| s["status"].as_str().unwrap()).collect();
        assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "done"), "{step}: {statuses:?}");
    }
    assert_eq!(service(&report, "mesos")["state"], "ready");
    assert!(service(&report, "mesos")["detail"].as_str().unwrap().contains("master1"), "{report}");
    assert_eq!(service(&report, "agents")["detail"], "1 of 1 registered");
    assert_eq!(service(&report, "mesos-dns")["state"], "ready");
    assert_eq!(service(&report, "admin-router")["state"], "ready");
    let brokers = service(&report, "kafka-brokers");
    assert!(brokers["state"] == "ready" && brokers["detail"].as_str().unwrap().starts_with("1 of 1 registered"), "{brokers}");
    let spark = service(&report, "spark");
    assert!(spark["state"] == "ready" && spark["detail"].as_str().unwrap().contains("registered"), "{spark}");
    assert!(spark["detail"].as_str().unwrap().contains("Marathon app /spark-dispatcher: 1 running, 1 healthy on agent1"), "{spark}");
    let marathon = service(&report, "marathon");
    assert!(marathon["state"] == "ready" && marathon["detail"].as_str().unwrap().starts_with("leader master1"), "{marathon}");
    let chronos = service(&report, "chronos");
    assert!(chronos["state"] == "ready" && chronos["detail"].as_str().unwrap().contains("registered"), "{chronos}");
    let lb = service(&report, "marathon-lb");
    assert!(lb["state"] == "ready" && lb["detail"].as_str().unwrap().contains("marathon-lb running"), "{lb}");

    // The real API: one leader, agent1 registered with its resources.
    let state = master_state(&mlab, "master1", &format!("http://{MASTER_IP}:5050/master/state"));
    assert_eq!(state["leader"], format!("master@{MASTER_IP}:5050"), "{state}");
    assert_eq!(state["version"], "1.11.0");
    let slaves = master_state(&mlab, "master1", &format!("http://{MASTER_IP}:5050/master/slaves"));
    let hosts: Vec<&str> = slaves["slaves"].as_array().unwrap().iter().map(|s| s["hostname"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["agent1.e2e-mesos.test"], "{slaves}");

    // The ready lab, memory included, to come back to after the jobs below (issue 11).
    let t0 = Instant::now();
    let saved = mlab.json(&["snapshot", "save", "ready", "--json"]);
    eprintln!("TIMING snapshot save of the ready lab (2 nodes, memory included): {:.1} s, paused {:.1} s", t0.elapsed().as_secs_f64(), saved["paused_s"]);
    let with_memory: Vec<&Value> = saved["snapshot"]["nodes"].as_array().expect("nodes").iter().filter(|n| n["running"] == true).collect();
    assert_eq!(with_memory.len(), 2, "{saved}");
    let master_when_saved = state.clone();

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
    // Marathon's and Chronos' web UIs (built from their sources) through the same forward.
    let (code, page) = vm_support::http_get(&address, "/marathon/ui/");
    assert!(code == 200 && page.contains("main.js"), "Marathon's UI: {code} {page}");
    let (code, page) = vm_support::http_get(&address, "/chronos/");
    assert!(code == 200 && page.contains("<title>CHRONOS</title>"), "Chronos' UI: {code} {page}");
    let (code, bundle) = vm_support::http_get(&address, "/chronos/assets/js/bundle.js");
    assert!(code == 200 && bundle.len() > 1_000_000, "Chronos' UI bundle: {code}, {} bytes", bundle.len());
    // The same portal in a browser, through the forward: its script finds the lab live.
    if let Some(dom) = browser_support::rendered_dom(&format!("http://{address}{path}")) {
        assert_eq!(browser_support::row_state(&dom, "data-service", "mesos"), ("ready".into(), "leader master1, Mesos 1.11.0".into()));
        assert_eq!(browser_support::row_state(&dom, "data-service", "mesos-dns"), ("ready".into(), "answers".into()));
        assert_eq!(browser_support::row_state(&dom, "data-service", "marathon"), ("ready".into(), "answers".into()));
        assert_eq!(browser_support::row_state(&dom, "data-service", "chronos"), ("ready".into(), "answers".into()));
        assert_eq!(browser_support::row_state(&dom, "data-node", "agent1"), ("ready".into(), "agent registered".into()));
    }
    assert_eq!(portal.stop(), Some(0), "Ctrl-C ends `mlab open` normally");
    let forward = mlab.listen(&["forward", "agent1:5051"]);
    let address = forward.line.split_whitespace().next().expect("the local address").to_string();
    let (code, body) = vm_support::http_get(&address, "/state");
    assert!(code == 200 && body.contains("agent1.e2e-mesos.test"), "the agent's own API through the forward: {code} {body}");
    assert_eq!(forward.stop(), Some(0));

    // Kafka: a topic with one partition on the lab's broker (the tools know where it is).
    let t0 = Instant::now();
    mlab.sh("agent1", "kafka-topics --create --topic e2e --partitions 1 --replication-factor 1");
    let metadata = mlab.sh("master1", &format!("kcat -b {BROKER} -L -t e2e"));
    assert!(metadata.contains("topic \"e2e\" with 1 partitions"), "{metadata}");
    // 100 messages in on agent1, all 100 out on master1, in order.
    mlab.sh("agent1", "seq 1 100 | sed 's/^/message-/' | kafka-console-producer --topic e2e");
    let consumed = mlab.sh("master1", "kafka-console-consumer --topic e2e --from-beginning --max-messages 100 --timeout-ms 120000 2>/dev/null");
    let want: Vec<String> = (1..=100).map(|i| format!("message-{i}")).collect();
    assert_eq!(consumed.lines().collect::<Vec<_>>(), want, "the consumer on master1 read every message, in order");
    // Debian's kcat reads the same messages (what seed 001 does with kafkacat), finding the
    // lab's brokers by itself in a login shell (KCAT_CONFIG).
    let kcat = mlab.sh("master1", "bash -lc 'kcat -C -t e2e -o beginning -e -q'");
    assert_eq!(kcat.lines().collect::<Vec<_>>(), want, "{kcat}");
    eprintln!("TIMING Kafka topic, 100 messages in and out: {:.1} s", t0.elapsed().as_secs_f64());

    // The dispatcher is a Marathon app: its process killed, Marathon starts another, which
    // recovers the framework from ZooKeeper (while a client-mode job, which needs no
    // dispatcher, runs).
    let (marathon, chronos, master) = (format!("http://{MASTER_IP}:8080"), format!("http://{MASTER_IP}:4400"), format!("http://{MASTER_IP}:5050"));
    let dispatcher_tasks = |mlab: &Mlab| -> Vec<Value> {
        let app: Value = serde_json::from_str(&mlab.sh("master1", &format!("curl -sf {marathon}/v2/apps/spark-dispatcher"))).expect("the dispatcher's app");
        app["app"]["tasks"].as_array().cloned().unwrap_or_default()
    };
    let first = dispatcher_tasks(&mlab).first().and_then(|t| t["id"].as_str()).expect("a dispatcher task").to_string();
    // The bracket keeps pkill from matching its own command line (and the shell running it).
    mlab.sh("agent1", "sudo pkill -KILL -f 'org.apache.spark.deploy.mesos.[M]esosClusterDispatcher'");
    let killed = Instant::now();

    // Spark in client mode from the master: the driver runs there, the executor on agent1.
    let t0 = Instant::now();
    let out = mlab.sh("master1", "bash -lc 'spark-submit /opt/spark/examples/src/main/python/pi.py 2 2>/dev/null'");
    eprintln!("TIMING SparkPi in client mode: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(out.contains("Pi is roughly 3.1"), "client mode printed:\n{out}");

    let deadline = killed + Duration::from_secs(420);
    loop {
        let tasks = dispatcher_tasks(&mlab);
        let replaced = tasks.iter().any(|t| t["id"] != first.as_str() && t["healthCheckResults"][0]["alive"] == true);
        if replaced && mlab.run_code(&["ssh", "master1", "--", "curl", "-sf", "-o", "/dev/null", "http://192.168.129.101:7077/v1/submissions/status/x"]).0 == 0
        {
            break;
        }
        assert!(Instant::now() < deadline, "Marathon did not replace the killed dispatcher {first} within 7 minutes: {tasks:?}");
        std::thread::sleep(Duration::from_secs(5));
    }
    eprintln!("TIMING the killed dispatcher replaced by Marathon and answering: {:.1} s", killed.elapsed().as_secs_f64());

    // Cluster mode through the dispatcher: the driver is a Mesos task on agent1. spark-submit
    // waits a fixed 10 s for the dispatcher's answer, which a dispatcher under emulation can
    // outlast while it still takes the job, so the driver is found on the master by its name.
    let t0 = Instant::now();
    let (_, submitted, _) = mlab.run_code(&[
        "ssh",
        "master1",
        "--",
        "bash",
        "-lc",
        "spark-submit --deploy-mode cluster --master \"$SPARK_DISPATCHER\" file:///opt/spark/examples/src/main/python/pi.py 2 2>&1",
    ]);
    let tasks = |mlab: &Mlab| -> Vec<Value> {
        let state: Value = serde_json::from_str(&mlab.sh("master1", &format!("curl -sf http://{MASTER_IP}:5050/master/tasks"))).expect("master tasks");
        state["tasks"].as_array().cloned().unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let driver = loop {
        if let Some(task) = tasks(&mlab).into_iter().find(|t| t["name"] == "Driver for pi.py") {
            break task["id"].as_str().unwrap_or_default().to_string();
        }
        assert!(Instant::now() < deadline, "the dispatcher launched no driver; spark-submit said:\n{submitted}");
        std::thread::sleep(Duration::from_secs(3));
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    let task = loop {
        let done = tasks(&mlab)
            .into_iter()
            .find(|t| t["id"] == driver.as_str() && t["state"] != "TASK_RUNNING" && t["state"] != "TASK_STAGING" && t["state"] != "TASK_STARTING");
        if let Some(task) = done {
            break task;
        }
        assert!(Instant::now() < deadline, "driver {driver} did not finish within 10 minutes:\n{submitted}");
        std::thread::sleep(Duration::from_secs(3));
    };
    eprintln!("TIMING SparkPi in cluster mode through the dispatcher: {:.1} s", t0.elapsed().as_secs_f64());
    let sandbox = |file: &str| {
        mlab.sh("agent1", &format!("sudo sh -c 'cat /var/lib/mesos/agent/slaves/*/frameworks/*/executors/{driver}/runs/latest/{file}' 2>&1 || true"))
    };
    if task["state"] != "TASK_FINISHED" {
        let drivers: Vec<String> = tasks(&mlab).iter().filter(|t| t["name"] == "Driver for pi.py").map(|t| format!("{} {}", t["id"], t["state"])).collect();
        let stderr = sandbox("stderr");
        let tail: Vec<&str> = stderr.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
        panic!(
            "driver {driver} ended {}; drivers on the master: {drivers:?}\nspark-submit said:\n{submitted}\nthe driver's stderr (last 60 lines):\n{}\n{task}",
            task["state"],
            tail.join("\n")
        );
    }
    let stdout = sandbox("stdout");
    assert!(stdout.contains("Pi is roughly 3.1"), "the driver printed:\n{stdout}");

    // Marathon and Chronos, as a student drives them (labs/examples/): a Chronos job every
    // minute, and Marathon's web app deployed, scaled, healed, served by marathon-lb to agent1
    // and deleted, while the job runs; then the job's runs.
    let t0 = Instant::now();
    let job = marathon_support::schedule_chronos_job(&mlab, "master1", &chronos);
    marathon_support::web_app_lifecycle(&mlab, "master1", &marathon, &master, MASTER_IP, "agent1");
    eprintln!("TIMING Marathon app deployed, scaled, healed, balanced and deleted: {:.1} s", t0.elapsed().as_secs_f64());
    let ran = marathon_support::chronos_job_ran(&mlab, "master1", &chronos, &job, 2);
    assert_eq!(ran["errorCount"], 0, "{ran}");
    let outputs = mlab.sh("agent1", "sudo find /var/lib/mesos/agent/slaves -path '*hello-chronos*' -name stdout -exec cat {} + 2>/dev/null || true");
    assert!(outputs.contains("hello from chronos"), "the job's output in its agent1 sandbox: {outputs}");

    // Back to the snapshot: the same master process (its memory was saved, it did not restart),
    // none of the work since (no finished frameworks, no task sandbox on the agent), every
    // service ready, and the guests' clocks on the host's time.
    let t0 = Instant::now();
    let (code, restored): (i32, Value) = mlab.json_code(&["snapshot", "restore", "ready", "--yes", "--json"]);
    eprintln!(
        "TIMING snapshot restore to a ready Mesos: {:.1} s (running again at {:.1} s, SSH at {:.1} s, readiness waited {:.1} s)",
        t0.elapsed().as_secs_f64(),
        restored["resumed_s"].as_f64().unwrap_or(0.0),
        restored["answered_s"].as_f64().unwrap_or(0.0),
        restored["readiness"]["waited_s"].as_f64().unwrap_or(0.0)
    );
    assert_eq!(code, 0, "every service ready after the restore: {restored}");
    assert_eq!(restored["readiness"]["services"].as_array().expect("services").iter().filter(|s| s["state"] != "ready").count(), 0, "{restored}");
    let after = master_state(&mlab, "master1", &format!("http://{MASTER_IP}:5050/master/state"));
    assert_eq!(after["start_time"], master_when_saved["start_time"], "the master saved is the master running");
    assert_eq!(after["completed_frameworks"], master_when_saved["completed_frameworks"], "the jobs since the snapshot are gone");
    let hello = mlab.sh("agent1", "sudo find /var/lib/mesos/agent/slaves -path '*/executors/hello' | wc -l");
    assert_eq!(hello.trim(), "0", "the task's sandbox is gone with the disk's changes");
    let guest_now: u64 = mlab.sh("master1", "date +%s").trim().parse().expect("date");
    let host_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    assert!(host_now.abs_diff(guest_now) <= 5, "master1's clock {guest_now}, the host's {host_now}");
    let listed = mlab.json(&["snapshot", "list", "--json"]);
    assert_eq!(listed.as_array().expect("snapshots").iter().map(|s| s["name"].as_str().unwrap_or("")).collect::<Vec<_>>(), ["ready"]);
    let (ok, _, stderr) = mlab.run(&["snapshot", "delete", "ready", "--yes"]);
    assert!(ok, "{stderr}");
    assert!(mlab.json(&["snapshot", "list", "--json"]).as_array().expect("snapshots").is_empty());

    // `status --services` asks again, live.
    let (code, status): (i32, Value) = mlab.json_code(&["status", "--services", "--json"]);
    assert_eq!(code, 0, "{status}");
    let (ok, _, stderr) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{stderr}");
    assert!(!libvirt_objects().contains("mlab-e2e-mesos"), "left in libvirt: {}", libvirt_objects());
}
