//! What is ready, checked live: after provisioning, `up` (and `mlab status --services`) asks
//! each service through its own API from inside the lab, over the nodes' SSH sessions, and
//! never reports a service from configuration alone. A service whose artifact cannot be had is
//! "not available"; one that mlab could run but does not answer is "not ready" with why.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::artifacts::Availability;
use crate::lab::{ResolvedLab, Role};
use crate::ssh::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Readiness {
    Ready,
    /// mlab could run it, and it does not answer (yet).
    NotReady,
    /// Its software cannot be obtained here; nothing runs.
    NotAvailable,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReport {
    pub service: String,
    pub title: String,
    pub state: Readiness,
    /// What was seen (`leading master: master1`), or why not.
    pub detail: String,
    /// Not ready for a reason waiting cannot change (an artifact not on this host).
    #[serde(skip)]
    pub settled: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReadinessReport {
    pub services: Vec<ServiceReport>,
    /// Seconds spent waiting for services to come up.
    pub waited_s: f64,
}

impl ReadinessReport {
    /// True when every service mlab could run answers.
    pub fn all_ready(&self) -> bool {
        self.services.iter().all(|s| s.state != Readiness::NotReady)
    }
}

/// Which artifact each framework-like service needs; when it cannot be had, the service is
/// "not available" without being asked.
fn artifact_roles(service: &str) -> &'static [Role] {
    match service {
        "marathon" => &[Role::Marathon],
        "chronos" => &[Role::Chronos],
        "kafka" => &[Role::Kafka],
        // The dispatcher is a Marathon app.
        "spark" => &[Role::SparkDispatcher, Role::Marathon],
        "kafka-brokers" => &[Role::KafkaBroker],
        "mesos" | "agents" => &[Role::MesosMaster],
        "mesos-dns" => &[Role::MesosDns],
        _ => &[],
    }
}

/// Check every service of `lab`, retrying those that do not answer until `wait` has passed
/// (services started a moment ago are still electing leaders and registering).
pub async fn check(
    lab: &ResolvedLab,
    sessions: &HashMap<String, Arc<Session>>,
    availability: &BTreeMap<String, Availability>,
    wait: Duration,
) -> ReadinessReport {
    let began = Instant::now();
    loop {
        let services = check_once(lab, sessions, availability).await;
        let report = ReadinessReport { services, waited_s: began.elapsed().as_secs_f64() };
        let worth_waiting = report.services.iter().any(|s| s.state == Readiness::NotReady && !s.settled);
        if !worth_waiting || began.elapsed() >= wait {
            return report;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// Why the artifacts of `roles` keep a service from running, if they do.
fn blocked_by_artifacts(lab: &ResolvedLab, roles: &[Role], availability: &BTreeMap<String, Availability>) -> Option<(Readiness, String)> {
    for artifact in lab.artifacts.values().filter(|a| a.roles.iter().any(|r| roles.contains(r))) {
        match availability.get(&artifact.name) {
            Some(Availability::Unavailable(why)) => return Some((Readiness::NotAvailable, format!("{} is not available: {why}", artifact.name))),
            Some(missing @ Availability::Missing { .. }) => return Some((Readiness::NotReady, missing.reason().unwrap_or_default())),
            _ => {}
        }
    }
    None
}

async fn run(sessions: &HashMap<String, Arc<Session>>, node: &str, cmd: &str) -> Result<String, String> {
    let session = sessions.get(node).ok_or_else(|| format!("node {node} is not running"))?;
    let out = session.exec_capture(cmd).await.map_err(|e| format!("cannot ask on {node}: {e}"))?;
    if out.status == 0 { Ok(out.stdout_text()) } else { Err(format!("{} (exit {})", out.stderr_text().trim(), out.status)) }
}

/// The HTTP status `url` answers with, asked with curl on `node`.
async fn http_status(sessions: &HashMap<String, Arc<Session>>, node: &str, url: &str) -> Result<String, String> {
    run(sessions, node, &format!("curl -s -o /dev/null -w '%{{http_code}}' --max-time 5 {url}")).await
}

/// A page that answers: any 2xx or 3xx status.
fn answers(code: &str) -> bool {
    code.starts_with('2') || code.starts_with('3')
}

/// The app backends in haproxy's stats CSV (`# pxname,svname,...,status,...`), as
/// `BACKEND (UP servers/servers)`, leaving out mlab's own fronts.
fn app_backends(csv: &str) -> Vec<String> {
    let mut backends: Vec<(String, usize, usize)> = Vec::new();
    for line in csv.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(',').collect();
        let (Some(proxy), Some(server), Some(status)) = (fields.first(), fields.get(1), fields.get(17)) else { continue };
        if matches!(*proxy, "stats" | "marathon" | "mesos") || matches!(*server, "FRONTEND" | "BACKEND") {
            continue;
        }
        let up = usize::from(status.starts_with("UP"));
        match backends.iter_mut().find(|(p, _, _)| p == proxy) {
            Some(entry) => {
                entry.1 += up;
                entry.2 += 1;
            }
            None => backends.push((proxy.to_string(), up, 1)),
        }
    }
    backends.into_iter().map(|(proxy, up, all)| format!("{proxy} ({up}/{all} up)")).collect()
}

/// Whether the framework `name` is registered and active with the leading master at `leader`.
async fn framework_active(lab: &ResolvedLab, sessions: &HashMap<String, Arc<Session>>, from: &str, leader: Option<&str>, name: &str) -> bool {
    let Some(addr) = leader else { return false };
    let cmd = format!("curl -sf --max-time 5 http://{addr}:{}/master/frameworks", lab.mesos.master_port);
    run(sessions, from, &cmd)
        .await
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["frameworks"].as_array().cloned())
        .is_some_and(|fws| fws.iter().any(|f| f["name"] == name && f["active"].as_bool() == Some(true)))
}

/// Marathon's own word on its leader, asked of each instance until one answers:
/// `(leader "host:port", version)`.
async fn marathon_leader(
    lab: &ResolvedLab,
    sessions: &HashMap<String, Arc<Session>>,
    from: &str,
    service: &crate::lab::resolve::Service,
) -> Result<(String, String), String> {
    let mut last = String::from("no instance answers");
    for node in &service.nodes {
        let ip = lab.node(node).map(|n| n.ip.to_string()).unwrap_or_default();
        match run(sessions, from, &format!("curl -sf --max-time 5 http://{ip}:{}/v2/info", service.port)).await {
            Ok(text) => {
                let info: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("/v2/info on {node} is not JSON: {e}"))?;
                match info["leader"].as_str() {
                    Some(leader) => return Ok((leader.to_string(), info["version"].as_str().unwrap_or("?").to_string())),
                    None => last = format!("{node} answers, with no leader elected yet"),
                }
            }
            Err(e) => last = format!("{node}: /v2/info does not answer ({e})"),
        }
    }
    Err(last)
}

/// Marathon's app `id`: its running and healthy task counts and the nodes they run on.
async fn marathon_app(lab: &ResolvedLab, sessions: &HashMap<String, Arc<Session>>, from: &str, id: &str) -> Result<(u64, u64, Vec<String>), String> {
    let service = lab.services.iter().find(|s| s.name == "marathon").ok_or("the lab has no Marathon")?;
    let ip = service.nodes.first().and_then(|n| lab.node(n)).map(|n| n.ip.to_string()).unwrap_or_default();
    let text = run(sessions, from, &format!("curl -sf --max-time 5 http://{ip}:{}/v2/apps/{id}?embed=app.tasks", service.port))
        .await
        .map_err(|e| format!("Marathon does not answer for app /{id} ({e})"))?;
    let app: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("Marathon's /v2/apps/{id} is not JSON: {e}"))?;
    let app = &app["app"];
    let hosts = app["tasks"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["host"].as_str()).map(|h| h.split('.').next().unwrap_or(h).to_string()).collect())
        .unwrap_or_default();
    Ok((app["tasksRunning"].as_u64().unwrap_or(0), app["tasksHealthy"].as_u64().unwrap_or(0), hosts))
}

