//! Marathon, Chronos and marathon-lb driven through their real APIs in a running lab, the way
//! a student does it (`labs/examples/`): used by vm_mesos on its lab, and by hand on ha-cluster.
//! Every wait has a deadline and fails with what the API said last.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::vm_support::Mlab;

pub const WEB_APP: &str = include_str!("../../labs/examples/marathon-web.json");
pub const CHRONOS_JOB: &str = include_str!("../../labs/examples/chronos-hello.json");

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `curl` on `node` with a JSON body (or none), the answer as JSON (`Null` when empty).
pub fn call(mlab: &Mlab, node: &str, method: &str, url: &str, body: Option<&str>) -> Value {
    let data = body.map(|b| format!(" -H 'Content-Type: application/json' -d {}", quoted(b))).unwrap_or_default();
    let out = mlab.sh(node, &format!("curl -sS --fail-with-body --max-time 20 -X {method}{data} {url}"));
    if out.trim().is_empty() { Value::Null } else { serde_json::from_str(&out).unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {out}")) }
}

/// Ask `probe` every 3 s until it returns `Some`, or fail after `limit` with the last answer.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> (Option<T>, String)) -> T {
    let began = Instant::now();
    loop {
        let (found, last) = probe();
        if let Some(found) = found {
            eprintln!("TIMING {what}: {:.1} s", began.elapsed().as_secs_f64());
            return found;
        }
        assert!(began.elapsed() < limit, "{what}: not within {} s; last answer:\n{last}", limit.as_secs());
        std::thread::sleep(Duration::from_secs(3));
    }
}

