//! Provisioning a lab whose nodes answer SSH: render, check artifacts, run the stages.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::spec::ssh_target;
use super::{LifecycleError, NodeProgress, task_failed};
use crate::artifacts::{ArtifactCache, Availability};
use crate::lab::ResolvedLab;
use crate::provision::{ProvisionError, ProvisionOptions, ProvisionReport, plan_stages, provision};
use crate::render::{Manifest, Provisioners, render_lab};
use crate::ssh::Session;
use crate::state::{LabDir, LabState};
use crate::tasks::join_all;

/// Open one SSH session per node (pinned host keys), waiting up to `timeout` for each.
pub async fn connect_sessions(dir: &LabDir, lab: &ResolvedLab, nodes: &[String], timeout: Duration) -> Result<HashMap<String, Arc<Session>>, LifecycleError> {
    let mut connecting = tokio::task::JoinSet::new();
    for name in nodes {
        let node = lab.node(name).ok_or_else(|| LifecycleError::Other(format!("no node {name} in the plan")))?;
        let target = ssh_target(dir, node);
        connecting.spawn(async move {
            let session = Session::connect(&target, timeout).await.map_err(|source| ProvisionError::Ssh { node: target.node.clone(), source })?;
            Ok::<_, LifecycleError>((target.node, Arc::new(session)))
        });
    }
    let (sessions, first_error) = join_all(connecting, task_failed).await;
    first_error.map_or(Ok(sessions.into_iter().collect()), Err)
}

/// Close the sessions this command opened (those no task still holds).
pub(crate) async fn close_sessions(sessions: HashMap<String, Arc<Session>>) {
    for session in sessions.into_values() {
        if let Ok(session) = Arc::try_unwrap(session) {
            let _ = session.close().await;
        }
    }
}

/// Wait until cloud-init has finished on every node: it restarts sshd and writes files that
/// provisioning must not race with.
async fn wait_for_cloud_init(sessions: &HashMap<String, Arc<Session>>) -> Result<(), LifecycleError> {
    let mut waiting = tokio::task::JoinSet::new();
    for (node, session) in sessions {
        let (node, session) = (node.clone(), Arc::clone(session));
        waiting.spawn(async move {
            // 0: done; 2: done with recoverable errors (still usable).
            let out = session
                .exec_capture("cloud-init status --wait >/dev/null 2>&1; echo $?")
                .await
                .map_err(|source| ProvisionError::Ssh { node: node.clone(), source })?;
            let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if code != "0" && code != "2" {
                return Err(LifecycleError::Other(format!(
                    "cloud-init failed on node `{node}` (status {code}); see `mlab ssh {node} -- sudo cloud-init status --long`"
                )));
            }
            Ok(())
        });
    }
    let (_, first_error) = join_all(waiting, task_failed).await;
    first_error.map_or(Ok(()), Err)
}

/// Render the lab's files and run every step on the nodes in `sessions`.
pub async fn provision_lab(
    dir: &LabDir,
    state: &mut LabState,
    lab: &ResolvedLab,
    provisioners: &Provisioners,
    sessions: &HashMap<String, Arc<Session>>,
    opts: &ProvisionOptions,
    progress: &NodeProgress,
) -> Result<ProvisionReport, LifecycleError> {
    let render_err = |e: crate::render::RenderError| LifecycleError::Other(e.to_string());
    let cache = ArtifactCache::default_location();
    let availability = crate::artifacts::availability(&cache, provisioners, &lab.artifacts, &lab.artifacts);
    // Built artifacts are staged under the name and checksum of the file their build made.
    let mut staged_lab = lab.clone();
    staged_lab.artifacts = crate::artifacts::with_built_files(&lab.artifacts, &availability);
    let lab = &staged_lab;
    let rendered = render_lab(provisioners, lab).map_err(render_err)?;
    let manifest = Manifest::load(provisioners).map_err(render_err)?;
    let ready: BTreeMap<String, std::path::PathBuf> = availability
        .iter()
        .filter_map(|(name, a)| match a {
            Availability::Ready(file) => Some((name.clone(), file.path.clone())),
            _ => None,
        })
        .collect();
    let stages_all = |step: &str| manifest.steps.iter().find(|s| s.name == step).is_some_and(|spec| spec.artifacts.iter().any(|a| a == "*"));
    let needs = |node: &str, step: &str| -> Vec<String> {
        let Some(spec) = manifest.steps.iter().find(|s| s.name == step) else { return Vec::new() };
        if stages_all(step) {
            // The staging step installs what can be had; a role whose artifact cannot be had
            // at all is reported by its own step.
            let node_artifacts = lab.node(node).map(|n| n.artifacts.clone()).unwrap_or_default();
            node_artifacts.into_iter().filter(|a| !matches!(availability.get(a), Some(Availability::Unavailable(_)))).collect()
        } else {
            spec.artifacts.iter().filter(|a| lab.artifacts.contains_key(*a)).cloned().collect()
        }
    };
    let uploads = |node: &str, step: &str| -> Vec<(String, String)> {
        if !stages_all(step) {
            return Vec::new();
        }
        needs(node, step)
            .into_iter()
            .filter(|name| ready.contains_key(name))
            .map(|name| {
                let sum = lab.artifacts.get(&name).and_then(|a| a.sha256.clone()).unwrap_or_default();
                (name, sum)
            })
            .collect()
    };
    let blocked = |node: &str, step: &str| -> Option<String> {
        let missing: Vec<String> = needs(node, step).into_iter().filter_map(|name| availability.get(&name).and_then(Availability::reason)).collect();
        (!missing.is_empty()).then(|| missing.join("; "))
    };
    let plan = plan_stages(&rendered, uploads);
    // cloud-init is slow to even answer under emulation: wait for it only when a step will run.
    let anything_to_run = opts.force
        || plan.stages.iter().flat_map(|s| &s.nodes).any(|ns| {
            sessions.contains_key(&ns.node)
                && state.steps.get(&ns.node).and_then(|s| s.get(&ns.step)) != Some(&ns.hash)
                && blocked(&ns.node, &ns.step).is_none()
        });
    if anything_to_run {
        wait_for_cloud_init(sessions).await?;
    }
    Ok(provision(&plan, sessions, blocked, &ready, dir, state, opts, progress).await?)
}
