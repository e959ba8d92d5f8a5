//! Running the stages over SSH.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::io::AsyncWriteExt;

use super::ProvisionError;
use super::plan::{NodeStep, StepPlan};
use crate::lifecycle::NodeProgress;
use crate::ssh::{Session, UploadOptions, shell_quote};
use crate::state::{LabDir, LabState};

/// Where step files wait on the guest (relative to the login user's home) before `sudo install`.
const STAGING: &str = ".mlab-stage";

#[derive(Debug, Clone, Default)]
pub struct ProvisionOptions {
    /// Run finished steps again.
    pub force: bool,
    /// Only these nodes (all when empty).
    pub nodes: Vec<String>,
    /// Only this step.
    pub step: Option<String>,
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

/// Run `plan` on the nodes whose sessions are given. `blocked(node, step)` gives the reason a
/// step cannot run yet (a missing artifact). Finished steps are recorded in `state` (saved
/// after every stage). Stops after the first stage with a failure.
#[allow(clippy::too_many_arguments)]
pub async fn provision(
    plan: &StepPlan,
    sessions: &HashMap<String, Arc<Session>>,
    blocked: impl Fn(&str, &str) -> Option<String>,
    artifact_files: &BTreeMap<String, std::path::PathBuf>,
    dir: &LabDir,
    state: &mut LabState,
    opts: &ProvisionOptions,
    progress: &NodeProgress,
) -> Result<ProvisionReport, ProvisionError> {
    let mut report = ProvisionReport::default();
    let lines: HashMap<&String, indicatif::ProgressBar> = sessions.keys().map(|n| (n, progress.line(n))).collect();
    for stage in &plan.stages {
        if opts.step.as_ref().is_some_and(|s| *s != stage.step) {
            continue;
        }
        let mut running = tokio::task::JoinSet::new();
        // Which node and step each task runs, to report a task that panicked as that step's
        // failure instead of losing it (a lost task would let the stage pass).
        let mut tasks: HashMap<tokio::task::Id, (String, String)> = HashMap::new();
        for ns in &stage.nodes {
            let Some(session) = sessions.get(&ns.node) else { continue };
            if !opts.nodes.is_empty() && !opts.nodes.contains(&ns.node) {
                continue;
            }
            let line = lines.get(&ns.node).cloned();
            if let Some(reason) = blocked(&ns.node, &ns.step) {
                report.steps.push(StepOutcome { node: ns.node.clone(), step: ns.step.clone(), status: StepStatus::Skipped, seconds: 0.0, note: Some(reason) });
                continue;
            }
            let done_before = state.steps.get(&ns.node).and_then(|s| s.get(&ns.step)) == Some(&ns.hash);
            if done_before && !opts.force {
                report.steps.push(StepOutcome { node: ns.node.clone(), step: ns.step.clone(), status: StepStatus::Unchanged, seconds: 0.0, note: None });
                continue;
            }
            let session = Arc::clone(session);
            let ns = ns.clone();
            let log = dir.step_log(&ns.node, &ns.step);
            let uploads: Vec<(String, std::path::PathBuf)> =
                ns.artifacts.iter().filter_map(|name| artifact_files.get(name).map(|p| (name.clone(), p.clone()))).collect();
            let (node, step) = (ns.node.clone(), ns.step.clone());
            let handle = running.spawn(async move {
                if let Some(line) = &line {
                    line.set_message(format!("step {}", ns.step));
                }
                let t0 = Instant::now();
                let result = run_step(&session, &ns, &uploads, &log).await;
                (ns, result, t0.elapsed().as_secs_f64(), log)
            });
            tasks.insert(handle.id(), (node, step));
        }
        let mut first_failure = None;
        while let Some(joined) = running.join_next().await {
            let (ns, result, seconds, log) = match joined {
                Ok(finished) => finished,
                Err(e) => {
                    let (node, step) = tasks.get(&e.id()).cloned().unwrap_or_default();
                    if let Some(steps) = state.steps.get_mut(&node) {
                        steps.remove(&step);
                    }
                    let reason = format!("mlab's task for this step ended abnormally ({e}); this is a bug in mlab");
                    report.steps.push(StepOutcome {
                        node: node.clone(),
                        step: step.clone(),
                        status: StepStatus::Failed,
                        seconds: 0.0,
                        note: Some(reason.clone()),
                    });
                    let log = dir.step_log(&node, &step);
                    first_failure.get_or_insert(ProvisionError::StepFailed { tail: log_tail(&log, 15), log: log.display().to_string(), node, step, reason });
                    continue;
                }
            };
            match result {
                Ok(()) => {
                    state.steps.entry(ns.node.clone()).or_default().insert(ns.step.clone(), ns.hash.clone());
                    report.steps.push(StepOutcome { node: ns.node, step: ns.step, status: StepStatus::Done, seconds, note: None });
                }
                Err(reason) => {
                    // A failed step runs again next time, whatever it recorded before.
                    if let Some(steps) = state.steps.get_mut(&ns.node) {
                        steps.remove(&ns.step);
                    }
                    report.steps.push(StepOutcome {
                        node: ns.node.clone(),
                        step: ns.step.clone(),
                        status: StepStatus::Failed,
                        seconds,
                        note: Some(reason.clone()),
                    });
                    first_failure.get_or_insert(ProvisionError::StepFailed {
                        tail: log_tail(&log, 15),
                        log: log.display().to_string(),
                        node: ns.node,
                        step: ns.step,
                        reason,
                    });
                }
            }
        }
        state.save(dir)?;
        if let Some(failure) = first_failure {
            for line in lines.values() {
                line.finish_and_clear();
            }
            return Err(failure);
        }
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
async fn run_step(session: &Session, ns: &NodeStep, artifacts: &[(String, std::path::PathBuf)], log: &Path) -> Result<(), String> {
    if let Some(parent) = log.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut out = tokio::fs::File::create(log).await.map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let _ = out.write_all(format!("# step {} on {}\n", ns.step, ns.node).as_bytes()).await;

    let stage_dir = format!("{STAGING}/{}", ns.step);
    let upload = UploadOptions { mode: 0o600, create_parents: true };
    let mut install = vec![format!("set -e; cd \"$HOME\"")];
    let mut script = None;
    for (i, file) in ns.files.iter().enumerate() {
        let staged = format!("{stage_dir}/{i}");
        session.upload_bytes(file.content.as_bytes(), &staged, upload).await.map_err(|e| format!("upload of {} failed: {e}", file.path))?;
        install.push(format!(
            "sudo install -D -m {:o} {} {}",
            file.mode,
            shell_quote(std::slice::from_ref(&staged)),
            shell_quote(std::slice::from_ref(&file.path))
        ));
        if file.run {
            script = Some(file.path.clone());
        }
    }
    for (name, path) in artifacts {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| name.clone());
        let staged = format!("{stage_dir}/artifact-{file_name}");
        session.upload_file(path, &staged, upload).await.map_err(|e| format!("upload of artifact {name} failed: {e}"))?;
        install.push(format!("sudo install -D -m 644 {} {}", shell_quote(&[staged]), shell_quote(&[format!("/var/cache/mlab/artifacts/{file_name}")])));
    }
    if let Some(script) = &script {
        install.push(format!("sudo bash {}", shell_quote(std::slice::from_ref(script))));
    }
    install.push(format!("rm -rf {}", shell_quote(&[stage_dir])));
    let command = install.join("\n");
    let mut err = out.try_clone().await.map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let status = session.exec(&command, &mut out, &mut err).await.map_err(|e| format!("SSH: {e}"))?;
    let _ = out.flush().await;
    if status == 0 { Ok(()) } else { Err(format!("its script exited with status {status}")) }
}

/// The last `n` lines of a log, indented for an error message.
fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}
