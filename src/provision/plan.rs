//! From rendered files to stages: which step runs where, in which order, with which hash.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::render::{NodeFiles, RenderedFile};

/// One step on one node.
#[derive(Debug, Clone)]
pub struct NodeStep {
    pub node: String,
    pub step: String,
    /// The step's files; the script (`run`) last.
    pub files: Vec<RenderedFile>,
    /// Artifact file names (in the host cache) uploaded with the step.
    pub artifacts: Vec<String>,
    /// sha256 over everything the step runs: changes when any file, mode or artifact does.
    pub hash: String,
}

/// One step across all its nodes.
#[derive(Debug, Clone)]
pub struct Stage {
    pub step: String,
    pub nodes: Vec<NodeStep>,
}

/// The ordered stages of a lab.
#[derive(Debug, Clone, Default)]
pub struct StepPlan {
    pub stages: Vec<Stage>,
}

/// Group each node's steps into stages, in manifest order (the number of each step's script). `artifacts_for(node, step)` names the artifact files a step uploads.
pub fn plan_stages(rendered: &[NodeFiles], artifacts_for: impl Fn(&str, &str) -> Vec<(String, String)>) -> StepPlan {
    let mut order: Vec<String> = rendered.iter().flat_map(|n| n.steps()).map(str::to_string).collect();
    order.sort();
    order.dedup();
    sort_by_script_number(&mut order, rendered);
    let mut stages: BTreeMap<usize, Stage> = BTreeMap::new();
    for node in rendered {
        for step in node.steps() {
            let index = order.iter().position(|s| s == step).unwrap_or(usize::MAX);
            let files: Vec<RenderedFile> = node.step_files(step).cloned().collect();
            let artifacts = artifacts_for(&node.node, step);
            let hash = step_hash(&files, &artifacts);
            stages.entry(index).or_insert_with(|| Stage { step: step.to_string(), nodes: Vec::new() }).nodes.push(NodeStep {
                node: node.node.clone(),
                step: step.to_string(),
                files,
                artifacts: artifacts.into_iter().map(|(name, _)| name).collect(),
                hash,
            });
        }
    }
    StepPlan { stages: stages.into_values().collect() }
}

/// Steps are numbered by their scripts (`/var/lib/mlab/provision/NN-step.sh`): order by NN.
fn sort_by_script_number(order: &mut [String], rendered: &[NodeFiles]) {
    let number = |step: &str| -> u32 {
        rendered
            .iter()
            .flat_map(|n| n.step_files(step))
            .find(|f| f.run)
            .and_then(|f| f.path.rsplit('/').next())
            .and_then(|name| name.split('-').next())
            .and_then(|nn| nn.parse().ok())
            .unwrap_or(u32::MAX)
    };
    order.sort_by_key(|s| number(s));
}

/// (file name, sha256) pairs of artifacts enter the hash by checksum, not content.
fn step_hash(files: &[RenderedFile], artifacts: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(f.mode.to_be_bytes());
        h.update(f.content.as_bytes());
        h.update([0xff]);
    }
    for (name, sum) in artifacts {
        h.update(name.as_bytes());
        h.update(sum.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Catalog, LabLibrary};
    use crate::provisioners::Provisioners;
    use crate::render::render_lab;

    fn rendered(lab: &str) -> Vec<NodeFiles> {
        let p = Provisioners::builtin();
        let catalog: Catalog = p.catalog().unwrap();
        let (_, lab) = crate::lab::load(&LabLibrary { user_dir: None }, &catalog, lab).unwrap();
        render_lab(&p, &lab).unwrap()
    }

    #[test]
    fn stages_follow_dependency_order() {
        let plan = plan_stages(&rendered("ha-cluster"), |_, _| Vec::new());
        let steps: Vec<&str> = plan.stages.iter().map(|s| s.step.as_str()).collect();
        let pos = |s: &str| steps.iter().position(|x| *x == s).unwrap_or_else(|| panic!("{s} missing from {steps:?}"));
        assert_eq!(steps[0], "common");
        assert!(pos("zookeeper") < pos("mesos-master"));
        assert!(pos("mesos-master") < pos("mesos-agent"));
        assert!(pos("mesos-master") < pos("marathon"));
        assert!(pos("mesos-master") < pos("mesos-dns") && pos("mesos-master") < pos("admin-router"));
        let zk = &plan.stages[pos("zookeeper")];
        let nodes: Vec<&str> = zk.nodes.iter().map(|n| n.node.as_str()).collect();
        assert_eq!(nodes, ["master1", "master2", "master3"], "a stage runs a step on all its nodes");
        for stage in &plan.stages {
            for ns in &stage.nodes {
                assert!(ns.files.last().is_some_and(|f| f.run), "{}/{}: script last", ns.node, ns.step);
            }
        }
    }

    #[test]
    fn hash_changes_with_content_and_artifacts() {
        let mut nodes = rendered("single-node");
        let before = plan_stages(&nodes, |_, _| Vec::new());
        let with_artifact = plan_stages(&nodes, |_, step| if step == "common" { vec![("x.deb".into(), "ab".into())] } else { Vec::new() });
        assert_ne!(before.stages[0].nodes[0].hash, with_artifact.stages[0].nodes[0].hash);
        nodes[0].files[0].content.push('\n');
        let edited = plan_stages(&nodes, |_, _| Vec::new());
        assert_ne!(before.stages[0].nodes[0].hash, edited.stages[0].nodes[0].hash);
        assert_eq!(before.stages[1].nodes[0].hash, edited.stages[1].nodes[0].hash, "other steps unchanged");
    }
}
