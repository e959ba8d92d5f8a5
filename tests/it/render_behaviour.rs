//! Rendering behaviour: override directories, strict undefined variables, manifest checks and
//! facts about the rendered files that must hold for every lab.

use crate::common;

use mlab::provisioners::{Provisioners, TreeError};
use mlab::render::{RenderError, hosts_markers, render_lab};

use common::{BUILTIN_LABS, rendered, resolved};

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn override_directory_replaces_one_template_and_keeps_the_rest() {
    let lab = resolved("mini-cluster");
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "zookeeper/zoo.cfg.j2", "dataDir=/srv/zk-{{ node.name }}\nclientPort={{ lab.zookeeper.client_port }}\n");
    let builtin = render_lab(&Provisioners::builtin(), &lab).expect("builtin renders");
    let overridden = render_lab(&Provisioners::with_override(dir.path()), &lab).expect("override renders");
    let zoo = "/etc/zookeeper/conf_mlab/zoo.cfg";
    let master = |nodes: &[mlab::render::NodeFiles]| nodes.iter().find(|n| n.node == "master1").cloned().expect("master1");
    assert_eq!(master(&overridden).file(zoo).expect("zoo.cfg").content, "dataDir=/srv/zk-master1\nclientPort=2181\n");
    assert_ne!(master(&builtin).file(zoo).expect("zoo.cfg").content, master(&overridden).file(zoo).expect("zoo.cfg").content);
    // Everything else is identical.
    for (b, o) in builtin.iter().zip(&overridden) {
        for (bf, of) in b.files.iter().zip(&o.files) {
            assert_eq!(bf.path, of.path);
            if bf.path != zoo {
                assert_eq!(bf.content, of.content, "{} changed", bf.path);
            }
        }
    }
}

#[test]
fn override_manifest_can_add_a_file() {
    let lab = resolved("single-node");
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = Provisioners::builtin().require("manifest.yaml").expect("manifest").into_owned();
    let extra = "\n  - name: motd\n    order: 90\n    files:\n      - template: motd.j2\n        dest: /etc/motd\n";
    write(dir.path(), "manifest.yaml", &format!("{manifest}{extra}"));
    write(dir.path(), "motd.j2", "Welcome to {{ node.fqdn }} in lab {{ lab.name }}\n");
    let nodes = render_lab(&Provisioners::with_override(dir.path()), &lab).expect("renders");
    let motd = nodes[0].file("/etc/motd").expect("motd rendered");
    assert_eq!(motd.content, "Welcome to mesos.single-node.test in lab single-node\n");
    assert_eq!(motd.step, "motd");
    assert_eq!(nodes[0].steps().last(), Some(&"motd"));
}

#[test]
fn catalog_comes_from_the_same_overlay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sum = "a".repeat(64);
    write(
        dir.path(),
        "artifacts.yaml",
        &format!(
            "artifacts:\n  mesos-dns:\n    version: 0.9.3\n    source: https://example.invalid/mesos-dns-v0.9.3-linux-amd64\n    sha256: {sum}\n    roles: [mesos-dns]\n"
        ),
    );
    let provisioners = Provisioners::with_override(dir.path());
    let catalog = provisioners.catalog().expect("override catalog parses");
    let (_, lab) = mlab::lab::load(&mlab::lab::LabLibrary { user_dir: None }, &catalog, "single-node").expect("lab loads");
    assert_eq!(lab.artifacts.keys().collect::<Vec<_>>(), vec!["mesos-dns"], "only the override catalog is used");
    let nodes = render_lab(&provisioners, &lab).expect("renders");
    let script = nodes[0].file("/var/lib/mlab/provision/15-artifacts.sh").expect("staging script");
    assert!(script.content.contains(&format!("install_artifact mesos-dns mesos-dns-v0.9.3-linux-amd64 {sum}")), "{}", script.content);
    let sums = nodes[0].file("/var/cache/mlab/artifacts/SHA256SUMS").expect("sums");
    assert_eq!(sums.content, format!("{sum}  mesos-dns-v0.9.3-linux-amd64\n"));

    write(dir.path(), "artifacts.yaml", "artifacts:\n  x:\n    sha256: nothex\n    roles: [mesos-dns]\n");
    assert!(matches!(provisioners.catalog(), Err(TreeError::Catalog { .. })));
}

