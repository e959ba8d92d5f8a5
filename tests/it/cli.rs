//! The read-only commands: labs, show, validate, schema.

use std::path::Path;

use assert_cmd::Command;

fn mlab() -> Command {
    let mut c = Command::cargo_bin("mlab").unwrap();
    c.env("MLAB_LABS_DIR", "/nonexistent-mlab-labs").env_remove("MLAB_PROVISIONERS");
    c
}

fn stdout(args: &[&str]) -> String {
    let out = mlab().args(args).output().unwrap();
    assert!(out.status.success(), "mlab {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn labs_lists_the_builtin_labs_as_json() {
    let v: serde_json::Value = serde_json::from_str(&stdout(&["labs", "--json"])).unwrap();
    let rows = v.as_array().unwrap();
    let get = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("{name} missing"));
    assert_eq!(get("mini-cluster")["nodes"], 6);
    assert_eq!(get("mini-cluster")["started_by_up"], 2);
    assert_eq!(get("ha-cluster")["nodes"], 7);
    assert_eq!(get("single-node")["nodes"], 1);
    assert_eq!(get("spark-lab")["extends"], "mini-cluster");
    assert_eq!(get("kafka-lab")["kind"], "builtin");
}

#[test]
fn local_labs_are_listed_and_can_replace_builtins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-lab.yaml"), "description: mine\nextends: single-node\nnetwork:\n  cidr: 10.20.0.0/24\n").unwrap();
    let out = Command::cargo_bin("mlab").unwrap().env("MLAB_LABS_DIR", dir.path()).args(["labs", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine = v.as_array().unwrap().iter().find(|r| r["name"] == "my-lab").expect("my-lab listed");
    assert_eq!(mine["kind"], "local");
    assert_eq!(mine["description"], "mine");
}

#[test]
fn show_prints_the_resolved_topology() {
    let text = stdout(&["show", "mini-cluster"]);
    assert!(text.contains("master1") && text.contains("192.168.58.11"), "{text}");
    assert!(text.contains("agent5") && text.contains("192.168.58.105") && text.contains("on demand"), "{text}");
    assert!(text.contains("zk://master1:2181/mesos"), "{text}");
}

#[test]
fn show_json_has_quorum_and_zookeeper_ids() {
    let v: serde_json::Value = serde_json::from_str(&stdout(&["show", "ha-cluster", "--json"])).unwrap();
    assert_eq!(v["mesos"]["quorum"], 2);
    assert_eq!(v["zookeeper"]["mesos_url"], "zk://master1:2181,master2:2181,master3:2181/mesos");
    let ids: Vec<_> = v["nodes"].as_array().unwrap().iter().filter_map(|n| n["zookeeper_id"].as_u64()).collect();
    assert_eq!(ids, vec![1, 2, 3]);
}

#[test]
fn validate_prints_a_one_line_summary() {
    let text = stdout(&["validate", "spark-lab"]);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("ok: spark-lab (extends mini-cluster): 6 nodes (2 started by `mlab up`)"), "{text}");
}

#[test]
fn a_path_works_wherever_a_lab_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.yaml");
    std::fs::write(&path, "network:\n  cidr: 10.30.0.0/24\nnodes:\n  - name: m1\n    roles: [zookeeper, mesos-master]\n").unwrap();
    let text = stdout(&["show", path.to_str().unwrap()]);
    assert!(text.contains("tiny:") && text.contains("10.30.0.11"), "{text}");
}

#[test]
fn schema_is_a_json_schema_of_the_lab_format() {
    let v: serde_json::Value = serde_json::from_str(&stdout(&["schema"])).unwrap();
    assert!(v["$schema"].as_str().unwrap().contains("json-schema.org"));
    for field in ["nodes", "network", "extends", "box", "artifacts"] {
        assert!(v["properties"][field].is_object(), "schema lacks {field}");
    }
}

#[test]
fn every_builtin_lab_matches_the_schema_shape() {
    // Each built-in lab parses, validates and resolves (the labs command loads all of them).
    let v: serde_json::Value = serde_json::from_str(&stdout(&["labs", "--json"])).unwrap();
    for row in v.as_array().unwrap() {
        assert!(row["error"].is_null(), "{row}");
    }
}

