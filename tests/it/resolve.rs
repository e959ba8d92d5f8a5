//! Resolution: addresses, ZooKeeper, quorum, composition, artifacts.

use mlab::lab::{self, Catalog, LabLibrary, ResolvedLab, Role};

fn catalog() -> Catalog {
    Catalog::parse("artifacts.yaml", include_str!("../../provisioners/artifacts.yaml")).unwrap()
}

fn builtin(name: &str) -> ResolvedLab {
    lab::load(&LabLibrary { user_dir: None }, &catalog(), name).unwrap().1
}

fn from_text(text: &str) -> ResolvedLab {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lab.yaml");
    std::fs::write(&path, text).unwrap();
    lab::load(&LabLibrary { user_dir: None }, &catalog(), path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}")).1
}

#[test]
fn quorum_is_a_majority_of_masters() {
    for (masters, quorum) in [(1, 1), (3, 2), (5, 3)] {
        let lab = from_text(&format!("network: {{cidr: 10.40.0.0/24}}\nnodes:\n  - name: m\n    count: {masters}\n    roles: [zookeeper, mesos-master]\n"));
        assert_eq!(lab.mesos.quorum, quorum, "{masters} masters");
        assert_eq!(lab.zookeeper.servers.len(), masters);
    }
}

#[test]
fn addresses_are_stable_when_a_node_is_added() {
    let base =
        "network: {cidr: 10.41.0.0/24}\nnodes:\n  - {name: master1, roles: [zookeeper, mesos-master]}\n  - {name: agent, count: 2, roles: [mesos-agent]}\n";
    let before = from_text(base);
    let after = from_text(&format!("{base}  - {{name: lb1, roles: [docker]}}\n  - {{name: agent3, roles: [mesos-agent]}}\n"));
    for node in &before.nodes {
        let same = after.node(&node.name).unwrap();
        assert_eq!((node.ip, &node.mac), (same.ip, &same.mac), "{} moved", node.name);
    }
    assert_eq!(after.node("agent3").unwrap().ip.to_string(), "10.41.0.103");
    assert_eq!(after.node("lb1").unwrap().ip.to_string(), "10.41.0.51");
}

#[test]
fn fixed_addresses_are_kept_and_avoided() {
    let lab = from_text(
        "network: {cidr: 10.42.0.0/24}\nnodes:\n  - {name: master1, roles: [zookeeper, mesos-master]}\n  - {name: other, ip: 10.42.0.101, roles: [docker]}\n  - {name: agent1, roles: [mesos-agent]}\n",
    );
    assert_eq!(lab.node("other").unwrap().ip.to_string(), "10.42.0.101");
    assert_eq!(lab.node("agent1").unwrap().ip.to_string(), "10.42.0.102");
}

#[test]
fn macs_are_unique_deterministic_and_local() {
    let a = builtin("ha-cluster");
    let b = builtin("ha-cluster");
    let macs: std::collections::HashSet<_> = a.nodes.iter().map(|n| n.mac.clone()).collect();
    assert_eq!(macs.len(), a.nodes.len());
    for (x, y) in a.nodes.iter().zip(&b.nodes) {
        assert_eq!(x.mac, y.mac);
        assert!(x.mac.starts_with("52:54:00:"));
    }
}

#[test]
fn builtin_labs_use_distinct_subnets_in_the_virtualbox_range() {
    let range: ipnet::Ipv4Net = "192.168.56.0/21".parse().unwrap();
    let mut seen = std::collections::HashSet::new();
    for name in LabLibrary::builtin_names() {
        let lab = builtin(&name);
        assert!(range.contains(&lab.network.cidr), "{name}: {}", lab.network.cidr);
        assert!(seen.insert(lab.network.cidr), "{name} reuses {}", lab.network.cidr);
    }
}

