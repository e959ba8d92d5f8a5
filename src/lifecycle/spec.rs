//! From the plan to the provider's specs, and the lab's keys.

use crate::boxes::BoxImage;
use crate::keys::{KeyPair, known_hosts_line, write_known_hosts};
use crate::lab::{Node, ResolvedLab};
use crate::provider::{NetworkHost, NetworkSpec, NodeSpec};
use crate::ssh::SshTarget;
use crate::state::LabDir;

use super::LifecycleError;

/// The login user cloud-init creates on every node.
pub const GUEST_USER: &str = "mlab";

/// The lab's network with a DHCP reservation for every planned node (on-demand ones too, so
/// starting one later needs no network change).
pub fn network_spec(instance: &str, lab: &ResolvedLab) -> NetworkSpec {
    NetworkSpec {
        lab: instance.to_string(),
        cidr: lab.network.cidr,
        gateway: lab.network.gateway,
        mode: lab.network.mode,
        domain: lab.network.domain.clone(),
        hosts: lab.nodes.iter().map(|n| NetworkHost { mac: n.mac.clone(), ip: n.ip, hostname: n.name.clone(), fqdn: n.fqdn.clone() }).collect(),
    }
}

/// The lab's keys: the login key pair and one host key per node, generated once and kept in
/// the lab directory. known_hosts is rewritten from them, so the first connection to a node
/// is already verified.
pub struct LabKeys {
    pub user: KeyPair,
    pub hosts: Vec<(String, KeyPair)>,
}

pub fn ensure_keys(dir: &LabDir, lab: &ResolvedLab) -> Result<LabKeys, LifecycleError> {
    let user = KeyPair::load_or_generate(&dir.ssh_key(), &format!("mlab@{}", dir.name))?;
    let mut hosts = Vec::new();
    let mut lines = Vec::new();
    for node in &lab.nodes {
        let key = KeyPair::load_or_generate(&dir.host_key(&node.name), &node.fqdn)?;
        lines.push(known_hosts_line(node.ip, &[&node.name, &node.fqdn], &key)?);
        hosts.push((node.name.clone(), key));
    }
    write_known_hosts(&dir.known_hosts(), &lines)?;
    Ok(LabKeys { user, hosts })
}

pub fn node_spec(dir: &LabDir, lab: &ResolvedLab, node: &Node, box_image: &BoxImage, keys: &LabKeys) -> Result<NodeSpec, LifecycleError> {
    let host_key = keys
        .hosts
        .iter()
        .find(|(n, _)| *n == node.name)
        .map(|(_, k)| k.clone())
        .ok_or_else(|| LifecycleError::Other(format!("no host key for node {}", node.name)))?;
    Ok(NodeSpec {
        lab: dir.name.clone(),
        name: node.name.clone(),
        hostname: node.name.clone(),
        fqdn: node.fqdn.clone(),
        cpus: node.cpus,
        memory_mib: node.memory_mib,
        disk_gib: node.disk_gib,
        mac: node.mac.clone(),
        ip: node.ip,
        network: lab.network.cidr,
        gateway: lab.network.gateway,
        domain: lab.network.domain.clone(),
        box_image: box_image.clone(),
        user: GUEST_USER.to_string(),
        authorized_keys: vec![keys.user.public_openssh()?],
        host_key,
        disk_path: dir.disk(&node.name),
        seed_path: dir.seed(&node.name),
        console_log: dir.console_log(&node.name),
        network_mode: lab.network.mode,
        owner: owner(dir),
    })
}

/// `user@host:/real/path/of/the/lab/directory`: who made a VM, recorded with it.
pub fn owner(dir: &LabDir) -> String {
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into());
    let root = std::fs::canonicalize(&dir.root).unwrap_or_else(|_| dir.root.clone());
    format!("{user}@{host}:{}", root.display())
}

/// How to reach a node over SSH with the lab's key and pinned host key.
pub fn ssh_target(dir: &LabDir, node: &Node) -> SshTarget {
    SshTarget {
        node: node.name.clone(),
        host: node.ip.to_string(),
        port: 22,
        user: GUEST_USER.to_string(),
        key_path: dir.ssh_key(),
        known_hosts: dir.known_hosts(),
        host_key_aliases: vec![node.name.clone(), node.fqdn.clone()],
    }
}
