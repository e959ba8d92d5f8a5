//! The values templates see besides `lab` and `node`: small, precomputed helpers so templates
//! stay readable.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::lab::{Node, ResolvedLab};

/// Everything a template can use.
#[derive(Debug, Serialize)]
pub struct TemplateContext<'a> {
    pub lab: &'a ResolvedLab,
    /// The node being rendered.
    pub node: &'a Node,
    /// The managed `/etc/hosts` block for the lab, markers included.
    pub hosts_block: String,
    /// Node name -> lab IP, for turning service node lists into addresses.
    pub ips: BTreeMap<String, String>,
    /// Node name -> FQDN.
    pub fqdns: BTreeMap<String, String>,
    /// Names of the node's roles, as in lab files (`mesos-master`, ...).
    pub roles: Vec<&'static str>,
    /// The step being rendered.
    pub step: String,
}

impl<'a> TemplateContext<'a> {
    pub fn new(lab: &'a ResolvedLab, node: &'a Node, step: &str) -> Self {
        TemplateContext {
            lab,
            node,
            hosts_block: hosts_block(lab),
            ips: lab.nodes.iter().map(|n| (n.name.clone(), n.ip.to_string())).collect(),
            fqdns: lab.nodes.iter().map(|n| (n.name.clone(), n.fqdn.clone())).collect(),
            roles: node.roles.iter().map(|r| r.name()).collect(),
            step: step.to_string(),
        }
    }
}

/// The first and last line of the managed `/etc/hosts` block of a lab.
pub fn hosts_markers(lab: &str) -> (String, String) {
    (format!("# BEGIN mlab {lab}"), format!("# END mlab {lab}"))
}

/// The managed `/etc/hosts` block: every node that runs in the lab (IP, FQDN, short name;
/// spare agents appear once started), between markers so a script can replace exactly this
/// block and leave the rest of the file alone.
pub fn hosts_block(lab: &ResolvedLab) -> String {
    let (begin, end) = hosts_markers(&lab.name);
    let mut out = begin;
    out.push('\n');
    for node in lab.nodes.iter().filter(|n| n.autostart) {
        out.push_str(&format!("{}\t{}\t{}\n", node.ip, node.fqdn, node.name));
    }
    out.push_str(&end);
    out.push('\n');
    out
}