#[test]
fn plan_writes_every_rendered_file_per_node() {
    let out = tempfile::tempdir().unwrap();
    let text = stdout(&["plan", "ha-cluster", "--out", out.path().to_str().unwrap()]);
    assert!(text.starts_with("wrote "), "{text}");
    let zoo = std::fs::read_to_string(out.path().join("master2/etc/zookeeper/conf_mlab/zoo.cfg")).unwrap();
    assert!(zoo.contains("server.3=master3:2888:3888"), "{zoo}");
    let myid = std::fs::read_to_string(out.path().join("master2/var/lib/zookeeper/myid")).unwrap();
    assert_eq!(myid.trim(), "2");
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["mesos"]["quorum"], 2);
    // Every node got its hosts block listing every node.
    for node in ["master1", "agent3", "lb1"] {
        let block = std::fs::read_to_string(out.path().join(node).join("etc/mlab/hosts.block")).unwrap();
        for other in ["master1", "master3", "agent1", "lb1"] {
            assert!(block.contains(&format!(".ha-cluster.test\t{other}\n")), "{node}: {block}");
        }
    }
}

/// `--lab` / MLAB_LAB become a directory that destroy removes: `..`, an empty name or a path
/// must never reach it (it would wipe MLAB_HOME with every box, or anything else).
#[test]
fn destroy_refuses_names_that_are_not_labs_and_removes_nothing() {
    let home = tempfile::tempdir().expect("tmp");
    let labs = home.path().join("labs");
    std::fs::create_dir_all(labs.join("not-a-lab")).expect("a directory mlab did not make");
    std::fs::write(home.path().join("keep"), "the user's file").expect("write");
    for bad in ["..", "", "/etc", "../labs", "a/b", "."] {
        let out = assert_cmd::Command::cargo_bin("mlab")
            .expect("mlab binary")
            .env("MLAB_HOME", home.path())
            .env("MLAB_LIBVIRT_URI", "test:///default")
            .args(["destroy", "--yes", "--lab", bad])
            .output()
            .expect("run mlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "`--lab {bad:?}` must fail");
        assert!(stderr.contains("cannot name a lab") || stderr.contains("no lab"), "`--lab {bad:?}`: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // A directory under labs/ that mlab did not make is not removed either.
    let out = assert_cmd::Command::cargo_bin("mlab")
        .expect("mlab binary")
        .env("MLAB_HOME", home.path())
        .env("MLAB_LIBVIRT_URI", "test:///default")
        .args(["destroy", "--yes", "--lab", "not-a-lab"])
        .output()
        .expect("run mlab");
    assert!(labs.join("not-a-lab").is_dir(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(home.path().join("keep")).expect("kept"), "the user's file");
}

#[test]
fn a_closed_stdout_ends_mlab_quietly() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlab"))
        .args(["labs", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mlab");
    drop(child.stdout.take()); // the reader goes away before mlab writes
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "not a panic: {:?}", out.status);
}

#[test]
fn an_invalid_lab_file_exits_2_and_a_runtime_failure_1() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("bad.yaml"), "name: bad\nnodes: 3\n").expect("write");
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("mlab")
            .expect("mlab binary")
            .current_dir(dir.path())
            .env("MLAB_HOME", dir.path().join("home"))
            .env("MLAB_LABS_DIR", dir.path().join("no-user-labs"))
            .args(args)
            .output()
            .expect("run mlab")
    };
    assert_eq!(run(&["validate", "bad.yaml"]).status.code(), Some(2));
    assert_eq!(run(&["validate", "--no-such-flag"]).status.code(), Some(2), "usage errors too");
    assert_eq!(run(&["status", "--lab", "nothing-here"]).status.code(), Some(1));
}

#[test]
fn timeouts_out_of_range_are_usage_errors_not_panics() {
    for args in [&["ssh", "master1", "--timeout", "18446744073709551615"][..], &["up", "--timeout", "0"], &["add-agent", "--timeout", "99999999999"]] {
        let out = assert_cmd::Command::cargo_bin("mlab").expect("mlab binary").args(args).output().expect("run mlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--timeout") && !stderr.contains("panicked"), "{stderr}");
    }
}

