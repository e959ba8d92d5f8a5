//! A lab over a non-local libvirt URI, for real: `qemu+tcp://127.0.0.1/system` reaches the
//! namespace's libvirtd through its TCP listener (scripts/mlab-netns), so mlab treats it as a
//! server elsewhere. The node's disk and seed must be volumes of the server's `mlab` pool (the
//! box uploaded once), the node must answer SSH, a second mlab home must see the VM is not its
//! own, and `destroy` must remove the node's volumes and keep the box's.
//!
//! `#[ignore]`d: run with `--ignored` inside mlab's namespace (see vm_support.rs).

use crate::vm_support;

use std::time::Instant;

use vm_support::{Mlab, libvirt_objects, test_box, test_lab, vm_state_dir};

const LAB: &str = "e2e-remote";
const URI: &str = "qemu+tcp://127.0.0.1/system";

fn virsh(args: &[&str]) -> String {
    let out = std::process::Command::new("virsh").arg("-c").arg(URI).args(args).output().expect("virsh");
    assert!(out.status.success(), "virsh {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "boots a real VM inside mlab's namespace; scripts/test-all runs it"]
fn a_lab_comes_up_over_a_remote_uri_on_storage_volumes() {
    test_box();
    let state = vm_state_dir("mlab-e2e-");
    let mlab = Mlab::new(state.path());
    let _cleanup = vm_support::DestroyOnDrop { mlab: &mlab, lab: LAB };
    let lab = test_lab(LAB);

    let t0 = Instant::now();
    let report = mlab.json(&["up", &lab, "--connect", URI, "--no-provision", "--json"]);
    eprintln!("TIMING up over {URI} (1 node, box uploaded): {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!(report["created"].as_array().expect("created").len(), 1, "{report}");

    // The domain runs on the pool's volumes; nothing of the node's disk is a local file.
    let xml = virsh(&["dumpxml", "mlab-e2e-remote-node1"]);
    assert!(xml.contains("/var/lib/libvirt/images/mlab/mlab-e2e-remote-node1.qcow2"), "{xml}");
    assert!(xml.contains("/var/lib/libvirt/images/mlab/mlab-e2e-remote-node1-seed.img"), "{xml}");
    let volumes = virsh(&["vol-list", "mlab"]);
    assert!(volumes.lines().any(|l| l.trim_start().starts_with("box-mlab-test-") && l.contains(".qcow2")), "box uploaded: {volumes}");
    assert!(volumes.contains(".qcow2.complete"), "the upload is marked complete: {volumes}");
    assert!(!mlab.lab_dir(LAB).join("disks/node1.qcow2").exists(), "the disk is not made locally");

    // The saved URI is used again: status, SSH, and a second up with nothing to do.
    let status = mlab.json(&["status", "--json"]);
    assert_eq!(status[0]["state"], "running", "{status}");
    assert_eq!(mlab.sh("node1", "hostname").trim(), "node1");
    let again = mlab.json(&["up", &lab, "--no-provision", "--json"]);
    assert_eq!(again["already_up"], true, "{again}");

    // Another mlab home sharing the server sees a VM that is not its own, by its owner.
    let other_home = vm_state_dir("mlab-e2e-other-");
    let other = Mlab::new(other_home.path());
    let (code, _, stderr) = other.run_code(&["up", &lab, "--connect", URI, "--no-provision"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("it was made for") && stderr.contains("--name NAME"), "{stderr}");
    // ... and lists it, with its owner, when asked about the server.
    let listed = other.json(&["list", "--connect", URI, "--json"]);
    let theirs = listed.as_array().expect("labs").iter().find(|l| l["name"] == LAB).unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(theirs["this_home"], false, "{listed}");
    assert_eq!(theirs["nodes_running"], 1, "{listed}");
    let owner = theirs["owner"].as_str().unwrap_or_else(|| panic!("no owner: {listed}"));
    let first_home = std::fs::canonicalize(mlab.lab_dir(LAB)).expect("lab dir");
    assert!(owner.ends_with(&format!(":{}", first_home.display())), "{owner} names {}", first_home.display());

    let destroyed = mlab.json(&["destroy", "--yes", "--json"]);
    assert_eq!(destroyed["nodes_removed"].as_array().expect("removed").len(), 1, "{destroyed}");
    let volumes = virsh(&["vol-list", "mlab"]);
    assert!(!volumes.contains("mlab-e2e-remote-node1"), "node volumes removed: {volumes}");
    assert!(volumes.contains("box-mlab-test-"), "the box stays for the next lab: {volumes}");
    let left = libvirt_objects();
    assert!(!left.contains(&format!("mlab-{LAB}")), "left in libvirt: {left}");
}