#[test]
fn unknown_variable_fails_naming_the_template_and_line() {
    let lab = resolved("mini-cluster");
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "mesos-agent/mesos-agent.env.j2", "MESOS_MASTER={{ lab.zookeeper.mesos_url }}\nMESOS_IP={{ node.address }}\n");
    let err = render_lab(&Provisioners::with_override(dir.path()), &lab).expect_err("strict undefined must fail");
    match &err {
        RenderError::Template { template, line, node, .. } => {
            assert_eq!(template, "mesos-agent/mesos-agent.env.j2");
            assert_eq!(*line, Some(2));
            assert_eq!(node, "agent1");
        }
        other => panic!("wrong error: {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("mesos-agent/mesos-agent.env.j2") && text.contains("line 2"), "{text}");
}

#[test]
fn bad_manifest_is_rejected_with_the_reason() {
    let lab = resolved("single-node");
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "manifest.yaml", "steps:\n  - name: x\n    order: 1\n    roles: [mesos-slaves]\n");
    let err = render_lab(&Provisioners::with_override(dir.path()), &lab).expect_err("unknown role");
    assert!(err.to_string().contains("unknown role `mesos-slaves`"), "{err}");

    write(dir.path(), "manifest.yaml", "steps:\n  - name: x\n    order: 1\n    files:\n      - template: nope.j2\n        dest: /etc/nope\n");
    let err = render_lab(&Provisioners::with_override(dir.path()), &lab).expect_err("missing template");
    assert!(err.to_string().contains("nope.j2"), "{err}");
}

#[test]
fn hosts_block_lists_every_running_node_between_markers() {
    for name in BUILTIN_LABS {
        let (lab, nodes) = rendered(name);
        let (begin, end) = hosts_markers(&lab.name);
        for node in &nodes {
            let block = &node.file("/etc/mlab/hosts.block").expect("hosts block").content;
            let lines: Vec<&str> = block.lines().collect();
            assert_eq!(lines.first(), Some(&begin.as_str()));
            assert_eq!(lines.last(), Some(&end.as_str()));
            let running: Vec<_> = lab.nodes.iter().filter(|n| n.autostart).collect();
            assert_eq!(lines.len(), running.len() + 2);
            for n in &lab.nodes {
                let want = format!("{}\t{}\t{}", n.ip, n.fqdn, n.name);
                // Spare agents join the block when `mlab add-agent` starts them.
                assert_eq!(lines.contains(&want.as_str()), n.autostart, "{name}: {want:?}");
            }
        }
    }
}

#[test]
fn zookeeper_ids_and_ensemble_match_the_plan() {
    for name in BUILTIN_LABS {
        let (lab, nodes) = rendered(name);
        for node in &lab.nodes {
            let files = nodes.iter().find(|n| n.node == node.name).expect("node rendered");
            match node.zookeeper_id {
                None => assert!(files.file("/var/lib/zookeeper/myid").is_none()),
                Some(id) => {
                    assert_eq!(files.file("/var/lib/zookeeper/myid").expect("myid").content.trim(), id.to_string());
                    let cfg = &files.file("/etc/zookeeper/conf_mlab/zoo.cfg").expect("zoo.cfg").content;
                    let servers = cfg.lines().filter(|l| l.starts_with("server.")).count();
                    let expected = if lab.zookeeper.servers.len() > 1 { lab.zookeeper.servers.len() } else { 0 };
                    assert_eq!(servers, expected, "{name}/{}", node.name);
                }
            }
        }
    }
}

#[test]
fn steps_come_in_manifest_order_with_the_script_last() {
    let order = [
        "common",
        "artifacts",
        "zookeeper",
        "docker",
        "mesos-master",
        "mesos-agent",
        "marathon",
        "chronos",
        "mesos-dns",
        "admin-router",
        "marathon-lb",
        "frameworks",
        "kafka-broker",
        "kafka-tools",
        "spark",
        "spark-dispatcher",
    ];
    for name in BUILTIN_LABS {
        let (_, nodes) = rendered(name);
        for node in &nodes {
            let steps = node.steps();
            assert_eq!(steps.first(), Some(&"common"));
            let positions: Vec<usize> = steps.iter().map(|s| order.iter().position(|o| o == s).expect("known step")).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{name}/{}: {steps:?}", node.node);
            for step in steps {
                let files: Vec<_> = node.step_files(step).collect();
                assert!(files.last().is_some_and(|f| f.run), "{name}/{} step {step}: script not last", node.node);
                assert_eq!(files.iter().filter(|f| f.run).count(), 1);
            }
        }
    }
}
