//! Upstream conformance: every flag, key and argument mlab writes for Mesos, Marathon,
//! Chronos, Mesos-DNS, ZooKeeper, the Kafka scheduler and brokers and the Spark dispatcher
//! exists in the upstream reference lists (shared/upstream/*.tsv, and the project's own
//! kafka.broker-configs.tsv), and the required ones are written.
//! Several of these programs silently ignore unknown keys, so this is the only guard.

use crate::common;
use crate::upstream;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use mlab::lab::{LabLibrary, ResolvedLab};
use mlab::provisioners::Provisioners;
use mlab::render::{NodeFiles, render_lab};
use upstream::{UpstreamList, env_flags, flag_pairs, json_keys};

/// A lab with every role, so no component escapes the check (no built-in lab has Chronos).
const EVERYTHING_LAB: &str = "\
name: everything
extends: mini-cluster
network:
  cidr: 192.168.62.0/24
nodes:
  - name: master1
    roles: [chronos, kafka, spark-dispatcher]
    memory: 4G
  - name: agent
    roles: [kafka-broker]
  - name: lb1
    roles: [marathon-lb]
";

fn everything_lab() -> ResolvedLab {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("everything.yaml"), EVERYTHING_LAB).expect("write lab");
    let catalog = Provisioners::builtin().catalog().expect("catalog");
    match mlab::lab::load(&LabLibrary { user_dir: Some(dir.path().to_path_buf()) }, &catalog, "everything") {
        Ok((_, lab)) => lab,
        Err(d) => panic!("test lab does not load:\n{d}"),
    }
}

fn all_labs() -> Vec<(ResolvedLab, Vec<NodeFiles>)> {
    let mut labs: Vec<ResolvedLab> = common::BUILTIN_LABS.iter().map(|n| common::resolved(n)).collect();
    labs.push(everything_lab());
    labs.into_iter()
        .map(|lab| {
            let files = render_lab(&Provisioners::builtin(), &lab).unwrap_or_else(|e| panic!("{} does not render: {e}", lab.name));
            (lab, files)
        })
        .collect()
}

/// What one rendered file says to one component: (name, value) pairs.
struct Written {
    where_: String,
    pairs: Vec<(String, String)>,
}

fn words_after<'a>(cmd: &'a str, marker: &str) -> Vec<&'a str> {
    let tokens: Vec<&str> = cmd.split_whitespace().collect();
    let at = tokens.iter().position(|t| *t == marker).unwrap_or_else(|| panic!("`{marker}` not in command {cmd:?}"));
    tokens[at + 1..].to_vec()
}

fn pairs_of(tokens: &[&str]) -> Vec<(String, String)> {
    flag_pairs(tokens).into_iter().map(|(n, v)| (n, v.unwrap_or_default())).collect()
}

/// The `key=value` lines of a Java properties file (comments and blank lines skipped).
fn properties(content: &str, where_: &str) -> Vec<(String, String)> {
    content
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("{where_}: line without `=`: {l:?}"));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

/// Collect, per reference list, what mlab writes.
fn written_by_component(labs: &[(ResolvedLab, Vec<NodeFiles>)]) -> BTreeMap<&'static str, Vec<Written>> {
    let mut out: BTreeMap<&'static str, Vec<Written>> = BTreeMap::new();
    for (lab, nodes) in labs {
        for node in nodes {
            for file in &node.files {
                let where_ = format!("{} / {} / {}", lab.name, node.node, file.path);
                let (list, pairs) = match file.path.as_str() {
                    "/etc/default/mesos-master" => ("mesos-master.flags.tsv", env_flags(&file.content, "MESOS_")),
                    "/etc/default/mesos-agent" => ("mesos-agent.flags.tsv", env_flags(&file.content, "MESOS_")),
                    "/etc/default/marathon" => ("marathon.flags.tsv", env_flags(&file.content, "MARATHON_")),
                    "/etc/default/chronos" => {
                        let args = env_flags(&file.content, "CHRONOS_");
                        assert_eq!(args.len(), 1, "{where_}: want exactly CHRONOS_ARGS");
                        assert_eq!(args[0].0, "args", "{where_}");
                        let tokens: Vec<&str> = args[0].1.split_whitespace().collect();
                        ("chronos.flags.tsv", pairs_of(&tokens))
                    }
                    "/etc/mesos-dns/config.json" => {
                        let json: serde_json::Value = serde_json::from_str(&file.content).unwrap_or_else(|e| panic!("{where_}: invalid JSON: {e}"));
                        let pairs = json_keys(&json)
                            .into_iter()
                            .map(|k| {
                                let v = json.get(&k).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_default();
                                (k, v)
                            })
                            .collect();
                        ("mesos-dns.config-fields.tsv", pairs)
                    }
                    p if p.ends_with("/zoo.cfg") => ("zookeeper.zoo-cfg-keys.tsv", properties(&file.content, &where_)),
                    "/etc/kafka/server.properties" => ("kafka.broker-configs.tsv", properties(&file.content, &where_)),
                    "/etc/mlab/apps/kafka.json" => {
                        let json: serde_json::Value = serde_json::from_str(&file.content).unwrap_or_else(|e| panic!("{where_}: invalid JSON: {e}"));
                        let cmd = json["cmd"].as_str().unwrap_or_else(|| panic!("{where_}: no cmd")).to_string();
                        ("kafka-mesos.scheduler-options.tsv", pairs_of(&words_after(&cmd, "scheduler")))
                    }
                    "/etc/mlab/apps/spark-dispatcher.json" => {
                        let json: serde_json::Value = serde_json::from_str(&file.content).unwrap_or_else(|e| panic!("{where_}: invalid JSON: {e}"));
                        let cmd = json["cmd"].as_str().unwrap_or_else(|| panic!("{where_}: no cmd"));
                        // Marathon runs `cmd` with sh -c, which splits it as shlex does.
                        let words = shlex::split(cmd).unwrap_or_else(|| panic!("{where_}: unbalanced quotes in {cmd:?}"));
                        let class =
                            words.iter().position(|w| w == "org.apache.spark.deploy.mesos.MesosClusterDispatcher").unwrap_or_else(|| panic!("{where_}: {cmd}"));
                        let args: Vec<&str> = words[class + 1..].iter().map(String::as_str).collect();
                        ("spark-mesos-dispatcher.args.tsv", pairs_of(&args))
                    }
                    _ => continue,
                };
                out.entry(list).or_default().push(Written { where_, pairs });
            }
        }
    }
    out
}

