//! The provisioning engine: the rendered files of every node, grouped into ordered steps
//! (common, then each role in dependency order), run over SSH.
//!
//! - A stage is one step on all the nodes that have it. Each node runs its own steps in stage
//!   order, all nodes at once, with no barrier between nodes: a service that needs a peer's
//!   (an agent its master, a master the ZooKeeper quorum) retries until the peer answers, and
//!   readiness is checked live afterwards.
//! - On a node, a step uploads its files over SFTP, installs them with sudo, then runs its
//!   script as root. Output goes to `logs/<node>/<step>.log` in the lab directory; the terminal
//!   shows one line per node.
//! - Whether a step runs is decided in one place ([`decide`]): filtered out, blocked by an
//!   artifact the host has not got (never reported as done), unchanged since it last finished
//!   with the same hash, or run (`--force` runs finished steps again).
//! - A failure names the node, the step, the last lines of its log and the log's path; that
//!   node runs no further step, the other nodes finish theirs.
//!
//! Layout: [`plan`] groups rendered files into stages, [`inputs`] says what each step needs
//! from the artifact cache, [`decide`] decides, [`run`] runs (through [`StepRunner`], an SSH
//! session in a lab). A new step is a template folder in `provisioners/` and an entry in its
//! manifest; nothing here changes.

mod cloud_init;
mod decide;
mod inputs;
mod plan;
mod run;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub use decide::{ProvisionOptions, StepDecision, decide};
pub use inputs::StepInputs;
pub use plan::{NodeStep, Stage, StepPlan, plan_stages};
pub use run::{ProvisionReport, StepOutcome, StepRunner, StepStatus, run_stages};

use crate::artifacts::Availability;
use crate::lab::ResolvedLab;
use crate::progress::NodeProgress;
use crate::provisioners::Provisioners;
use crate::render::{Manifest, render_lab};
use crate::ssh::Session;
use crate::state::{LabDir, LabState};

/// A step that failed on a node, or what kept provisioning from starting.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(
        "step `{step}` failed on node `{node}`: {reason}\n  last lines of its log:\n{tail}\n  full log: {log}\n  fix the cause, then `mlab up` (or `mlab provision`) continues from this step"
    )]
    StepFailed { node: String, step: String, reason: String, tail: String, log: String },
    #[error("cannot reach node `{node}` to provision it: {source}")]
    Ssh { node: String, source: crate::ssh::SshError },
    #[error("cloud-init failed on node `{node}` (status {code}); see `mlab ssh {node} -- sudo cloud-init status --long`")]
    CloudInit { node: String, code: String },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error("internal task failed: {0}")]
    Task(String),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
}

/// What a provisioning run works from.
pub struct ProvisionJob<'a> {
    pub dir: &'a LabDir,
    pub lab: &'a ResolvedLab,
    pub provisioners: &'a Provisioners,
    /// Where each of the lab's artifacts stands on this host.
    pub availability: &'a BTreeMap<String, Availability>,
    pub options: &'a ProvisionOptions,
    pub progress: &'a NodeProgress,
}

/// Render the lab's files and run every step the options ask for on the nodes in `sessions`,
/// recording finished steps in `state`.
pub async fn provision_lab(job: &ProvisionJob<'_>, state: &mut LabState, sessions: &HashMap<String, Arc<Session>>) -> Result<ProvisionReport, ProvisionError> {
    let planned = plan_job(job, state, |node| sessions.contains_key(node))?;
    // cloud-init is slow to even answer under emulation: wait for it only when a step will run.
    if planned.decisions.values().any(|d| *d == StepDecision::Run) {
        cloud_init::wait_for_cloud_init(sessions).await?;
    }
    let runners: HashMap<String, Arc<dyn StepRunner>> = sessions.iter().map(|(node, s)| (node.clone(), Arc::clone(s) as Arc<dyn StepRunner>)).collect();
    run_stages(&planned.plan, &planned.decisions, &runners, &planned.files, job.dir, state, job.progress).await
}

/// What a provisioning run will do, decided before anything runs.
pub struct PlannedJob {
    pub rendered: Vec<crate::render::NodeFiles>,
    pub plan: StepPlan,
    pub decisions: HashMap<(String, String), StepDecision>,
    /// The cached file each uploaded artifact comes from.
    pub files: BTreeMap<String, std::path::PathBuf>,
}

