//! The README's way in: `mlab` started in the host's network namespace, joining the labs'
//! namespace itself (`MLAB_NETNS`, what `scripts/mlab` and so the `mlab` on PATH do), with an
//! artifact that must be downloaded first. A test run wholly inside the namespace cannot see
//! a download made from the wrong namespace: this one runs outside it (scripts/test-all), so
//! every download mlab makes fails unless it goes out from the host's namespace.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::Value;

use crate::vm_support::{self, Mlab, test_artifacts, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-readme";

/// An artifact cache with everything of the test cache but `artifact` (linked, not copied), so
/// that `artifact` must be obtained anew.
fn cache_without(artifact: &str, dir: &Path) {
    let from = test_artifacts();
    std::fs::create_dir_all(dir.join("built")).expect("cache dir");
    let mut skip = Vec::new();
    for entry in std::fs::read_dir(from.join("built")).expect("built records").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let record: Value = serde_json::from_slice(&std::fs::read(entry.path()).expect("record")).expect("record JSON");
        if name.strip_prefix(artifact).is_some_and(|rest| rest.starts_with('-') && !rest[1..].contains('-')) {
            skip.push(record["sha256"].as_str().unwrap_or_default().to_string());
        } else {
            std::fs::copy(entry.path(), dir.join("built").join(&name)).expect("copy a built record");
        }
    }
    for entry in std::fs::read_dir(&from).expect("test cache").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.len() == 64 && !skip.contains(&name) {
            std::os::unix::fs::symlink(entry.path(), dir.join(&name)).expect("link a cached file");
        }
    }
}

#[test]
#[ignore = "boots a real VM through MLAB_NETNS from the host's namespace, downloading from PyPI and Maven Central; scripts/test-all runs it"]
fn a_lab_whose_artifact_needs_a_download_comes_up_through_the_readme_path() {
    let ns = std::env::var("MLAB_NETNS").expect("run from the host's namespace with MLAB_NETNS=NAME, as scripts/test-all does");
    let ino = |path: &str| std::fs::metadata(path).map(|m| m.ino()).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_ne!(ino("/proc/self/ns/net"), ino(&format!("/run/netns/{ns}")), "this test must run outside the labs' namespace");
    test_box();
    let state = vm_state_dir("mlab-e2e-readme-");
    let mut mlab = Mlab::new(state.path());
    let cache = state.path().join("artifacts");
    cache_without("kafka", &cache);
    mlab.artifacts = Some(cache.clone());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };

    // A fetch from PyPI's index, into a cache that lacks the file.
    let scratch = state.path().join("scratch-cache");
    std::fs::create_dir_all(state.path().join("fetch-home")).expect("a home for the fetch");
    let fetcher = Mlab { artifacts: Some(scratch), ..Mlab::new(&state.path().join("fetch-home")) };
    let (ok, out, err) = fetcher.run(&["artifact", "fetch", "mesos-scheduler-binary"]);
    assert!(ok, "mlab artifact fetch through MLAB_NETNS:\n{err}");
    assert!(out.contains("1d376f20bca6d05ee8b90c1c123a452b28753497ccc2f1c80ea3ac94c12e8f6e"), "{out}");

    // `up` builds Kafka from Maven Central before anything boots, then brings the broker up.
    let (code, report) = mlab.json_code(&["up", &test_lab(LAB), "--json"]);
    let services = report["readiness"]["services"].as_array().cloned().unwrap_or_default();
    let brokers = services.iter().find(|s| s["service"] == "kafka-brokers").unwrap_or_else(|| panic!("no broker readiness: {report}"));
    assert_eq!(brokers["state"], "ready", "{report}");
    assert_eq!(code, 0, "{report}");
    let list: Value = mlab.json(&["artifact", "list", "--json"]);
    let kafka = list.as_array().unwrap().iter().find(|r| r["name"] == "kafka").cloned().unwrap();
    assert_eq!(kafka["cached"], true, "kafka was built into the empty cache: {list}");

    // The broker serves a topic, asked on the node.
    let topics = mlab.sh("master1", "kafka-topics --create --topic readme --partitions 1 --replication-factor 1 >/dev/null && kafka-topics --list");
    assert!(topics.lines().any(|l| l == "readme"), "{topics}");

    let (ok, _, err) = mlab.run(&["destroy", "--yes"]);
    assert!(ok, "{err}");
}