/// Lists the project made itself (their headers say how), which ../shared/upstream lacks.
const PROJECT_LISTS: [&str; 1] = ["kafka.broker-configs.tsv"];

const LISTS: [&str; 9] = [
    "mesos-master.flags.tsv",
    "mesos-agent.flags.tsv",
    "marathon.flags.tsv",
    "chronos.flags.tsv",
    "mesos-dns.config-fields.tsv",
    "zookeeper.zoo-cfg-keys.tsv",
    "kafka-mesos.scheduler-options.tsv",
    "spark-mesos-dispatcher.args.tsv",
    "kafka.broker-configs.tsv",
];

#[test]
fn every_written_flag_exists_upstream_and_required_ones_are_written() {
    let labs = all_labs();
    let written = written_by_component(&labs);
    let mut problems = Vec::new();
    for list_name in LISTS {
        let list = UpstreamList::load(list_name);
        let files = written.get(list_name).unwrap_or_else(|| panic!("no rendered file is checked against {list_name}; the check would be vacuous"));
        for w in files {
            let names: Vec<String> = w.pairs.iter().map(|(n, _)| n.clone()).collect();
            assert!(!names.is_empty(), "{}: nothing parsed", w.where_);
            problems.extend(list.check(&names).into_iter().map(|p| format!("{}: {p}", w.where_)));
        }
    }
    assert!(problems.is_empty(), "flags that upstream would reject or miss:\n{}", problems.join("\n"));
}

fn value<'a>(w: &'a Written, name: &str) -> Option<&'a str> {
    w.pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[test]