/// The node to ask from: the first running one of `preferred`, else any running node.
fn asker<'a>(lab: &'a ResolvedLab, sessions: &HashMap<String, Arc<Session>>, preferred: &[String]) -> Option<&'a str> {
    preferred.iter().chain(lab.nodes.iter().map(|n| &n.name)).find(|n| sessions.contains_key(*n)).and_then(|n| lab.node(n)).map(|n| n.name.as_str())
}

async fn check_once(lab: &ResolvedLab, sessions: &HashMap<String, Arc<Session>>, availability: &BTreeMap<String, Availability>) -> Vec<ServiceReport> {
    let ip = |name: &str| lab.node(name).map(|n| n.ip.to_string()).unwrap_or_default();
    let mut out = Vec::new();
    let mut settled: Vec<String> = Vec::new();
    let mut leader: Option<String> = None;
    let mut push = |service: &str, title: &str, state: Readiness, detail: String| {
        out.push(ServiceReport { service: service.into(), title: title.into(), state, detail, settled: false });
    };
    for service in &lab.services {
        let (name, title) = (service.name.as_str(), service.title.as_str());
        if let Some((state, why)) = blocked_by_artifacts(lab, artifact_roles(name), availability) {
            push(name, title, state, why);
            if name == "mesos" {
                push("agents", "Mesos agents", state, "the agents need the same Mesos package".into());
            }
            settled.push(name.to_string());
            if name == "mesos" {
                settled.push("agents".into());
            }
            continue;
        }
        let Some(from) = asker(lab, sessions, &service.nodes) else {
            push(name, title, Readiness::NotReady, "no node of the lab is running".into());
            continue;
        };
        match name {
            "zookeeper" => {
                let mut modes = Vec::new();
                for node in &service.nodes {
                    let cmd = format!("exec 3<>/dev/tcp/{}/{} && printf srvr >&3 && cat <&3", ip(node), service.port);
                    if let Ok(text) = run(sessions, from, &format!("timeout 5 bash -c {}", crate::ssh::shell_quote(&[cmd]))).await {
                        if let Some(mode) = text.lines().find_map(|l| l.strip_prefix("Mode: ")) {
                            modes.push((node.clone(), mode.trim().to_string()));
                        }
                    }
                }
                let quorum = service.nodes.len() / 2 + 1;
                let leading = modes.iter().find(|(_, m)| m == "leader" || m == "standalone");
                let detail = match leading {
                    Some((node, mode)) if service.nodes.len() == 1 => format!("{mode} on {node}"),
                    Some((node, _)) => format!("leader {node}, {} of {} serving (quorum {quorum})", modes.len(), service.nodes.len()),
                    None => format!("no leader yet; {} of {} answer", modes.len(), service.nodes.len()),
                };
                let ok = leading.is_some() && modes.len() >= quorum;
                push(name, title, if ok { Readiness::Ready } else { Readiness::NotReady }, detail);
            }
            "mesos" => {
                let mut seen = None;
                for node in &service.nodes {
                    let cmd = format!("curl -sf --max-time 5 http://{}:{}/master/state", ip(node), service.port);
                    if let Ok(text) = run(sessions, from, &cmd).await {
                        if let Ok(state) = serde_json::from_str::<serde_json::Value>(&text) {
                            if let Some(pid) = state["leader"].as_str() {
                                seen = Some(pid.to_string());
                                break;
                            }
                        }
                    }
                }
                // `master@IP:PORT`: name the node.
                let leader_ip = seen.as_deref().and_then(|pid| pid.split('@').nth(1)).and_then(|a| a.split(':').next()).map(str::to_string);
                let leader_node = leader_ip.as_deref().and_then(|a| lab.nodes.iter().find(|n| n.ip.to_string() == a)).map(|n| n.name.clone());
                match (&leader_ip, &leader_node) {
                    (Some(addr), node) => {
                        push(name, title, Readiness::Ready, format!("leading master: {} ({addr})", node.clone().unwrap_or_else(|| addr.clone())));
                        leader = Some(addr.clone());
                    }
                    _ => push(
                        name,
                        title,
                        Readiness::NotReady,
                        "no master answers with a leader yet (still electing, or see `journalctl -u mesos-master` on the masters)".into(),
                    ),
                }
                // Agents: every running agent node registered and active with the leader.
                let expected: Vec<&str> =
                    lab.nodes.iter().filter(|n| n.has(Role::MesosAgent) && sessions.contains_key(&n.name)).map(|n| n.name.as_str()).collect();
                let registered = match &leader {
                    Some(addr) => {
                        let cmd = format!("curl -sf --max-time 5 http://{addr}:{}/master/slaves", service.port);
                        run(sessions, from, &cmd)
                            .await
                            .ok()
                            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                            .map(|v| {
                                v["slaves"]
                                    .as_array()
                                    .map(|a| {
                                        a.iter()
                                            .filter(|s| s["active"].as_bool() == Some(true))
                                            .filter_map(|s| s["hostname"].as_str().map(str::to_string))
                                            .collect::<Vec<_>>()
                                    })
                                    .unwrap_or_default()
                            })
                            .unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                let missing: Vec<&str> =
                    expected.iter().copied().filter(|n| !registered.iter().any(|h| lab.node(n).is_some_and(|node| h == &node.fqdn || h == n))).collect();
                let detail = if missing.is_empty() {
                    format!("{} of {} registered", expected.len(), expected.len())
                } else {
                    format!("{} of {} registered; waiting for {}", expected.len() - missing.len(), expected.len(), missing.join(", "))
                };
                push("agents", "Mesos agents", if missing.is_empty() && leader.is_some() { Readiness::Ready } else { Readiness::NotReady }, detail);
            }
            "mesos-dns" => {
                let dns_ip = ip(&service.nodes[0]);
                let other: Vec<String> = lab.nodes.iter().filter(|n| !service.nodes.contains(&n.name)).map(|n| n.name.clone()).collect();
                let from = asker(lab, sessions, &other).unwrap_or(from);
                let cmd = format!("dig +short +time=2 +tries=1 @{dns_ip} leader.mesos A");
                match run(sessions, from, &cmd).await.map(|t| t.trim().to_string()) {
                    Ok(answer) if !answer.is_empty() => push(name, title, Readiness::Ready, format!("leader.mesos is {answer} (asked from {from})")),
                    Ok(_) => push(name, title, Readiness::NotReady, "answers, but has no leader.mesos yet".into()),
                    Err(e) => push(name, title, Readiness::NotReady, format!("does not answer DNS on {dns_ip}: {e}")),
                }
            }
            "admin-router" => {
                let router = ip(&service.nodes[0]);
                let mut bad = Vec::new();
                let mut good = Vec::new();
                // The portal, and each route whose service can run.
                let mut paths = vec!["/".to_string()];
                for routed in lab.services.iter().filter(|s| s.route.is_some()) {
                    if blocked_by_artifacts(lab, artifact_roles(&routed.name), availability).is_none() {
                        paths.extend(routed.check.clone());
                    }
                }
                for path in &paths {
                    match http_status(sessions, from, &format!("http://{router}:{}{path}", service.port)).await {
                        Ok(code) if answers(&code) => good.push(path.clone()),
                        Ok(code) => bad.push(format!("{path} answers {code}")),
                        Err(e) => bad.push(format!("{path}: {e}")),
                    }
                }
                if bad.is_empty() {
                    push(name, title, Readiness::Ready, format!("http://{router}/ serves {}", good.join(" ")));
                } else {
                    push(name, title, Readiness::NotReady, bad.join("; "));
                }
            }
            "marathon-lb" => {
                // Asked on the balancer itself: marathon-lb running and the configuration haproxy
                // runs written by it (its app-id frontend is in every file it writes, never in
                // mlab's head), and haproxy's stats (CSV) listing the app backends.
                let lb = &service.nodes[0];
                let cmd = format!(
                    "systemctl is-active --quiet marathon-lb.service && grep -q '^frontend marathon_http_appid_in' /etc/haproxy/mlab.cfg \
                     && curl -sf --max-time 5 'http://{}:{}/;csv'",
                    ip(lb),
                    service.port
                );
                match run(sessions, lb, &cmd).await {
                    Ok(csv) => {
                        let apps = app_backends(&csv);
                        let detail = if apps.is_empty() {
                            "marathon-lb running; HAProxy answers, no Marathon app in group external yet".to_string()
                        } else {
                            format!("marathon-lb running; HAProxy serves {}", apps.join(", "))
                        };
                        push(name, title, Readiness::Ready, detail)
                    }
                    Err(e) => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!("marathon-lb or HAProxy's stats do not answer on {lb} ({e}; `journalctl -u marathon-lb` there)"),
                    ),
                }
            }
            "spark" => {
                let Some(spark) = &lab.spark else { continue };
                let framework = &spark.framework_name;
                // Registered with the leading master as a framework, its UI answering, and
                // Marathon's word on the app that runs it.
                let registered = framework_active(lab, sessions, from, leader.as_deref(), framework).await;
                let ui = http_status(sessions, from, &format!("http://{}:{}/", spark.dispatcher_ip, spark.ui_port)).await;
                let app = marathon_app(lab, sessions, from, "spark-dispatcher").await;
                let (supervised, healthy) = match &app {
                    Ok((running, healthy, hosts)) => (
                        format!(
                            "Marathon app /spark-dispatcher: {running} running, {healthy} healthy on {}",
                            if hosts.is_empty() { "no node".into() } else { hosts.join(", ") }
                        ),
                        *healthy > 0,
                    ),
                    Err(why) => (why.clone(), false),
                };
                match (registered, ui) {
                    // Marathon's health check is what restarts a hung dispatcher: until it has
                    // passed once, the supervision the README promises is not checked.
                    (true, Ok(code)) if answers(&code) && !healthy => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!("registered and its UI answers, Marathon's health check has not passed yet ({supervised})"),
                    ),
                    (true, Ok(code)) if answers(&code) => push(
                        name,
                        title,
                        Readiness::Ready,
                        format!("framework \"{framework}\" registered; submissions at {} ({supervised})", spark.dispatcher_url),
                    ),
                    (false, _) => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!(
                            "framework \"{framework}\" is not registered with the leading master ({supervised}; its log is the task's stderr: `mlab open marathon`)"
                        ),
                    ),
                    (true, other) => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!("registered, but its UI does not answer ({}; {supervised})", other.unwrap_or_else(|e| e)),
                    ),
                }
            }
            "kafka-brokers" => {
                let Some(kafka) = &lab.kafka_brokers else { continue };
                // The brokers the cluster's metadata lists, asked with kcat (Debian's Kafka client).
                let expected: Vec<&crate::lab::resolve::KafkaBroker> = kafka.brokers.iter().filter(|b| sessions.contains_key(&b.node)).collect();
                let cmd = format!("kcat -L -b {} -m 5 2>&1", kafka.bootstrap_servers);
                let listed: Vec<u32> = match run(sessions, from, &cmd).await {
                    Ok(text) => {
                        text.lines().filter_map(|l| l.trim().strip_prefix("broker ")).filter_map(|l| l.split_whitespace().next()?.parse().ok()).collect()
                    }
                    Err(_) => Vec::new(),
                };
                let missing: Vec<&str> = expected.iter().filter(|b| !listed.contains(&b.id)).map(|b| b.node.as_str()).collect();
                let supervised = "systemd services mlab supervises, not Mesos tasks: the mesos/kafka framework is not available";
                let detail = if missing.is_empty() {
                    format!("{} of {} registered ({supervised})", expected.len(), expected.len())
                } else {
                    format!(
                        "{} of {} registered; waiting for {} (`journalctl -u kafka-broker` there)",
                        expected.len() - missing.len(),
                        expected.len(),
                        missing.join(", ")
                    )
                };
                push(name, title, if missing.is_empty() && !expected.is_empty() { Readiness::Ready } else { Readiness::NotReady }, detail);
            }
            "marathon" => {
                let registered = framework_active(lab, sessions, from, leader.as_deref(), "marathon").await;
                match marathon_leader(lab, sessions, from, service).await {
                    Ok((elected, version)) if registered => {
                        push(name, title, Readiness::Ready, format!("leader {elected}, version {version}; framework registered with the leading master"))
                    }
                    Ok((elected, _)) => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!("leader {elected} elected, not registered with the leading master yet (`journalctl -u marathon` there)"),
                    ),
                    Err(why) => push(name, title, Readiness::NotReady, format!("{why} (`journalctl -u marathon` on {})", service.nodes.join(", "))),
                }
            }
            "chronos" => {
                let registered = framework_active(lab, sessions, from, leader.as_deref(), "chronos").await;
                // Every instance answers its API and serves its web UI (the page and its
                // bundle); only the leader is registered with Mesos.
                let mut answering = Vec::new();
                for node in &service.nodes {
                    let base = format!("http://{}:{}", ip(node), service.port);
                    let cmd = format!(
                        "curl -sf --max-time 5 -o /dev/null {base}/v1/scheduler/jobs && curl -sf --max-time 5 -o /dev/null {base}/ \
                         && curl -sf --max-time 10 -o /dev/null {base}/assets/js/bundle.js"
                    );
                    if run(sessions, from, &cmd).await.is_ok() {
                        answering.push(node.clone());
                    }
                }
                match (registered, answering.is_empty()) {
                    (true, false) => {
                        push(name, title, Readiness::Ready, format!("framework registered; jobs API and web UI answer on {}", answering.join(", ")))
                    }
                    (false, false) => push(name, title, Readiness::NotReady, "its API answers, not registered with the leading master yet".into()),
                    (_, true) => push(
                        name,
                        title,
                        Readiness::NotReady,
                        format!("its jobs API or web UI does not answer (`journalctl -u chronos` on {})", service.nodes.join(", ")),
                    ),
                }
            }
            _ => push(name, title, Readiness::NotReady, "no live check for this service yet, so it is not reported ready".into()),
        }
    }
    for report in &mut out {
        report.settled = settled.contains(&report.service);
    }
    out
}

