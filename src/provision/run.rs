//! Running the steps over SSH: every node through its own steps in stage order, all nodes at once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::io::AsyncWriteExt;

use super::ProvisionError;
use super::decide::StepDecision;
use super::plan::{NodeStep, StepPlan};
use crate::progress::NodeProgress;
use crate::ssh::{Session, UploadOptions, shell_quote};
use crate::state::{LabDir, LabState};

/// Where step files wait on the guest (relative to the login user's home) before `sudo install`.
const STAGING: &str = ".mlab-stage";

/// Held on the guest while a step's files are installed and its script runs: a step left
/// running by an interrupted `mlab up` finishes before the next run's step starts, instead of
/// the two racing over the same files and packages.
const GUEST_LOCK: &str = "/run/mlab-provision.lock";

/// How long a step waits for that lock before giving up (a step left running is a package
/// install or a service start, minutes at most).
const GUEST_LOCK_WAIT_S: u32 = 900;

/// flock's exit status when the wait ran out (EX_TEMPFAIL), told apart from the script's own.
const LOCK_TIMEOUT_STATUS: u32 = 75;

/// The shell command that installs a step's staged files and runs its script on the guest,
/// all under [`GUEST_LOCK`]; `stage_dir` is this run's own, so an older run still going never
/// sees (or removes) these files. Staging left by runs that were killed is removed after an
/// hour.
fn guest_command(stage_dir: &str, installs: &[String], script: Option<&str>) -> String {
    let mut inner = vec!["set -e".to_string(), format!("find {STAGING} -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf {{}} + 2>/dev/null || true")];
    inner.extend(installs.iter().cloned());
    if let Some(script) = script {
        inner.push(format!("bash {}", shell_quote(&[script.to_string()])));
    }
    let inner = inner.join("\n");
    format!(
        "set -e; cd \"$HOME\"\nstatus=0\nsudo flock -w {GUEST_LOCK_WAIT_S} -E {LOCK_TIMEOUT_STATUS} {GUEST_LOCK} sh -c {} || status=$?\nrm -rf {}\nexit $status",
        shell_quote(&[inner]),
        shell_quote(&[stage_dir.to_string()])
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Ran and succeeded.
    Done,
    /// Finished before with the same inputs: not run.
    Unchanged,
    /// Not run: an artifact it needs is not staged.
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub node: String,
    pub step: String,
    pub status: StepStatus,
    pub seconds: f64,
    /// Why it was skipped or failed.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ProvisionReport {
    pub steps: Vec<StepOutcome>,
}

impl ProvisionReport {
    pub fn count(&self, status: StepStatus) -> usize {
        self.steps.iter().filter(|s| s.status == status).count()
    }
}

/// What runs a step's files on one node: an SSH session to it in a lab, a stand-in in tests.
#[async_trait::async_trait]
pub trait StepRunner: Send + Sync {
    /// Install the step's files and artifacts and run its script; everything printed goes to
    /// `log`. The error is a one-line reason.
    async fn run_step(&self, step: &NodeStep, artifacts: &[(String, PathBuf)], log: &Path) -> Result<(), String>;
}

#[async_trait::async_trait]
impl StepRunner for Session {
    async fn run_step(&self, step: &NodeStep, artifacts: &[(String, PathBuf)], log: &Path) -> Result<(), String> {
        run_over_ssh(self, step, artifacts, log).await
    }
}

/// How one step on one node ended, with what the report and the state need.
struct Finished {
    node: String,
    step: String,
    hash: String,
    seconds: f64,
    result: Result<(), String>,
}

/// A step a node will run, with the artifacts it uploads and its log.
struct QueuedStep {
    ns: NodeStep,
    uploads: Vec<(String, PathBuf)>,
    log: PathBuf,
}

/// Run the steps of `plan` as `decisions` say, on the nodes of `runners`. Each node goes
/// through its own steps in stage order, independently of the others: no step waits for a
/// peer's step (a service that needs a peer retries until the peer answers, and readiness is
/// checked live at the end), so a node never idles at a barrier while another finishes a step
/// it does not have. A node stops at its first failure; the others finish their steps.
/// Finished steps are recorded in `state`, saved as each one ends; a failed step, or one whose
/// task ended abnormally, is forgotten there. The first failure is the error.
pub async fn run_stages(
    plan: &StepPlan,
    decisions: &HashMap<(String, String), StepDecision>,
    runners: &HashMap<String, Arc<dyn StepRunner>>,
    artifact_files: &BTreeMap<String, PathBuf>,
    dir: &LabDir,
    state: &mut LabState,
    progress: &NodeProgress,
) -> Result<ProvisionReport, ProvisionError> {
    let mut report = ProvisionReport::default();
    let lines: HashMap<&String, crate::progress::NodeLine> = runners.keys().map(|n| (n, progress.line(n))).collect();
    let outcome = |ns: &NodeStep, status, seconds, note| StepOutcome { node: ns.node.clone(), step: ns.step.clone(), status, seconds, note };

    // Each node's steps to run, in stage order; the others are reported as they are.
    let mut pipelines: BTreeMap<String, Vec<QueuedStep>> = BTreeMap::new();
    for ns in plan.stages.iter().flat_map(|stage| &stage.nodes) {
        match decisions.get(&(ns.node.clone(), ns.step.clone())).cloned().unwrap_or(StepDecision::FilteredOut) {
            StepDecision::Run if runners.contains_key(&ns.node) => pipelines.entry(ns.node.clone()).or_default().push(QueuedStep {
                uploads: ns.artifacts.iter().filter_map(|name| artifact_files.get(name).map(|p| (name.clone(), p.clone()))).collect(),
                log: dir.step_log(&ns.node, &ns.step),
                ns: ns.clone(),
            }),
            StepDecision::Blocked(reason) => report.steps.push(outcome(ns, StepStatus::Skipped, 0.0, Some(reason))),
            StepDecision::Unchanged => report.steps.push(outcome(ns, StepStatus::Unchanged, 0.0, None)),
            _ => {}
        }
    }

    let (finished_tx, mut finished_rx) = tokio::sync::mpsc::unbounded_channel::<Finished>();
    let mut nodes = tokio::task::JoinSet::new();
    for (node, steps) in pipelines {
        let runner = Arc::clone(&runners[&node]);
        let line = lines.get(&node).cloned();
        let finished_tx = finished_tx.clone();
        nodes.spawn(async move {
            for QueuedStep { ns, uploads, log } in steps {
                if let Some(line) = &line {
                    line.set_message(format!("step {}", ns.step));
                }
                let t0 = Instant::now();
                // Its own task, so a step that panics (a bug) fails that step and no other.
                let runner = Arc::clone(&runner);
                let step = ns.clone();
                let result = tokio::spawn(async move { runner.run_step(&step, &uploads, &log).await })
                    .await
                    .unwrap_or_else(|e| Err(format!("mlab's task for this step ended abnormally ({e}); this is a bug in mlab")));
                let failed = result.is_err();
                let _ = finished_tx.send(Finished { node: ns.node, step: ns.step, hash: ns.hash, seconds: t0.elapsed().as_secs_f64(), result });
                if failed {
                    break;
                }
            }
        });
    }
    drop(finished_tx);

    let mut first_failure = None;
    while let Some(done) = finished_rx.recv().await {
        match done.result {
            Ok(()) => {
                state.steps.entry(done.node.clone()).or_default().insert(done.step.clone(), done.hash);
                report.steps.push(StepOutcome { node: done.node, step: done.step, status: StepStatus::Done, seconds: done.seconds, note: None });
            }
            Err(reason) => {
                // A failed step runs again next time, whatever it recorded before.
                if let Some(steps) = state.steps.get_mut(&done.node) {
                    steps.remove(&done.step);
                }
                report.steps.push(StepOutcome {
                    node: done.node.clone(),
                    step: done.step.clone(),
                    status: StepStatus::Failed,
                    seconds: done.seconds,
                    note: Some(reason.clone()),
                });
                if let Some(line) = lines.get(&done.node) {
                    line.finish_with_message(format!("step {} failed", done.step));
                }
                let log = dir.step_log(&done.node, &done.step);
                first_failure.get_or_insert(ProvisionError::StepFailed {
                    tail: log_tail(&log, 15),
                    log: log.display().to_string(),
                    node: done.node,
                    step: done.step,
                    reason,
                });
            }
        }
        state.save(dir)?;
    }
    // Every node task has ended (the channel closed); a panic outside a step is a bug too.
    while let Some(joined) = nodes.join_next().await {
        if let Err(e) = joined {
            first_failure.get_or_insert(ProvisionError::Task(format!("a node's provisioning ended abnormally ({e}); this is a bug in mlab")));
        }
    }
    // The report in plan order, whatever order the nodes finished in.
    let position: HashMap<&str, usize> = plan.stages.iter().enumerate().map(|(i, s)| (s.step.as_str(), i)).collect();
    report.steps.sort_by(|a, b| (position.get(a.step.as_str()), &a.node).cmp(&(position.get(b.step.as_str()), &b.node)));
    if let Some(failure) = first_failure {
        for line in lines.values() {
            line.finish_and_clear();
        }
        return Err(failure);
    }
    for (node, line) in &lines {
        let mine = report.steps.iter().filter(|s| s.node == **node);
        let (done, same, skipped) = mine.fold((0, 0, 0), |(d, u, s), o| match o.status {
            StepStatus::Done => (d + 1, u, s),
            StepStatus::Unchanged => (d, u + 1, s),
            StepStatus::Skipped => (d, u, s + 1),
            StepStatus::Failed => (d, u, s),
        });
        line.finish_with_message(format!("provisioned: {done} ran, {same} unchanged, {skipped} waiting for artifacts"));
    }
    Ok(report)
}

/// Upload a step's files (and artifacts) to the staging area, install them as root, run the
/// script; everything the guest prints goes to `log`. The error is a one-line reason.
async fn run_over_ssh(session: &Session, ns: &NodeStep, artifacts: &[(String, PathBuf)], log: &Path) -> Result<(), String> {
    if let Some(parent) = log.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut out = tokio::fs::File::create(log).await.map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let _ = out.write_all(format!("# step {} on {}\n", ns.step, ns.node).as_bytes()).await;
    tracing::debug!(node = %ns.node, step = %ns.step, artifacts = artifacts.len(), "step uploads its files");

    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let stage_dir = format!("{STAGING}/{}.{}.{stamp}", ns.step, std::process::id());
    let upload = UploadOptions { mode: 0o600, create_parents: true };
    let mut install = Vec::new();
    let mut script = None;
    for (i, file) in ns.files.iter().enumerate() {
        let staged = format!("{stage_dir}/{i}");
        session.upload_bytes(file.content.as_bytes(), &staged, upload).await.map_err(|e| format!("upload of {} failed: {e}", file.path))?;
        install.push(format!("install -D -m {:o} {} {}", file.mode, shell_quote(std::slice::from_ref(&staged)), shell_quote(std::slice::from_ref(&file.path))));
        if file.run {
            script = Some(file.path.clone());
        }
    }
    for (name, path) in artifacts {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| name.clone());
        let staged = format!("{stage_dir}/artifact-{file_name}");
        session.upload_file(path, &staged, upload).await.map_err(|e| format!("upload of artifact {name} failed: {e}"))?;
        install.push(format!("install -D -m 644 {} {}", shell_quote(&[staged]), shell_quote(&[format!("/var/cache/mlab/artifacts/{file_name}")])));
    }
    let command = guest_command(&stage_dir, &install, script.as_deref());
    tracing::debug!(node = %ns.node, step = %ns.step, "step runs");
    let mut err = out.try_clone().await.map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let status = session.exec(&command, &mut out, &mut err).await.map_err(|e| format!("SSH: {e}"))?;
    let _ = out.flush().await;
    match status {
        0 => Ok(()),
        LOCK_TIMEOUT_STATUS => Err(format!(
            "another provisioning step kept {GUEST_LOCK} on the node for {GUEST_LOCK_WAIT_S} s (one left running by an interrupted mlab?); see `mlab ssh {} -- ps -ef`",
            ns.node
        )),
        status => Err(format!("its script exited with status {status}")),
    }
}

