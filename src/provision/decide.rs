//! Whether a step runs: the one place that decides it.

use super::plan::NodeStep;

/// Which steps a `provision` (or `up`) run may run.
#[derive(Debug, Clone, Default)]
pub struct ProvisionOptions {
    /// Run finished steps again.
    pub force: bool,
    /// Only these nodes (all when empty).
    pub nodes: Vec<String>,
    /// Only this step.
    pub step: Option<String>,
}

/// What happens to one step on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepDecision {
    Run,
    /// Finished before with the same inputs.
    Unchanged,
    /// An artifact it needs is not here; the reason says which and how to get it.
    Blocked(String),
    /// Not asked for: another node or step was named, or the node is not being provisioned.
    FilteredOut,
}

/// Decide `step`. `reachable`: the command holds a session to its node; `recorded`: the hash the
/// state recorded when the step last finished there; `blocked`: why it cannot run yet.
pub fn decide(step: &NodeStep, reachable: bool, recorded: Option<&str>, blocked: Option<String>, opts: &ProvisionOptions) -> StepDecision {
    let asked = reachable && (opts.nodes.is_empty() || opts.nodes.contains(&step.node)) && opts.step.as_ref().is_none_or(|s| *s == step.step);
    if !asked {
        return StepDecision::FilteredOut;
    }
    if let Some(reason) = blocked {
        return StepDecision::Blocked(reason);
    }
    if recorded == Some(step.hash.as_str()) && !opts.force {
        return StepDecision::Unchanged;
    }
    StepDecision::Run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(node: &str, name: &str) -> NodeStep {
        NodeStep { node: node.into(), step: name.into(), files: Vec::new(), artifacts: Vec::new(), hash: "h1".into() }
    }

    #[test]
    fn filters_come_first_then_artifacts_then_the_record() {
        let all = ProvisionOptions::default();
        let s = step("master1", "zookeeper");
        assert_eq!(decide(&s, true, None, None, &all), StepDecision::Run);
        assert_eq!(decide(&s, true, Some("h1"), None, &all), StepDecision::Unchanged);
        assert_eq!(decide(&s, true, Some("old"), None, &all), StepDecision::Run, "changed inputs run again");
        assert_eq!(decide(&s, true, Some("h1"), None, &ProvisionOptions { force: true, ..all.clone() }), StepDecision::Run);
        assert_eq!(decide(&s, true, None, Some("no mesos".into()), &all), StepDecision::Blocked("no mesos".into()));
        assert_eq!(decide(&s, false, None, None, &all), StepDecision::FilteredOut, "no session to its node");
        let other_step = ProvisionOptions { step: Some("common".into()), ..all.clone() };
        assert_eq!(decide(&s, true, None, Some("no mesos".into()), &other_step), StepDecision::FilteredOut, "a filtered step is not blocked");
        let other_node = ProvisionOptions { nodes: vec!["agent1".into()], ..all };
        assert_eq!(decide(&s, true, None, None, &other_node), StepDecision::FilteredOut);
    }
}
