//! Spark for real, with real VMs: `mlab up` of a lab with the Spark dispatcher stages Spark
//! (built from PyPI's pyspark sdist with the Mesos JNI bindings) and reports the dispatcher's
//! framework registered, checked live; then Spark's own `examples/src/main/python/pi.py` runs
//! from the master in client mode and prints "Pi is roughly 3.1", and the same job submitted
//! to the dispatcher in cluster mode finishes as a Mesos task whose output is read back from
//! the driver's sandbox.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace after `artifacts_build` (see
//! scripts/test-all).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::vm_support::{self, Mlab, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-spark";
const MASTER: &str = "192.168.132.11:5050";

#[test]
#[ignore = "boots real VMs inside mlab's namespace and runs Spark jobs on their Mesos; scripts/test-all runs it"]
fn spark_jobs_run_on_the_labs_mesos() {
    test_box();
    let state = vm_state_dir("mlab-e2e-spark-");
    let mut mlab = Mlab::new(state.path());
    mlab.artifacts = Some(test_artifacts());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };

    let t0 = Instant::now();
    let (code, report) = mlab.json_code(&["up", &test_lab(LAB), "--json"]);
    eprintln!("TIMING up of e2e-spark (2 nodes, Mesos and the Spark dispatcher, ready): {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(code, 0, "up reports every service ready:\n{}", serde_json::to_string_pretty(&report["readiness"]).unwrap());
    let services = report["readiness"]["services"].as_array().unwrap();
    let spark = services.iter().find(|s| s["service"] == "spark").unwrap_or_else(|| panic!("no spark in {report}"));
    assert_eq!(spark["state"], "ready", "{spark}");
    assert!(spark["detail"].as_str().unwrap().contains("registered"), "{spark}");

    // Client mode from the master: the driver runs there, the executor on agent1.
    let t0 = Instant::now();
    let out = mlab.sh("master1", "bash -lc 'spark-submit /opt/spark/examples/src/main/python/pi.py 10 2>/dev/null'");
    eprintln!("TIMING SparkPi in client mode: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(out.contains("Pi is roughly 3.1"), "client mode printed:\n{out}");

    // Cluster mode through the dispatcher: the driver is a Mesos task on agent1.
    let t0 = Instant::now();
    let submitted = mlab
        .sh("master1", "bash -lc 'spark-submit --deploy-mode cluster --master \"$SPARK_DISPATCHER\" file:///opt/spark/examples/src/main/python/pi.py 10 2>&1'");
    let driver = submitted
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .find(|w| w.starts_with("driver-"))
        .unwrap_or_else(|| panic!("no driver id in the submission's answer:\n{submitted}"))
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(600);
    let task = loop {
        let state: Value = serde_json::from_str(&mlab.sh("master1", &format!("curl -sf http://{MASTER}/master/state"))).expect("master state");
        let done = state["completed_frameworks"]
            .as_array()
            .into_iter()
            .chain(state["frameworks"].as_array())
            .flatten()
            .flat_map(|f| f["completed_tasks"].as_array().cloned().unwrap_or_default())
            .find(|t| t["id"].as_str() == Some(driver.as_str()));
        if let Some(task) = done {
            break task;
        }
        assert!(Instant::now() < deadline, "driver {driver} did not finish within 10 minutes:\n{submitted}");
        std::thread::sleep(Duration::from_secs(10));
    };
    eprintln!("TIMING SparkPi in cluster mode through the dispatcher: {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(task["state"], "TASK_FINISHED", "{task}");
    // The driver's output, from its sandbox on the agent.
    let stdout = mlab.sh("agent1", &format!("sudo sh -c 'cat /var/lib/mesos/agent/slaves/*/frameworks/*/executors/{driver}/runs/latest/stdout'"));
    assert!(stdout.contains("Pi is roughly 3.1"), "the driver printed:\n{stdout}");

    let (ok, _, err) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{err}");
}