#[test]
fn mini_cluster_matches_the_vagrant_layout() {
    let lab = builtin("mini-cluster");
    let names: Vec<_> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["master1", "agent1", "agent2", "agent3", "agent4", "agent5"]);
    let started: Vec<_> = lab.autostart_nodes().map(|n| n.name.as_str()).collect();
    assert_eq!(started, ["master1", "agent1"]);
    let master = lab.node("master1").unwrap();
    for r in [Role::Zookeeper, Role::MesosMaster, Role::Marathon, Role::MesosDns, Role::AdminRouter] {
        assert!(master.has(r), "master1 lacks {r}");
    }
    assert!(lab.node("agent3").unwrap().has(Role::Docker), "agents imply docker");
}

#[test]
fn composed_labs_add_roles_without_copying() {
    let spark = builtin("spark-lab");
    let master = spark.node("master1").unwrap();
    assert!(master.has(Role::SparkDispatcher) && master.has(Role::Marathon));
    assert_eq!(master.memory_mib, 3072);
    assert_eq!(spark.nodes.len(), 6);
    assert_eq!(spark.network.cidr.to_string(), "192.168.61.0/24");
    assert_eq!(spark.network.domain, "spark-lab.test");
    // Spark is staged on every agent, started or not.
    for n in spark.nodes.iter().filter(|n| n.has(Role::MesosAgent)) {
        assert!(n.artifacts.contains(&"spark".to_string()), "{} lacks spark", n.name);
    }
    let kafka = builtin("kafka-lab");
    assert!(kafka.kafka.is_none(), "no framework scheduler: mlab runs the brokers");
    let k = kafka.kafka_brokers.as_ref().unwrap();
    assert_eq!(k.brokers.len(), 5, "a broker on every agent");
    assert_eq!((k.port, k.controller_port, k.heap_mib), (9092, 9093, 1024));
    // Only the agent that starts with the lab is a controller: a quorum cannot count spares.
    assert_eq!(k.controller_voters, "1@192.168.60.101:9093");
    assert_eq!(k.bootstrap_servers, "192.168.60.101:9092");
    assert_eq!(k.cluster_id.len(), 22, "KRaft cluster ids are 16 bytes of URL-safe base64");
    assert_eq!(k.cluster_id, builtin("kafka-lab").kafka_brokers.unwrap().cluster_id, "fixed by the lab's name");
    // The tools are on every node, the master too.
    for n in &kafka.nodes {
        assert!(n.artifacts.contains(&"kafka".to_string()), "{} lacks kafka", n.name);
    }
    assert_eq!(kafka.node("agent2").unwrap().memory_mib, 3072, "agent group patched by name");
}

#[test]
fn lab_artifacts_override_the_catalog() {
    let sum = "a".repeat(64);
    let lab = from_text(&format!(
        "network: {{cidr: 10.43.0.0/24}}\nnodes:\n  - {{name: m1, roles: [zookeeper, mesos-master]}}\nartifacts:\n  mesos:\n    source: /srv/mesos.deb\n    sha256: {sum}\n"
    ));
    let mesos = &lab.artifacts["mesos"];
    assert_eq!(mesos.source.as_deref(), Some("/srv/mesos.deb"));
    assert_eq!(mesos.sha256.as_deref(), Some(sum.as_str()));
    assert_eq!(mesos.roles, vec![Role::MesosMaster, Role::MesosAgent, Role::SparkDispatcher], "roles come from the catalog");
    assert!(!lab.artifacts.contains_key("spark"), "only what the lab's roles need");
}

#[test]
fn default_memory_covers_the_roles() {
    let lab = from_text("network: {cidr: 10.44.0.0/24}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master, marathon]}\n");
    let n = lab.node("m1").unwrap();
    assert_eq!(n.memory_mib, 1536); // system 256 + zookeeper 256 + master 512 + marathon 512
    assert!(n.memory_mib >= lab::validate::memory_needed(&[Role::Zookeeper, Role::MesosMaster, Role::Marathon]));
}