/// A lab instance on this host whose node is a loopback address with no lab behind it: SSH to
/// it fails (or meets a host key that is not the node's), and nothing leaves this host.
fn unreachable_lab() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tmp");
    let lab = home.path().join("far.yaml");
    std::fs::write(
        &lab,
        "name: far\nnetwork: {cidr: 127.77.0.0/24, any_range: true}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master], ip: 127.77.0.9}\n",
    )
    .expect("write");
    let dir = home.path().join("labs/far");
    std::fs::create_dir_all(&dir).expect("lab dir");
    std::fs::write(
        dir.join("state.json"),
        format!("{{\"source\": {:?}, \"provider\": \"libvirt\", \"uri\": \"test:///default\", \"created_at\": 0}}", lab.display().to_string()),
    )
    .expect("state");
    home
}

fn mlab_in(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("mlab")
        .expect("mlab binary")
        .env("MLAB_HOME", home)
        .env("MLAB_LABS_DIR", home.join("no-user-labs"))
        .args(args)
        .output()
        .expect("run mlab")
}

#[test]
fn ssh_to_an_unreachable_node_exits_255() {
    let home = unreachable_lab();
    let out = mlab_in(home.path(), &["ssh", "m1", "--timeout", "1", "--", "true"]);
    assert_eq!(out.status.code(), Some(255), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlab_in(home.path(), &["ssh", "m1", "--timeout", "1", "-c", "true; true"]);
    assert_eq!(out.status.code(), Some(255), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlab_in(home.path(), &["ssh", "m1", "-c", "true", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "-c and `--` together are refused: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn open_lists_the_pages_and_says_why_a_page_cannot_open() {
    let home = unreachable_lab();
    let out = mlab_in(home.path(), &["open", "--list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pages: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(pages, serde_json::json!([{"service": "mesos", "title": "Mesos masters", "node": "m1", "port": 5050, "path": "/"}]));

    let out = mlab_in(home.path(), &["open"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no admin router") && stderr.contains("mesos"), "{stderr}");
    let out = mlab_in(home.path(), &["open", "zookeeper"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no web page for `zookeeper`"), "{stderr}");
}

#[test]
fn forward_refuses_a_bad_spec_or_node_before_listening() {
    let home = unreachable_lab();
    let out = mlab_in(home.path(), &["forward", "m1"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlab_in(home.path(), &["forward", "nonode:80"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no node `nonode`") && stderr.contains("m1"), "{stderr}");
    let out = mlab_in(home.path(), &["forward", "m1:5050", "--timeout", "1"]);
    assert!(!out.status.success() && out.stdout.is_empty(), "nothing is announced for a forward that cannot work");
}

#[test]
fn logs_off_a_terminal_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlab().env("RUST_LOG", "mlab=trace").env_remove("NO_COLOR").args(["plan", "single-node", "--out"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("DEBUG") || log.contains("TRACE"), "the log is written to stderr: {log}");
    assert!(!log.contains('\u{1b}'), "escape codes in a redirected log: {log:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("DEBUG"), "logs stay off stdout");
}

/// What bash completes for `words` (the last one being typed), through the script
/// `mlab completions bash` prints, as a user's shell would run it.
fn bash_completes(home: &std::path::Path, words: &[&str]) -> Vec<String> {
    let script = stdout(&["completions", "bash"]);
    let words_list = words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ");
    let program = format!(
        "{script}\nCOMP_WORDS=({words_list}); COMP_CWORD={}; COMP_TYPE=9\n_clap_complete_mlab mlab '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2]
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .env("MLAB_HOME", home)
        .env("MLAB_LABS_DIR", home.join("no-user-labs"))
        .env_remove("MLAB_LAB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn shell_completion_offers_labs_and_the_nodes_of_the_lab_on_this_host() {
    let home = tempfile::tempdir().unwrap();
    assert_eq!(bash_completes(home.path(), &["mlab", "up", "sp"]), ["spark-lab"]);
    assert!(bash_completes(home.path(), &["mlab", "ss"]).contains(&"ssh".to_string()));
    let nothing = bash_completes(home.path(), &["mlab", "ssh", ""]);
    assert!(nothing.iter().all(|w| w.starts_with("--")), "no lab on this host, no nodes: {nothing:?}");
    // A lab instance made from the built-in single-node lab: its one node is `mesos`.
    let dir = home.path().join("labs/monday");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("state.json"), r#"{"source": "single-node", "provider": "libvirt", "uri": "test:///default", "created_at": 0}"#).unwrap();
    assert_eq!(bash_completes(home.path(), &["mlab", "ssh", "m"]), ["mesos"]);
    assert!(bash_completes(home.path(), &["mlab", "ssh", ""]).contains(&"mesos".to_string()));
    assert_eq!(bash_completes(home.path(), &["mlab", "status", "--lab", "mo"]), ["monday"]);
}

#[test]
fn manual_pages_cover_every_command() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH mlab 1"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("add\\-agent"), "the page lists the commands");
    let dir = tempfile::tempdir().unwrap();
    let out = mlab().args(["man", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for page in ["mlab.1", "mlab-up.1", "mlab-ssh.1", "mlab-artifact-build.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is a manual page");
    }
}

#[test]
fn a_network_namespace_that_is_not_there_is_named_not_ignored() {
    let out = mlab().env("MLAB_NETNS", "mlab-test-no-such-namespace").args(["labs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/run/netns/mlab-test-no-such-namespace") && stderr.contains("scripts/mlab-netns"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing runs outside the namespace it was asked for");
    let out = mlab().env("MLAB_NETNS", "../etc").args(["labs"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a namespace name"));
}

#[test]
fn colour_and_log_detail_follow_the_global_options() {
    let dir = tempfile::tempdir().unwrap();
    let lab = dir.path().join("bad.yaml");
    std::fs::write(&lab, "nodes:\n  - name: Master1\n    roles: [zookeeper, mesos-master]\n").unwrap();
    let run = |args: &[&str]| mlab().args(args).arg(&lab).env_remove("NO_COLOR").env_remove("RUST_LOG").output().unwrap();
    let plain = run(&["validate"]);
    assert_eq!(plain.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\u{1b}'), "off a terminal, no colour by default");
    let coloured = run(&["--color", "always", "validate"]);
    let text = String::from_utf8_lossy(&coloured.stderr);
    assert!(text.contains('\u{1b}') && text.contains("Master1"), "{text:?}");
    let never = mlab().args(["--color", "never", "validate"]).arg(&lab).output().unwrap();
    assert!(!String::from_utf8_lossy(&never.stderr).contains('\u{1b}'));

    let out = dir.path().join("plan");
    let quiet_log = mlab().args(["plan", "single-node", "--out"]).arg(&out).env_remove("RUST_LOG").output().unwrap();
    assert!(!String::from_utf8_lossy(&quiet_log.stderr).contains("DEBUG"), "warnings only by default");
    let verbose = mlab().args(["-v", "plan", "single-node", "--out"]).arg(&out).env_remove("RUST_LOG").output().unwrap();
    assert!(String::from_utf8_lossy(&verbose.stderr).contains("DEBUG"), "-v raises the log to debug");
    let both = mlab().args(["-q", "-v", "labs"]).output().unwrap();
    assert_eq!(both.status.code(), Some(2), "-q and -v contradict each other");
}

#[test]
fn graph_draws_every_node_and_service_in_both_languages() {
    let lab: serde_json::Value = serde_json::from_str(&stdout(&["show", "ha-cluster", "--json"])).unwrap();
    let mermaid = stdout(&["graph", "ha-cluster"]);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    for node in lab["nodes"].as_array().unwrap() {
        let (name, ip) = (node["name"].as_str().unwrap(), node["ip"].as_str().unwrap());
        assert!(mermaid.contains(&format!("node_{}[\"{name}<br/>{ip}<br/>", name.replace('-', "_"))), "{name} {ip}:\n{mermaid}");
    }
    let masters = lab["services"].as_array().unwrap().iter().find(|s| s["name"] == "mesos").unwrap()["nodes"].as_array().unwrap().len();
    assert_eq!(mermaid.matches("svc_mesos -.-> ").count(), masters, "one edge per master:\n{mermaid}");

    // Graphviz itself reads the DOT: a quoting slip fails here.
    let dot = stdout(&["graph", "ha-cluster", "--format", "dot"]);
    let mut child = std::process::Command::new("dot")
        .arg("-Tplain")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("graphviz's `dot` (scripts/host-setup.sh --test-tools installs it)");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dot refused:\n{}\n{dot}", String::from_utf8_lossy(&out.stderr));
    let plain = String::from_utf8_lossy(&out.stdout);
    let drawn = plain.lines().filter(|l| l.starts_with("node ")).count();
    assert_eq!(drawn, 1 + lab["nodes"].as_array().unwrap().len() + lab["services"].as_array().unwrap().len(), "{plain}");
}

#[test]
fn init_writes_a_lab_that_loads_and_never_replaces_one() {
    let labs = tempfile::tempdir().unwrap();
    let run =
        |args: &[&str]| Command::cargo_bin("mlab").unwrap().env("MLAB_LABS_DIR", labs.path()).env_remove("MLAB_PROVISIONERS").args(args).output().unwrap();
    for (name, extra) in [("classroom", &[][..]), ("big-spark", &["--extends", "spark-lab"][..])] {
        let out = run(&[&["init", name][..], extra].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let file = labs.path().join(format!("{name}.yaml"));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), file.display().to_string());
        let text = std::fs::read_to_string(&file).unwrap();
        let schema = text.lines().next().unwrap().strip_prefix("# yaml-language-server: $schema=").expect("the modeline first").to_string();
        let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).expect("the schema it names is JSON");
        assert!(schema["properties"]["nodes"].is_object(), "{schema}");
        // `mlab show NAME` finds it by name, as `mlab up NAME` will.
        let out = run(&["show", name, "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lab: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(lab["name"], name);
        assert!(lab["nodes"].as_array().unwrap().len() >= 3, "{lab}");
    }
    let before = std::fs::read_to_string(labs.path().join("classroom.yaml")).unwrap();
    let out = run(&["init", "classroom", "--extends", "mini-cluster"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(labs.path().join("classroom.yaml")).unwrap(), before, "the user's file is left as it was");
    for bad in [&["init", "Bad_Name"][..], &["init", "fine", "--extends", "nonesuch"]] {
        let out = run(bad);
        assert!(!out.status.success(), "{bad:?}");
    }
    assert!(!labs.path().join("fine.yaml").exists(), "nothing is written for a base that does not load");
}

#[test]
fn tables_fit_the_width_they_are_given_and_stay_whole_in_a_pipe() {
    let widest = |out: &str| out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let piped = String::from_utf8(mlab().env_remove("COLUMNS").arg("labs").output().unwrap().stdout).unwrap();
    assert!(widest(&piped) > 70, "off a terminal each row is one line, for grep:\n{piped}");
    assert!(piped.lines().any(|l| l.starts_with(" mini-cluster ") && l.contains("agent2-5 on demand")), "{piped}");
    let narrow = String::from_utf8(mlab().env("COLUMNS", "60").arg("labs").output().unwrap().stdout).unwrap();
    assert!(widest(&narrow) <= 60, "wrapped to 60 columns:\n{narrow}");
    assert!(narrow.contains("demand"), "nothing is cut, only wrapped:\n{narrow}");
}

#[test]
fn snapshot_commands_say_what_is_missing_and_delete_only_when_confirmed() {
    let home = unreachable_lab();
    let run = |args: &[&str]| {
        let out = mlab_in(home.path(), args);
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stdout, _) = run(&["snapshot", "list"]);
    assert!(code == Some(0) && stdout.contains("has no snapshots"), "{stdout}");
    assert_eq!(run(&["snapshot", "list", "--json"]).1.trim(), "[]");
    let (code, _, stderr) = run(&["snapshot", "restore", "monday", "--yes"]);
    assert!(code == Some(1) && stderr.contains("no snapshot `monday`"), "{stderr}");
    let (code, _, stderr) = run(&["snapshot", "save", "../state"]);
    assert!(code == Some(2) && stderr.contains("cannot name a snapshot"), "{stderr}");
    let (code, _, stderr) = run(&["snapshot", "save", "first"]);
    assert!(code == Some(1) && stderr.contains("no VMs to save"), "{stderr}");
    assert!(!home.path().join("labs/far/snapshots/first.json").exists(), "nothing recorded for a snapshot not taken");

    // One recorded by hand: listed, kept without --yes off a terminal, deleted with it.
    let snapshots = home.path().join("labs/far/snapshots");
    std::fs::create_dir_all(&snapshots).expect("dir");
    let file = snapshots.join("clean.json");
    std::fs::write(&file, r#"{"name": "clean", "created_at": 0, "nodes": [{"name": "m1", "running": true}], "state": {"source": "x", "provider": "libvirt", "uri": "test:///default", "created_at": 0}}"#)
        .expect("write");
    let (_, stdout, _) = run(&["snapshot", "list"]);
    assert!(stdout.contains("clean") && stdout.contains("1970-01-01 00:00:00 UTC"), "{stdout}");
    let (code, _, stderr) = run(&["snapshot", "delete", "clean"]);
    assert!(code == Some(1) && stderr.contains("--yes") && file.exists(), "{stderr}");
    let (code, _, stderr) = run(&["snapshot", "restore", "clean"]);
    assert!(code == Some(1) && stderr.contains("--yes"), "{stderr}");
    let (code, stdout, stderr) = run(&["snapshot", "delete", "clean", "--yes"]);
    assert!(code == Some(0) && stdout.contains("deleted snapshot clean") && !file.exists(), "{stdout}{stderr}");
}

#[test]
fn every_bench_and_vm_test_lab_validates() {
    // These labs are read only by scripts/bench and the ignored VM tests: a broken one would
    // show up only there, minutes into a run.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for dir in ["benches/labs", "tests/vm/labs"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("labs") {
            let path = entry.expect("entry").path();
            let out = mlab().args(["validate", &path.display().to_string()]).output().expect("run");
            assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} lab files found");
}

/// Every command that takes a name refuses an invalid one as bad usage (exit 2), before it
/// reads or changes anything, and says what a name may be.
#[test]
fn every_invalid_name_is_bad_usage_in_every_command() {
    let home = tempfile::tempdir().expect("home");
    let file = home.path().join("disk.qcow2");
    std::fs::write(&file, b"x").expect("file");
    let file = file.display().to_string();
    let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["init", "../../evil"], None),
        (vec!["up", "single-node", "--name", "../x"], None),
        (vec!["destroy", "--yes"], Some("fake/../..")),
        (vec!["status"], Some("Bad")),
        (vec!["halt", "--lab", "a/b"], None),
        (vec!["halt", "../node", "--lab", "lab"], None),
        (vec!["ssh", "no/de", "--lab", "lab"], None),
        (vec!["provision", "x;y", "--lab", "lab"], None),
        (vec!["remove-agent", "../agent", "--yes", "--lab", "lab"], None),
        (vec!["box", "add", "../evil", &file], None),
        (vec!["box", "build", "Evil/Box"], None),
        (vec!["box", "remove", "../evil", "--yes"], None),
        (vec!["snapshot", "save", "../s", "--lab", "lab"], None),
        (vec!["snapshot", "restore", "a b", "--yes", "--lab", "lab"], None),
        (vec!["snapshot", "delete", "", "--yes", "--lab", "lab"], None),
        (vec!["artifact", "fetch", "../x"], None),
        (vec!["artifact", "build", "Mesos/"], None),
    ];
    for (args, lab_env) in cases {
        let mut cmd = mlab();
        cmd.env("MLAB_HOME", home.path()).env("MLAB_LABS_DIR", home.path().join("labs")).args(&args);
        if let Some(lab) = lab_env {
            cmd.env("MLAB_LAB", lab);
        }
        let out = cmd.output().expect("run mlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "mlab {args:?} (MLAB_LAB={lab_env:?}) exits 2 for an invalid name:\n{stderr}");
        assert!(stderr.contains("cannot"), "mlab {args:?}: the error says what a name may be:\n{stderr}");
    }
    assert_eq!(std::fs::read_dir(home.path()).expect("home").count(), 1, "nothing was written into MLAB_HOME");
}

/// `mlab plan --out DIR` never writes through links planted in DIR, never into a system
/// directory, and keeps a DIR that holds files unless told `--force`.
#[test]
fn plan_writes_only_into_a_directory_of_its_own() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).expect("outside");
    let victim = outside.join("victim");
    std::fs::write(&victim, "mine").expect("victim");
    let out = tmp.path().join("plan");
    std::fs::create_dir_all(&out).expect("out");
    std::os::unix::fs::symlink(&victim, out.join("plan.json")).expect("planted file link");
    std::os::unix::fs::symlink(&outside, out.join("mesos")).expect("planted directory link");
    let plan = |extra: &[&str]| {
        let mut cmd = mlab();
        cmd.args(["plan", "single-node", "--out"]).arg(&out).args(extra);
        cmd.output().expect("mlab plan")
    };

    let refused = plan(&[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"), "{}", String::from_utf8_lossy(&refused.stderr));
    let forced = plan(&["--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "mine", "nothing was written through the planted link");
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 1, "nothing was written into the linked directory");
    assert!(!out.join("plan.json").is_symlink() && out.join("plan.json").is_file(), "plan.json is a file of the plan's own");
    assert!(out.join("mesos").is_dir() && !out.join("mesos").is_symlink());

    for system in ["/", "/etc", "/usr/"] {
        let out = mlab().args(["plan", "single-node", "--out", system, "--force"]).output().expect("mlab plan");
        assert!(!out.status.success(), "--out {system} is refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains("system directory"), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!Path::new("/plan.json").exists() && !Path::new("/mesos").exists());
}

/// Every environment variable mlab reads is checked once, before any command, and a bad one
/// is bad input (exit 2) naming the variable.
#[test]
fn environment_values_are_checked_where_they_are_read() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    let newline = format!("{}\nProxyCommand touch /tmp/owned", tmp.path().display());
    let cases: Vec<(&str, String, &str)> = vec![
        ("MLAB_HOME", "relative/home".into(), "relative path"),
        ("MLAB_HOME", file.display().to_string(), "not a directory"),
        ("MLAB_HOME", newline.clone(), "control character"),
        ("MLAB_ARTIFACTS", newline, "control character"),
        ("MLAB_LABS_DIR", "labs".into(), "relative path"),
        ("MLAB_LIBVIRT_URI", "qemu:///system\nx".into(), "not a libvirt URI"),
        ("MLAB_NETNS", "../x".into(), "not a namespace name"),
    ];
    for (name, value, why) in cases {
        for args in [&["list"][..], &["ssh-config", "--lab", "x"][..]] {
            let out = mlab().env(name, &value).args(args).output().expect("mlab");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name}={value:?} mlab {args:?}:\n{stderr}");
            assert!(stderr.contains(name) && stderr.contains(why), "{name}: {stderr}");
            assert!(out.stdout.is_empty(), "nothing is printed for a bad {name}");
        }
    }
}

/// `mlab artifact import` says what a path that is no file is, without reading from it.
#[test]
fn importing_a_device_or_a_fifo_says_what_it_is() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fifo = tmp.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    for (path, what) in [("/dev/zero".to_string(), "a character device"), (fifo.display().to_string(), "a FIFO")] {
        let out = mlab().env("MLAB_ARTIFACTS", tmp.path().join("cache")).args(["artifact", "import", &path]).output().expect("mlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(what), "{path}: {stderr}");
        assert!(!stderr.contains("no such file"), "{stderr}");
    }
}
