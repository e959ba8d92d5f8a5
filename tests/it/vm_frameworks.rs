//! Kafka and Spark for real, with real VMs, on one lab (booted once):
//! - `mlab up` stages a Kafka broker runtime (made from Maven Central, like the Apache tgz's
//!   libs/) and Spark (built from PyPI's pyspark sdist with the Mesos JNI bindings), and reports
//!   the broker registered and the Spark dispatcher's framework registered, checked live.
//! - Kafka: a topic with one partition; 100 messages go in on agent1 and all 100 come out on
//!   master1, with mlab's Kafka tools and with Debian's kcat.
//! - Spark: Spark's own `examples/src/main/python/pi.py` from the master in client mode prints
//!   "Pi is roughly 3.1"; submitted to the dispatcher in cluster mode it finishes as a Mesos
//!   task, whose output is read back from the driver's sandbox.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace after `artifacts_build` (see
//! scripts/test-all).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::vm_support::{self, Mlab, kafka_from_maven, provisioners_with_artifact, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-frameworks";
const BROKER: &str = "192.168.131.101:9092";
const MASTER: &str = "192.168.131.11:5050";

#[test]
#[ignore = "boots real VMs inside mlab's namespace with a Kafka broker and Spark on Mesos; scripts/test-all runs it"]
fn kafka_and_spark_run_on_the_lab() {
    test_box();
    let state = vm_state_dir("mlab-e2e-frameworks-");
    let mut mlab = Mlab::new(state.path());
    mlab.artifacts = Some(test_artifacts());
    mlab.provisioners = Some(provisioners_with_artifact(&state.path().join("provisioners"), "kafka", &kafka_from_maven(false)));
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };

    let t0 = Instant::now();
    let (code, report) = mlab.json_code(&["up", &test_lab(LAB), "--json"]);
    eprintln!("TIMING up of e2e-frameworks (2 nodes, Mesos, a Kafka broker and the Spark dispatcher, ready): {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(code, 0, "up reports every service ready:\n{}", serde_json::to_string_pretty(&report["readiness"]).unwrap());
    let services = report["readiness"]["services"].as_array().unwrap_or_else(|| panic!("no readiness in {report}"));
    let service = |name: &str| services.iter().find(|s| s["service"] == name).unwrap_or_else(|| panic!("no {name} in {report}")).clone();
    let brokers = service("kafka-brokers");
    assert_eq!(brokers["state"], "ready", "{brokers}");
    assert!(brokers["detail"].as_str().unwrap().starts_with("1 of 1 registered"), "{brokers}");
    let spark = service("spark");
    assert_eq!(spark["state"], "ready", "{spark}");
    assert!(spark["detail"].as_str().unwrap().contains("registered"), "{spark}");
    for step in ["kafka-broker", "kafka-tools", "spark", "spark-dispatcher"] {
        let statuses: Vec<&str> =
            report["provision"]["steps"].as_array().unwrap().iter().filter(|s| s["step"] == step).map(|s| s["status"].as_str().unwrap()).collect();
        assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "done"), "{step}: {statuses:?}");
    }

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
    // Debian's kcat reads the same messages (what seed 001 does with kafkacat).
    let kcat = mlab.sh("master1", &format!("kcat -b {BROKER} -C -t e2e -o beginning -e -q"));
    assert_eq!(kcat.lines().collect::<Vec<_>>(), want, "{kcat}");
    eprintln!("TIMING Kafka topic, 100 messages in and out: {:.1} s", t0.elapsed().as_secs_f64());

    // Spark in client mode from the master: the driver runs there, the executor on agent1.
    let t0 = Instant::now();
    let out = mlab.sh("master1", "bash -lc 'spark-submit /opt/spark/examples/src/main/python/pi.py 2 2>/dev/null'");
    eprintln!("TIMING SparkPi in client mode: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(out.contains("Pi is roughly 3.1"), "client mode printed:\n{out}");

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
        let state: Value = serde_json::from_str(&mlab.sh("master1", &format!("curl -sf http://{MASTER}/master/tasks"))).expect("master tasks");
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
    assert_eq!(task["state"], "TASK_FINISHED", "{task}");
    let stdout = mlab.sh("agent1", &format!("sudo sh -c 'cat /var/lib/mesos/agent/slaves/*/frameworks/*/executors/{driver}/runs/latest/stdout'"));
    assert!(stdout.contains("Pi is roughly 3.1"), "the driver printed:\n{stdout}");

    // `status --services` asks again, live.
    let (code, status): (i32, Value) = mlab.json_code(&["status", "--services", "--json"]);
    assert_eq!(code, 0, "{status}");
    let (ok, _, err) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{err}");
}