fn conditional_requirements_hold() {
    let labs = all_labs();
    let written = written_by_component(&labs);
    let mut problems = Vec::new();
    for w in &written["mesos-master.flags.tsv"] {
        if value(w, "zk").is_some() && value(w, "quorum").is_none() {
            problems.push(format!("{}: --zk without --quorum", w.where_));
        }
    }
    for w in &written["zookeeper.zoo-cfg-keys.tsv"] {
        let servers = w.pairs.iter().filter(|(n, _)| n.starts_with("server.")).count();
        if servers > 1 && (value(w, "initLimit").is_none() || value(w, "syncLimit").is_none()) {
            problems.push(format!("{}: an ensemble needs initLimit and syncLimit", w.where_));
        }
        if servers == 1 {
            problems.push(format!("{}: a single server.N line makes a one-member quorum; leave it out for standalone", w.where_));
        }
    }
    for w in &written["spark-mesos-dispatcher.args.tsv"] {
        if !value(w, "master").is_some_and(|m| m.starts_with("mesos://")) {
            problems.push(format!("{}: --master must start with mesos://", w.where_));
        }
    }
    for w in &written["kafka-mesos.scheduler-options.tsv"] {
        if !value(w, "api").is_some_and(|a| a.starts_with("http://")) {
            problems.push(format!("{}: --api must be an URL", w.where_));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nothing_binds_to_loopback_or_all_addresses() {
    let labs = all_labs();
    let written = written_by_component(&labs);
    let address_names = ["ip", "http_address", "listener", "httplistener", "clientportaddress", "bind-address", "host"];
    let mut checked = 0;
    for files in written.values() {
        for w in files {
            for (name, v) in &w.pairs {
                if address_names.contains(&name.to_ascii_lowercase().as_str()) {
                    checked += 1;
                    let ip: Ipv4Addr = v.parse().unwrap_or_else(|_| panic!("{}: {name}={v} is not an IPv4 address", w.where_));
                    assert!(!ip.is_loopback() && !ip.is_unspecified(), "{}: {name}={v} binds loopback or every address", w.where_);
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} bind addresses found; the check is not looking at the right files");
}

// ---- the checker itself must be able to fail ----

#[test]
fn checker_rejects_bogus_and_accepts_documented_forms() {
    let master = UpstreamList::load("mesos-master.flags.tsv");
    let problems = master.check(&["work_dir".into(), "quorum".into(), "bogus_flag".into()]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("bogus_flag"), "{problems:?}");
    // A deprecated alias and a `no-` boolean are accepted; `no-` on a non-boolean is not.
    assert!(master.check(&["work_dir".into(), "no-hostname_lookup".into(), "slave_reregister_timeout".into()]).is_empty());
    assert_eq!(master.check(&["work_dir".into(), "no-work_dir".into()]).len(), 1);

    let agent = UpstreamList::load("mesos-agent.flags.tsv");
    let missing = agent.check(&["ip".into()]);
    assert!(missing.iter().any(|p| p.contains("required `master`")), "{missing:?}");
    assert!(missing.iter().any(|p| p.contains("required `work_dir`")), "{missing:?}");

    let marathon = UpstreamList::load("marathon.flags.tsv");
    assert!(marathon.check(&["master".into(), "disable_ha".into()]).is_empty());
    assert_eq!(marathon.check(&["master".into(), "disable_bogus".into()]).len(), 1);
    // Removed in 1.11 although still documented.
    assert_eq!(marathon.check(&["master".into(), "max_tasks_per_offer".into()]).len(), 1);

    let chronos = UpstreamList::load("chronos.flags.tsv");
    assert!(chronos.check(&["master".into(), "disable_http_compression".into()]).is_empty());

    let dns = UpstreamList::load("mesos-dns.config-fields.tsv");
    assert!(dns.check(&["REFRESHSECONDS".into(), "httpon".into(), "MesosCredentials.Principal".into()]).is_empty());
    assert_eq!(dns.check(&["refreshSecond".into()]).len(), 1);

    let zk = UpstreamList::load("zookeeper.zoo-cfg-keys.tsv");
    assert!(zk.check(&["dataDir".into(), "server.3".into(), "metricsProvider.anything".into()]).is_empty());
    assert_eq!(zk.check(&["dataDir".into(), "server.x".into()]).len(), 1);
    // Section B keys are documented `zookeeper.*` properties that zoo.cfg sets; typos are not.
    assert!(zk.check(&["dataDir".into(), "snapCount".into(), "4lw.commands.whitelist".into()]).is_empty());
    assert_eq!(zk.check(&["dataDir".into(), "4lw.command.whitelist".into()]).len(), 1);
    assert_eq!(zk.check(&["tickTime".into()]).len(), 1, "dataDir is required");

    let kafka = UpstreamList::load("kafka-mesos.scheduler-options.tsv");
    assert_eq!(kafka.check(&["master".into(), "api".into()]).len(), 1, "zk is required");
    let spark = UpstreamList::load("spark-mesos-dispatcher.args.tsv");
    assert_eq!(spark.check(&["master".into(), "webui_port".into()]).len(), 1, "the flag is webui-port");
}

#[test]
fn checker_catches_a_bogus_flag_in_a_rendered_file() {
    // Feed the real extraction path a file with a typo, as an override template would write.
    let env = "MESOS_WORK_DIR=/var/lib/mesos\nMESOS_QUORUM=1\nMESOS_ZK=zk://a:2181/mesos\nMESOS_CLUSTERNAME=lab\n";
    let names: Vec<String> = env_flags(env, "MESOS_").into_iter().map(|(n, _)| n).collect();
    let problems = UpstreamList::load("mesos-master.flags.tsv").check(&names);
    assert!(problems.iter().any(|p| p.contains("`clustername`")), "{problems:?}");
}

/// The project carries its own copy of the lists (fast tests pass in any clone); where the
/// maintained lists in `../shared/upstream` are beside the crate, the copy must equal them.
#[test]
fn in_step_with_shared_upstream() {
    let ours = upstream::project_copy();
    let Some(shared) = upstream::shared_copy() else {
        eprintln!("../shared/upstream is not beside the crate: nothing to compare the project's copy with");
        return;
    };
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    let mut carried = names(&ours);
    carried.retain(|n| !PROJECT_LISTS.contains(&n.as_str()));
    assert_eq!(carried, names(&shared), "the same files in tests/data/upstream and ../shared/upstream, besides the project's own lists");
    for name in names(&shared) {
        assert!(
            std::fs::read(ours.join(&name)).unwrap() == std::fs::read(shared.join(&name)).unwrap(),
            "tests/data/upstream/{name} differs from ../shared/upstream/{name}: copy the shared one over"
        );
    }
}
