//! No input makes the parser or resolver panic: arbitrary text, and arbitrary but well-formed
//! labs, go through load -> validate -> resolve and either resolve or yield diagnostics.

use mlab::lab::{self, Catalog, LabLibrary};
use proptest::prelude::*;

fn load_text(text: &str) -> Result<lab::ResolvedLab, lab::Diagnostics> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, text).unwrap();
    let catalog = Catalog::parse("artifacts.yaml", include_str!("../../provisioners/artifacts.yaml")).unwrap();
    lab::load(&LabLibrary { user_dir: None }, &catalog, path.to_str().unwrap()).map(|r| r.1)
}

const ROLES: &[&str] = &["zookeeper", "mesos-master", "mesos-agent", "marathon", "chronos", "mesos-dns", "admin-router", "docker", "kafka", "bogus"];

fn node_strategy() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9-]{0,6}",
        proptest::option::of(0u32..120),
        proptest::collection::vec(proptest::sample::select(ROLES), 0..4),
        proptest::option::of(prop_oneof![Just("64".to_string()), Just("2G".to_string()), Just("9T".to_string()), Just("x".to_string())]),
        proptest::option::of(prop_oneof![
            Just("10.9.0.5".to_string()),
            Just("10.9.0.255".to_string()),
            Just("1.2.3.4".to_string()),
            Just("300.1.1.1".to_string())
        ]),
        proptest::option::of(prop_oneof![Just("true".to_string()), Just("false".to_string()), Just("3".to_string())]),
    )
        .prop_map(|(name, count, roles, memory, ip, autostart)| {
            let mut s = format!("  - name: {name}\n    roles: [{}]\n", roles.join(", "));
            if let Some(c) = count {
                s += &format!("    count: {c}\n");
            }
            if let Some(m) = memory {
                s += &format!("    memory: {m}\n");
            }
            if let Some(ip) = ip {
                s += &format!("    ip: {ip}\n");
            }
            if let Some(a) = autostart {
                s += &format!("    autostart: {a}\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_text(&text);
    }

    #[test]
    fn yaml_shaped_noise_never_panics(text in "([a-z:\\[\\]{}\\- ,\\n0-9.\"']){0,160}") {
        let _ = load_text(&text);
    }

    #[test]
    fn structured_labs_resolve_or_explain(
        cidr in prop_oneof![Just("10.9.0.0/24"), Just("10.9.0.0/16"), Just("10.9.0.0/30"), Just("nonsense")],
        nodes in proptest::collection::vec(node_strategy(), 0..6),
    ) {
        let text = format!("network:\n  cidr: {cidr}\nnodes:\n{}", nodes.concat());
        match load_text(&text) {
            Ok(lab) => {
                // A resolved lab is internally consistent.
                let ips: std::collections::HashSet<_> = lab.nodes.iter().map(|n| n.ip).collect();
                prop_assert_eq!(ips.len(), lab.nodes.len());
                for n in &lab.nodes {
                    prop_assert!(lab.network.cidr.contains(&n.ip));
                    prop_assert!(n.ip != lab.network.gateway);
                }
                prop_assert_eq!(lab.mesos.quorum, lab.mesos.masters.len() / 2 + 1);
            }
            Err(d) => {
                prop_assert!(!d.0.is_empty());
                for e in &d.0 {
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }
}