/// The last `n` lines of a log, indented for an error message.
fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guest command, run here by sh with `sudo` and `flock` stood in by functions that
    /// record what they were asked, against a real staging directory.
    #[test]
    fn a_step_runs_under_the_guest_lock_from_its_own_staging() {
        let home = tempfile::tempdir().expect("home");
        let stage = format!("{STAGING}/zookeeper.1.2");
        std::fs::create_dir_all(home.path().join(&stage)).expect("stage");
        std::fs::write(home.path().join(&stage).join("0"), "x").expect("staged");
        let old = home.path().join(STAGING).join("common.9.9");
        std::fs::create_dir_all(&old).expect("old stage");
        let script = home.path().join("20-zookeeper.sh");
        std::fs::write(&script, "echo \"ran $0\" >> \"$HOME/calls\"\n").expect("script");
        let script = script.display().to_string();
        let cmd = guest_command(&stage, &[format!("cp {stage}/0 installed")], Some(&script));
        assert!(cmd.contains(&format!("sudo flock -w {GUEST_LOCK_WAIT_S} -E {LOCK_TIMEOUT_STATUS} {GUEST_LOCK} sh -c")), "{cmd}");
        let fake = "sudo() { \"$@\"; }\nflock() { echo \"flock $1 $2 $3 $4 $5\" >> calls; shift 5; \"$@\"; }\n";
        let out = std::process::Command::new("bash").arg("-c").arg(format!("{fake}{cmd}")).env("HOME", home.path()).output().expect("bash");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let calls = std::fs::read_to_string(home.path().join("calls")).expect("calls");
        assert!(calls.starts_with(&format!("flock -w {GUEST_LOCK_WAIT_S} -E {LOCK_TIMEOUT_STATUS} {GUEST_LOCK}")), "{calls}");
        assert!(calls.contains(&format!("ran {script}")), "{calls}");
        assert_eq!(std::fs::read_to_string(home.path().join("installed")).expect("installed"), "x");
        assert!(!home.path().join(&stage).exists(), "this run's staging is removed");
        assert!(old.exists(), "a recent staging directory of another run stays");
    }
    use crate::provision::plan::Stage;

    /// Runs every step, except that it panics on (`node`, `step`).
    struct PanicsOn(&'static str, &'static str);

    #[async_trait::async_trait]
    impl StepRunner for PanicsOn {
        async fn run_step(&self, step: &NodeStep, _: &[(String, PathBuf)], _: &Path) -> Result<(), String> {
            if (step.node.as_str(), step.step.as_str()) == (self.0, self.1) {
                panic!("a bug in a step task");
            }
            Ok(())
        }
    }

    fn stage(step: &str, nodes: &[&str]) -> Stage {
        Stage {
            step: step.into(),
            nodes: nodes
                .iter()
                .map(|n| NodeStep { node: n.to_string(), step: step.into(), files: Vec::new(), artifacts: Vec::new(), hash: format!("{step}-hash") })
                .collect(),
        }
    }

    #[tokio::test]
    async fn a_panicking_step_fails_its_node_and_is_not_recorded() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = LabDir::new(root.path(), "lab");
        dir.create().expect("lab dir");
        let plan = StepPlan { stages: vec![stage("common", &["n1", "n2"]), stage("zookeeper", &["n1", "n2"]), stage("mesos-agent", &["n1", "n2"])] };
        let decisions = plan.stages.iter().flat_map(|s| &s.nodes).map(|ns| ((ns.node.clone(), ns.step.clone()), StepDecision::Run)).collect();
        let runner: Arc<dyn StepRunner> = Arc::new(PanicsOn("n2", "zookeeper"));
        let runners = HashMap::from([("n1".to_string(), Arc::clone(&runner)), ("n2".to_string(), runner)]);
        let mut state = LabState::default();
        // Recorded by an earlier run: a step that fails now must be forgotten.
        state.steps.entry("n2".into()).or_default().insert("zookeeper".into(), "zookeeper-hash".into());

        let err = run_stages(&plan, &decisions, &runners, &BTreeMap::new(), &dir, &mut state, &NodeProgress::hidden()).await.expect_err("the step must fail");
        let ProvisionError::StepFailed { node, step, reason, .. } = &err else { panic!("not a step failure: {err}") };
        assert_eq!((node.as_str(), step.as_str()), ("n2", "zookeeper"));
        assert!(reason.contains("abnormally"), "{reason}");
        assert_eq!(state.steps["n1"].get("zookeeper").map(String::as_str), Some("zookeeper-hash"), "the other node's step finished");
        assert!(!state.steps["n2"].contains_key("zookeeper"), "the panicked step runs again next time");
        assert!(!state.steps["n2"].contains_key("mesos-agent"), "the failed node ran no step after the failure");
        assert_eq!(state.steps["n1"].get("mesos-agent").map(String::as_str), Some("mesos-agent-hash"), "the other node went on with its own steps");
        let saved = LabState::load(&dir).expect("load").expect("saved");
        assert_eq!(saved.steps, state.steps, "the state was saved as steps ended");
    }

    #[tokio::test]
    async fn only_steps_decided_to_run_are_run() {
        let root = tempfile::tempdir().expect("tmp");
        let dir = LabDir::new(root.path(), "lab");
        dir.create().expect("lab dir");
        let plan = StepPlan { stages: vec![stage("common", &["n1", "n2"]), stage("mesos-master", &["n1"])] };
        let decisions = HashMap::from([
            (("n1".to_string(), "common".to_string()), StepDecision::Unchanged),
            (("n2".to_string(), "common".to_string()), StepDecision::Run),
            (("n1".to_string(), "mesos-master".to_string()), StepDecision::Blocked("mesos is not built".into())),
        ]);
        // It would panic on anything run but n2's common.
        let runner: Arc<dyn StepRunner> = Arc::new(PanicsOn("n1", "common"));
        let runners = HashMap::from([("n1".to_string(), Arc::clone(&runner)), ("n2".to_string(), runner)]);
        let mut state = LabState::default();
        let report = run_stages(&plan, &decisions, &runners, &BTreeMap::new(), &dir, &mut state, &NodeProgress::hidden()).await.expect("runs");
        assert_eq!((report.count(StepStatus::Done), report.count(StepStatus::Unchanged), report.count(StepStatus::Skipped)), (1, 1, 1));
        assert!(report.steps.iter().any(|s| s.status == StepStatus::Skipped && s.note.as_deref() == Some("mesos is not built")));
        assert_eq!(state.steps.keys().collect::<Vec<_>>(), ["n2"]);
    }
}
