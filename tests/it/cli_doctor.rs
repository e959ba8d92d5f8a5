//! `mlab doctor --json` against libvirt's test driver (no daemon) and an empty MLAB_HOME.

use assert_cmd::Command;
use serde_json::Value;

fn doctor(home: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("mlab")
        .expect("mlab binary")
        .env("MLAB_HOME", home)
        .env("MLAB_LABS_DIR", home.join("no-user-labs"))
        .env_remove("MLAB_PROVISIONERS")
        .env_remove("MLAB_LIBVIRT_URI")
        .env_remove("MLAB_ARTIFACTS")
        .args(["doctor", "--json", "--connect", "test:///default"])
        .args(extra)
        .output()
        .expect("run mlab doctor");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"].as_array().expect("checks array").iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}: {report}"))
}

#[test]
fn missing_box_fails_with_the_command_to_build_it() {
    let home = tempfile::tempdir().expect("tmp");
    let (code, report) = doctor(home.path(), &[]);
    assert_eq!(code, Some(1), "a failed check exits 1: {report}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["lab"], "mini-cluster");
    assert_eq!(report["uri"], "test:///default");

    let checks = report["checks"].as_array().expect("checks");
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    // The provider's own checks first, then the host's.
    assert_eq!(names, ["libvirt", "kvm", "qemu", "home-access", "netns", "box-tools", "box", "artifacts", "memory", "disk"]);
    for c in checks {
        let status = c["status"].as_str().expect("status");
        assert!(["ok", "warn", "fail"].contains(&status), "{c}");
        assert!(!c["detail"].as_str().expect("detail").is_empty(), "{c}");
        // Every check that is not ok says what to do; ok checks have nothing to fix.
        assert_eq!(c["fix"].is_string(), status != "ok", "{c}");
    }

    let boxed = check(&report, "box");
    assert_eq!(boxed["status"], "fail");
    assert_eq!(boxed["fix"], "`mlab box build debian-12`");
    assert_eq!(check(&report, "libvirt")["status"], "ok", "the test driver needs no daemon");
    // An empty MLAB_HOME has no Mesos: the check fails with the command that builds it.
    let artifacts = check(&report, "artifacts");
    assert_eq!(artifacts["status"], "fail", "{artifacts}");
    assert!(artifacts["fix"].as_str().unwrap().contains("mlab artifact build mesos"), "{artifacts}");
    // Marathon, Chronos and marathon-lb are had like Mesos: built (or imported), never "not available".
    assert!(artifacts["fix"].as_str().unwrap().contains("mlab artifact build marathon"), "{artifacts}");
    assert!(!artifacts["detail"].as_str().unwrap().contains("not available"), "{artifacts}");
    assert_eq!(check(&report, "home-access")["status"], "ok", "only qemu:///system needs traversal");
}

#[test]
fn present_box_passes_its_check() {
    let home = tempfile::tempdir().expect("tmp");
    let lab = home.path().join("lab.yaml");
    std::fs::write(&lab, "name: tiny\nbox: tiny-box\nnetwork: {cidr: 192.168.120.0/24, mode: isolated}\nnodes:\n  - name: master1\n    roles: [zookeeper, mesos-master]\n    memory: 1G\n").expect("lab");
    let box_dir = home.path().join("boxes/tiny-box");
    std::fs::create_dir_all(&box_dir).expect("box dir");
    std::fs::write(box_dir.join("disk.qcow2"), b"").expect("disk"); // empty: its sha256 is the one below
    let meta = serde_json::json!({"name": "tiny-box", "source": "test", "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "format": "qcow2", "size": 0, "created": "now"});
    std::fs::write(box_dir.join("box.json"), meta.to_string()).expect("meta");
    let (_, report) = doctor(home.path(), &["--lab-file", lab.to_str().expect("utf-8")]);
    assert_eq!(report["lab"], "tiny");
    let boxed = check(&report, "box");
    assert_eq!(boxed["status"], "ok", "{report}");
    assert!(boxed["fix"].is_null());
}
