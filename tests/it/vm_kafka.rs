//! Apache Kafka for real, with real VMs: `mlab up` of a lab with a `kafka-broker` agent stages
//! the broker runtime (made from Maven Central, like the Apache tgz's libs/), starts the broker
//! in KRaft mode and reports it registered, checked live; then a topic with one partition is
//! created, 100 messages go in on agent1 and all 100 come out on master1, with mlab's Kafka
//! tools and with Debian's kcat.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace after `artifacts_build` (see
//! scripts/test-all).

use std::time::Instant;

use serde_json::Value;

use crate::vm_support::{self, Mlab, kafka_from_maven, provisioners_with_artifact, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-kafka";
const BROKER: &str = "192.168.131.101:9092";

#[test]
#[ignore = "boots real VMs inside mlab's namespace with a real Kafka broker; scripts/test-all runs it"]
fn kafka_brokers_serve_topics() {
    test_box();
    let state = vm_state_dir("mlab-e2e-kafka-");
    let mut mlab = Mlab::new(state.path());
    mlab.artifacts = Some(test_artifacts());
    mlab.provisioners = Some(provisioners_with_artifact(&state.path().join("provisioners"), "kafka", &kafka_from_maven(false)));
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };

    let t0 = Instant::now();
    let (code, report) = mlab.json_code(&["up", &test_lab(LAB), "--json"]);
    eprintln!("TIMING up of e2e-kafka (2 nodes, Mesos and a Kafka broker, ready): {:.1} s", t0.elapsed().as_secs_f64());
    let services = report["readiness"]["services"].as_array().unwrap_or_else(|| panic!("no readiness in {report}"));
    let service = |name: &str| services.iter().find(|s| s["service"] == name).unwrap_or_else(|| panic!("no {name} in {report}")).clone();
    assert_eq!(code, 0, "up reports every service ready:\n{}", serde_json::to_string_pretty(&report["readiness"]).unwrap());
    let brokers = service("kafka-brokers");
    assert_eq!(brokers["state"], "ready", "{brokers}");
    assert!(brokers["detail"].as_str().unwrap().starts_with("1 of 1 registered"), "{brokers}");
    for step in ["kafka-broker", "kafka-tools"] {
        let statuses: Vec<&str> =
            report["provision"]["steps"].as_array().unwrap().iter().filter(|s| s["step"] == step).map(|s| s["status"].as_str().unwrap()).collect();
        assert!(!statuses.is_empty() && statuses.iter().all(|s| *s == "done"), "{step}: {statuses:?}");
    }

    // A topic with one partition, on the lab's broker (the tools know where it is).
    let t0 = Instant::now();
    mlab.sh("agent1", "kafka-topics --create --topic e2e --partitions 1 --replication-factor 1");
    let described = mlab.sh("master1", "kafka-topics --describe --topic e2e");
    assert!(described.contains("PartitionCount: 1"), "{described}");

    // 100 messages in on agent1, all 100 out on master1.
    mlab.sh("agent1", "seq 1 100 | sed 's/^/message-/' | kafka-console-producer --topic e2e");
    let consumed = mlab.sh("master1", "kafka-console-consumer --topic e2e --from-beginning --max-messages 100 --timeout-ms 120000 2>/dev/null");
    let want: Vec<String> = (1..=100).map(|i| format!("message-{i}")).collect();
    assert_eq!(consumed.lines().collect::<Vec<_>>(), want, "the consumer on master1 read every message, in order");
    // Debian's kcat reads the same messages (what seed 001 does with kafkacat).
    let kcat = mlab.sh("master1", &format!("kcat -b {BROKER} -C -t e2e -o beginning -e -q"));
    assert_eq!(kcat.lines().count(), 100, "{kcat}");
    eprintln!("TIMING topic, 100 messages in and out (tools and kcat): {:.1} s", t0.elapsed().as_secs_f64());

    // `status --services` asks again, live.
    let (code, status): (i32, Value) = mlab.json_code(&["status", "--services", "--json"]);
    assert_eq!(code, 0, "{status}");
    let again = status["services"]["services"].as_array().unwrap().iter().find(|s| s["service"] == "kafka-brokers").cloned().unwrap();
    assert_eq!(again["state"], "ready", "{again}");

    let (ok, _, err) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{err}");
}