/// `mlab status --services`: one pass of the checks over the nodes running now.
pub async fn services_now(
    instance: &super::Instance,
    provisioners: &crate::provisioners::Provisioners,
    running: &[String],
) -> Result<ReadinessReport, super::LifecycleError> {
    let sessions = super::connect_sessions(&instance.dir, &instance.lab, running, Duration::from_secs(20)).await?;
    let cache = crate::artifacts::ArtifactCache::default_location();
    let availability = crate::artifacts::availability(&cache, provisioners, &instance.lab.artifacts, &instance.lab.artifacts);
    let report = check(&instance.lab, &sessions, &availability, Duration::ZERO).await;
    super::close_sessions(sessions).await;
    Ok(report)
}

/// Tell the leading master that the agent on `fqdn` is gone for good (`MARK_AGENT_GONE`), so
/// it is not kept as an unreachable ghost and its tasks are reported lost at once. Returns the
/// agent's id, or `None` when no master knows an agent by that name.
pub async fn mark_agent_gone(lab: &ResolvedLab, sessions: &HashMap<String, Arc<Session>>, fqdn: &str) -> Result<Option<String>, String> {
    let port = lab.mesos.master_port;
    let from = asker(lab, sessions, &lab.mesos.masters).ok_or("no node of the lab is running")?;
    let mut last = String::from("no master answers");
    for master in &lab.mesos.masters {
        let ip = lab.node(master).map(|n| n.ip.to_string()).unwrap_or_default();
        // /master/slaves on a non-leading master redirects to the leader.
        let slaves = match run(sessions, from, &format!("curl -sfL --max-time 10 http://{ip}:{port}/master/slaves")).await {
            Ok(text) => text,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let value: serde_json::Value = serde_json::from_str(&slaves).map_err(|e| format!("/master/slaves is not JSON: {e}"))?;
        let Some(id) = value["slaves"].as_array().and_then(|a| a.iter().find(|s| s["hostname"] == fqdn)).and_then(|s| s["id"].as_str()).map(str::to_string)
        else {
            return Ok(None);
        };
        let body = serde_json::json!({ "type": "MARK_AGENT_GONE", "mark_agent_gone": { "agent_id": { "value": id } } }).to_string();
        let cmd =
            format!("curl -sfL --max-time 10 -X POST -H 'Content-Type: application/json' -d {} http://{ip}:{port}/api/v1", crate::ssh::shell_quote(&[body]));
        run(sessions, from, &cmd).await?;
        return Ok(Some(id));
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::app_backends;

    #[test]
    fn app_backends_counts_servers_up_and_leaves_mlabs_fronts_out() {
        let csv = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight\n\
            stats,FRONTEND,,,0,1,4096,2,0,0,0,0,0,,,,,OPEN,\n\
            marathon,m1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1\n\
            web_10000,FRONTEND,,,0,0,4096,0,0,0,0,0,0,,,,,OPEN,\n\
            web_10000,agent1_31001,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1\n\
            web_10000,agent1_31002,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1\n\
            web_10000,BACKEND,0,0,0,0,410,0,0,0,0,0,,0,0,0,0,UP,2\n";
        assert_eq!(app_backends(csv), ["web_10000 (1/2 up)"]);
        assert!(app_backends("# pxname,svname\nstats,FRONTEND\n").is_empty());
    }
}