/// Render the lab and decide every step on every node (`reachable`: a session to it is open).
///
/// Every artifact that is here is staged, whatever else is missing: each node's staging step
/// installs the artifacts in the cache, and only the steps of roles whose own artifact is
/// missing wait, each saying which one and the command that gets it.
pub fn plan_job(job: &ProvisionJob<'_>, state: &LabState, reachable: impl Fn(&str) -> bool) -> Result<PlannedJob, ProvisionError> {
    // Built artifacts are staged under the name and checksum of the file their build made (and
    // those pinned by SHA-512 under the SHA-256 the cache knows them by).
    let mut lab = job.lab.clone();
    lab.artifacts = crate::artifacts::with_cached_files(&job.lab.artifacts, job.availability);
    for node in &mut lab.nodes {
        node.artifacts.retain(|name| matches!(job.availability.get(name), Some(Availability::Ready(_))));
    }
    let rendered = render_lab(job.provisioners, &lab)?;
    let manifest = Manifest::load(job.provisioners)?;
    let inputs = StepInputs::new(&manifest, &lab, job.availability);
    let plan = plan_stages(&rendered, |node, step| inputs.uploads(node, step));
    let decisions: HashMap<(String, String), StepDecision> = plan
        .stages
        .iter()
        .flat_map(|stage| &stage.nodes)
        .map(|ns| {
            let recorded = state.steps.get(&ns.node).and_then(|s| s.get(&ns.step)).map(String::as_str);
            let decision = decide(ns, reachable(&ns.node), recorded, inputs.blocked(&ns.node, &ns.step), job.options);
            ((ns.node.clone(), ns.step.clone()), decision)
        })
        .collect();
    let files = inputs.files().clone();
    Ok(PlannedJob { rendered, plan, decisions, files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::CachedFile;
    use crate::lab::{LabLibrary, load};

    /// spark-lab with Mesos and Mesos-DNS in the cache and Spark not built (its download
    /// failed, say): the staging step still stages Mesos everywhere, Mesos's steps run, and
    /// only Spark's steps wait, naming Spark.
    #[test]
    fn one_missing_artifact_leaves_the_others_staged_and_only_its_roles_waiting() {
        let provisioners = Provisioners::builtin();
        let catalog = provisioners.catalog().expect("catalog");
        let (_, lab) = load(&LabLibrary { user_dir: None }, &catalog, "spark-lab").expect("spark-lab loads");
        let tmp = tempfile::tempdir().expect("tmp");
        let availability: BTreeMap<String, Availability> = lab
            .artifacts
            .keys()
            .map(|name| {
                let state = if name == "spark" {
                    Availability::Missing { why: "spark is not built yet".into(), fix: "`mlab artifact build spark`".into() }
                } else {
                    let sha256 = format!("{:064x}", name.len());
                    Availability::Ready(CachedFile { path: tmp.path().join(name), sha256, file_name: format!("{name}.deb"), size: 1 })
                };
                (name.clone(), state)
            })
            .collect();
        let dir = LabDir::new(tmp.path(), "spark-lab");
        let options = ProvisionOptions::default();
        let progress = NodeProgress::hidden();
        let job = ProvisionJob { dir: &dir, lab: &lab, provisioners: &provisioners, availability: &availability, options: &options, progress: &progress };
        let planned = plan_job(&job, &LabState::default(), |_| true).expect("plans");
        let decision = |node: &str, step: &str| planned.decisions.get(&(node.to_string(), step.to_string())).cloned();

        for node in ["master1", "agent1"] {
            assert_eq!(decision(node, "artifacts"), Some(StepDecision::Run), "{node} stages what is here");
            let staged = planned.plan.stages.iter().flat_map(|s| &s.nodes).find(|ns| ns.node == node && ns.step == "artifacts").expect("staging step");
            assert!(staged.artifacts.contains(&"mesos".to_string()), "{node} uploads mesos: {:?}", staged.artifacts);
            assert!(!staged.artifacts.contains(&"spark".to_string()), "{node} uploads no spark: {:?}", staged.artifacts);
            let files = planned.rendered.iter().find(|n| n.node == node).expect("rendered");
            let script = files.files.iter().find(|f| f.step == "artifacts" && f.run).expect("staging script");
            assert!(script.content.contains("install_artifact mesos "), "{}", script.content);
            assert!(!script.content.contains("install_artifact spark "), "{}", script.content);
        }
        assert_eq!(decision("master1", "mesos-master"), Some(StepDecision::Run));
        assert_eq!(decision("agent1", "mesos-agent"), Some(StepDecision::Run));
        match decision("master1", "spark-dispatcher") {
            Some(StepDecision::Blocked(why)) => assert!(why.contains("spark") && why.contains("mlab artifact build spark"), "{why}"),
            other => panic!("the dispatcher waits for Spark, naming it: {other:?}"),
        }
    }
}