/// The app's tasks once `instances` of them run and pass their health check: (id, host, port).
pub fn healthy_tasks(mlab: &Mlab, node: &str, marathon: &str, app: &str, instances: usize, limit: Duration) -> Vec<(String, String, u64)> {
    wait_for(&format!("{app}: {instances} tasks running and healthy"), limit, || {
        let answer = call(mlab, node, "GET", &format!("{marathon}/v2/apps{app}?embed=app.tasks"), None);
        let a = &answer["app"];
        let tasks: Vec<(String, String, u64)> = a["tasks"]
            .as_array()
            .map(|tasks| {
                tasks
                    .iter()
                    .filter(|t| t["state"] == "TASK_RUNNING")
                    .filter(|t| t["healthCheckResults"].as_array().is_some_and(|h| !h.is_empty() && h.iter().all(|r| r["alive"] == true)))
                    .map(|t| (t["id"].as_str().unwrap_or("").to_string(), t["host"].as_str().unwrap_or("").to_string(), t["ports"][0].as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        let settled = a["tasksRunning"] == instances && a["tasksHealthy"] == instances && tasks.len() == instances;
        (settled.then_some(tasks), answer.to_string())
    })
}

/// Marathon's web app of `labs/examples/marathon-web.json` for real: deployed with two
/// instances, both TASK_RUNNING on Mesos and healthy in Marathon, scaled to 3, one task's
/// process killed and replaced by Marathon, served by marathon-lb on its service port from
/// `other` (another node), then deleted with every task gone from Mesos.
pub fn web_app_lifecycle(mlab: &Mlab, node: &str, marathon: &str, master: &str, lb: &str, other: &str) {
    let app: Value = serde_json::from_str(WEB_APP).expect("the example app is JSON");
    let id = app["id"].as_str().expect("an id").to_string();
    let deployed = call(mlab, node, "POST", &format!("{marathon}/v2/apps"), Some(WEB_APP));
    assert_eq!(deployed["id"], id.as_str(), "{deployed}");
    let limit = Duration::from_secs(300);
    let two = healthy_tasks(mlab, node, marathon, &id, 2, limit);

    // Mesos sees the same two tasks, run for the framework `marathon`.
    let tasks = call(mlab, node, "GET", &format!("{master}/master/tasks"), None);
    let running: Vec<&str> =
        tasks["tasks"].as_array().expect("tasks").iter().filter(|t| t["state"] == "TASK_RUNNING").filter_map(|t| t["id"].as_str()).collect();
    for (task, _, _) in &two {
        assert!(running.contains(&task.as_str()), "{task} is TASK_RUNNING on Mesos: {tasks}");
    }
    let frameworks = call(mlab, node, "GET", &format!("{master}/master/frameworks"), None);
    assert!(frameworks["frameworks"].as_array().expect("frameworks").iter().any(|f| f["name"] == "marathon" && f["active"] == true), "{frameworks}");

    // Scale to three.
    call(mlab, node, "PUT", &format!("{marathon}/v2/apps{id}"), Some(r#"{"instances":3}"#));
    let three = healthy_tasks(mlab, node, marathon, &id, 3, limit);

    // Kill one task's process on its agent: Marathon replaces the task.
    let (victim, host, port) = three[0].clone();
    let agent = host.split('.').next().expect("a host name").to_string();
    mlab.sh(&agent, &format!("sudo pkill -9 -f 'http.server {port}$'"));
    let healed = wait_for("a killed task replaced by Marathon", limit, || {
        let now = healthy_tasks(mlab, node, marathon, &id, 3, limit);
        let replaced = !now.iter().any(|(t, _, _)| *t == victim);
        (replaced.then_some(now.clone()), format!("{now:?}"))
    });
    let failure = call(mlab, node, "GET", &format!("{marathon}/v2/apps{id}"), None);
    assert_eq!(failure["app"]["lastTaskFailure"]["taskId"], victim.as_str(), "Marathon reports the failed task: {failure}");
    assert_eq!(healed.len(), 3);

    // marathon-lb publishes the app on its service port, reachable from another node.
    let service_port = failure["app"]["portDefinitions"][0]["port"].as_u64().expect("a service port");
    assert!(service_port >= 10000, "a service port from Marathon's range: {failure}");
    wait_for("marathon-lb serving the app", Duration::from_secs(120), || {
        let (code, out, _) = mlab.run_code(&[
            "ssh",
            other,
            "--",
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
            &format!("http://{lb}:{service_port}/"),
        ]);
        ((code == 0 && out.trim() == "200").then_some(()), out)
    });

    // Deleted: no task of the app left on Mesos.
    call(mlab, node, "DELETE", &format!("{marathon}/v2/apps{id}"), None);
    let ids: Vec<String> = healed.iter().map(|(t, _, _)| t.clone()).collect();
    wait_for("every task of the app gone", limit, || {
        let apps = call(mlab, node, "GET", &format!("{marathon}/v2/apps"), None);
        let tasks = call(mlab, node, "GET", &format!("{master}/master/tasks"), None);
        let left: Vec<&Value> =
            tasks["tasks"].as_array().expect("tasks").iter().filter(|t| ids.iter().any(|i| t["id"] == i.as_str()) && t["state"] == "TASK_RUNNING").collect();
        // Other apps (the lab's own, such as the Spark dispatcher) stay.
        let gone = apps["apps"].as_array().is_some_and(|a| !a.iter().any(|app| app["id"] == id));
        ((gone && left.is_empty()).then_some(()), format!("{apps}\nstill running: {left:?}"))
    });
}

/// Schedule `labs/examples/chronos-hello.json`, starting now and every minute.
pub fn schedule_chronos_job(mlab: &Mlab, node: &str, chronos: &str) -> String {
    let mut job: Value = serde_json::from_str(CHRONOS_JOB).expect("the example job is JSON");
    let start = mlab.sh(node, "date -u +%Y-%m-%dT%H:%M:%SZ");
    job["schedule"] = Value::String(format!("R/{}/PT1M", start.trim()));
    call(mlab, node, "POST", &format!("{chronos}/v1/scheduler/iso8601"), Some(&job.to_string()));
    job["name"].as_str().expect("a name").to_string()
}

/// Wait until the Chronos job `name` has succeeded at least `runs` times.
pub fn chronos_job_ran(mlab: &Mlab, node: &str, chronos: &str, name: &str, runs: u64) -> Value {
    wait_for(&format!("Chronos job {name} run {runs} times"), Duration::from_secs(240), || {
        let jobs = call(mlab, node, "GET", &format!("{chronos}/v1/scheduler/jobs"), None);
        let job = jobs.as_array().and_then(|a| a.iter().find(|j| j["name"] == name)).cloned();
        let done = job.as_ref().is_some_and(|j| j["successCount"].as_u64().unwrap_or(0) >= runs);
        (if done { job } else { None }, jobs.to_string())
    })
}
