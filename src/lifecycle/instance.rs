//! A lab instance on this host: its directory, its state, and its plan.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::LifecycleError;
use ipnet::Ipv4Net;

use crate::lab::{self, Catalog, LabLibrary, ResolvedLab};
use crate::paths;
use crate::state::{LabDir, LabState, known_labs};

/// One lab on this host.
pub struct Instance {
    pub dir: LabDir,
    pub state: LabState,
    pub lab: ResolvedLab,
}

impl Instance {
    pub fn name(&self) -> &str {
        &self.dir.name
    }

    /// The plan's nodes whose VMs run now, in plan order; an error when none does.
    pub async fn running_nodes(&self, conn: &crate::provider::Connected) -> Result<Vec<String>, LifecycleError> {
        let vms = conn.provider.list_nodes(self.name()).await?;
        let running: Vec<String> = self
            .lab
            .nodes
            .iter()
            .filter(|n| vms.iter().any(|vm| vm.name == n.name && vm.state == crate::provider::NodeState::Running))
            .map(|n| n.name.clone())
            .collect();
        if running.is_empty() {
            return Err(LifecycleError::Other(format!("no node of lab `{}` is running; `mlab up` starts them", self.name())));
        }
        Ok(running)
    }

    /// The plan's node named `node`, or an error listing the nodes.
    pub fn node(&self, node: &str) -> Result<&lab::Node, LifecycleError> {
        self.lab.node(node).ok_or_else(|| LifecycleError::NoSuchNode {
            lab: self.dir.name.clone(),
            node: node.to_string(),
            known: self.lab.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// Plans lab instances: the lab library, the artifact catalog, and where this host keeps its
/// labs. Each command plans its lab once, through this.
#[derive(Clone)]
pub struct Planner {
    pub library: LabLibrary,
    pub catalog: Catalog,
    pub labs_dir: PathBuf,
}

impl Planner {
    /// Labs kept where `MLAB_HOME` says.
    pub fn new(library: LabLibrary, catalog: Catalog) -> Planner {
        Planner { library, catalog, labs_dir: paths::labs_dir() }
    }

    pub fn dir(&self, name: &str) -> LabDir {
        LabDir::new(&self.labs_dir, name)
    }

    /// The instance name a lab gets: `name`, else the lab file's own (read and validated, not
    /// yet planned).
    pub fn instance_name(&self, reference: &str, name: Option<&str>) -> Result<String, LifecycleError> {
        let composed = lab::compose::load(&self.library, reference)?;
        lab::validate::validate(&composed)?;
        let name = name.map(str::to_string).or(composed.lab.name.clone()).unwrap_or_else(|| "lab".into());
        if !lab::validate::is_dns_label(&name) {
            return Err(LifecycleError::Other(format!("`{name}` cannot name a lab: use lowercase letters, digits and `-`, starting with a letter")));
        }
        Ok(name)
    }

    /// Plan the lab `reference` as instance `name` (the lab's own name by default), with what
    /// its state adds: the subnet chosen for it, nodes added by `mlab add-agent`, spare nodes
    /// started on demand (they count as running nodes: host entries, `up`). The name goes into
    /// the plan itself, so an instance has its own domain, MACs and Mesos cluster name.
    pub fn plan(&self, reference: &str, name: Option<&str>, state: Option<&LabState>) -> Result<ResolvedLab, LifecycleError> {
        self.plan_with(reference, name, state, state.and_then(|s| s.network))
    }

    fn plan_with(&self, reference: &str, name: Option<&str>, state: Option<&LabState>, cidr: Option<Ipv4Net>) -> Result<ResolvedLab, LifecycleError> {
        if let Some(name) = name {
            if !lab::validate::is_dns_label(name) {
                return Err(LifecycleError::Other(format!("`{name}` cannot name a lab: use lowercase letters, digits and `-`, starting with a letter")));
            }
        }
        let added = state.map(|s| s.added_nodes.as_slice()).unwrap_or_default();
        let overrides = lab::InstanceOverrides { name: name.map(str::to_string), cidr };
        let (_, mut lab) = lab::load_with_added(&self.library, &self.catalog, reference, added, &overrides)?;
        if let Some(state) = state {
            for node in &mut lab.nodes {
                if state.started_on_demand.contains(&node.name) || state.added_nodes.iter().any(|a| a.name == node.name) {
                    node.autostart = true;
                }
            }
        }
        Ok(lab)
    }

    /// The plan of a new instance, on a subnet of its own: when the lab file's network overlaps
    /// a lab already on this host, the first free /24 of 192.168.57.0 and beyond is taken, and
    /// the second value says which (and why) so the caller can tell the user and save it.
    pub fn plan_new(
        &self,
        reference: &str,
        name: Option<&str>,
        on_hypervisor: &[(String, Ipv4Net)],
    ) -> Result<(ResolvedLab, Option<(Ipv4Net, String)>), LifecycleError> {
        let lab = self.plan_with(reference, name, None, None)?;
        // What the subnet must not overlap: this home's other labs, and every network the
        // hypervisor has (other homes' labs on a shared server, its own default network).
        let mut others: Vec<(String, Ipv4Net)> = known_labs(&self.labs_dir)
            .into_iter()
            .filter(|other| *other != lab.name)
            .filter_map(|other| self.open(&other).ok().map(|i| (format!("lab `{other}`"), i.lab.network.cidr)))
            .collect();
        others.extend(on_hypervisor.iter().map(|(network, cidr)| (format!("the hypervisor's network `{network}`"), *cidr)));
        let Some((clash, clash_cidr)) = others.iter().find(|(_, c)| overlaps(*c, lab.network.cidr)) else { return Ok((lab, None)) };
        let taken: Vec<Ipv4Net> = others.iter().map(|(_, c)| *c).collect();
        let free = free_subnet(&taken).ok_or_else(|| LifecycleError::Other(format!("no free /24 left for lab `{}` beside the labs on this host", lab.name)))?;
        let why = format!("{} overlaps {clash} ({clash_cidr}), so instance `{}` gets {free}", lab.network.cidr, lab.name);
        let lab = self.plan_with(reference, name, None, Some(free))?;
        Ok((lab, Some((free, why))))
    }

    /// Open an existing instance to look at it (no lock): read its state, plan it from its
    /// source. Commands that change a lab open a [`super::LabContext`] instead.
    pub fn open(&self, name: &str) -> Result<Instance, LifecycleError> {
        let dir = self.dir(name);
        let state = LabState::load(&dir)?.ok_or_else(|| LifecycleError::NoSuchLab(name.to_string()))?;
        let lab = self.plan(&state.source, Some(name), Some(&state))?;
        Ok(Instance { dir, state, lab })
    }

    /// The instance a command acts on: `--lab` / MLAB_LAB if given; else the only lab on this
    /// host; with several, a picker on a terminal, or an error listing them.
    pub fn choose(&self, explicit: Option<&str>) -> Result<String, LifecycleError> {
        if let Some(name) = explicit {
            // A name becomes a directory under the labs directory, which destroy removes: only
            // a lab name can be one (never `..`, an empty name or a path).
            if !lab::validate::is_dns_label(name) {
                return Err(LifecycleError::Other(format!(
                    "`{name}` is not a lab name (lowercase letters, digits and `-`, starting with a letter); `mlab list` shows the labs here"
                )));
            }
            return Ok(name.to_string());
        }
        let labs = known_labs(&self.labs_dir);
        match labs.len() {
            0 => Err(LifecycleError::NoLabs),
            1 => Ok(labs[0].clone()),
            _ if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => match crate::progress::pick("Which lab?", &labs) {
                Ok(Some(picked)) => Ok(labs[picked].clone()),
                Ok(None) => Err(LifecycleError::Other("no lab chosen; name one with `--lab NAME`".into())),
                Err(e) => Err(LifecycleError::Other(format!("no lab chosen: {e}"))),
            },
            _ => Err(LifecycleError::WhichLab(labs.join(", "))),
        }
    }
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The first /24 from 192.168.57.0 up (VirtualBox's host-only range, past its own .56) that
/// overlaps none of `taken`.
pub fn free_subnet(taken: &[Ipv4Net]) -> Option<Ipv4Net> {
    (57u8..=255)
        .map(|third| Ipv4Net::new(std::net::Ipv4Addr::new(192, 168, third, 0), 24).unwrap_or_default())
        .find(|c| !taken.iter().any(|t| overlaps(*t, *c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_subnets_skip_every_taken_one() {
        let taken: Vec<Ipv4Net> = ["192.168.57.0/24", "192.168.58.0/23"].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(free_subnet(&taken), Some("192.168.60.0/24".parse().unwrap()));
        assert_eq!(free_subnet(&[]), Some("192.168.57.0/24".parse().unwrap()));
        assert_eq!(free_subnet(&["192.168.0.0/16".parse().unwrap()]), None);
    }

    #[test]
    fn a_named_instance_has_its_own_domain_macs_and_cluster() {
        let library = LabLibrary { user_dir: None };
        let catalog = Catalog::parse("artifacts.yaml", include_str!("../../provisioners/artifacts.yaml")).unwrap();
        let planner = Planner { library, catalog, labs_dir: PathBuf::from("/nonexistent") };
        assert_eq!(planner.instance_name("mini-cluster", None).unwrap(), "mini-cluster");
        assert_eq!(planner.instance_name("mini-cluster", Some("monday")).unwrap(), "monday");
        assert!(planner.instance_name("mini-cluster", Some("../x")).is_err());
        let first = planner.plan("mini-cluster", None, None).unwrap();
        let second = planner.plan("mini-cluster", Some("monday"), None).unwrap();
        assert_eq!(second.name, "monday");
        assert_eq!(second.network.domain, "monday.test");
        assert_eq!(second.mesos.cluster, "monday");
        assert_eq!(second.nodes[0].fqdn, "master1.monday.test");
        assert_ne!(first.nodes[0].mac, second.nodes[0].mac, "MACs come from the instance name");
        // Same file, so the same subnet until one is chosen for it.
        assert_eq!(first.network.cidr, second.network.cidr);
        let moved = planner.plan_with("mini-cluster", Some("monday"), None, Some("192.168.60.0/24".parse().unwrap())).unwrap();
        assert_eq!(moved.network.cidr.to_string(), "192.168.60.0/24");
        assert_eq!(moved.nodes[0].ip.to_string(), "192.168.60.11");
        assert_eq!(moved.network.gateway.to_string(), "192.168.60.1");
    }
}
