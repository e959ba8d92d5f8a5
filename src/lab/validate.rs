//! Checks of a composed lab that the file format alone cannot express. Every problem is
//! collected; [`super::resolve`] runs only on a lab that passed.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::compose::ComposedLab;
use super::diagnostic::Diagnostics;
use super::fields;
use super::role::{BASE_SYSTEM_MIB, Role};
use super::source::{join_index, join_key};

/// Most nodes one entry may declare with `count`.
pub const MAX_COUNT: u32 = 99;

/// Run every check; `Ok` means [`super::resolve::resolve`] can plan the lab.
pub fn validate(c: &ComposedLab) -> Result<(), Diagnostics> {
    let mut errors = Vec::new();
    let lab = &c.lab;

    if let Some(name) = &lab.name {
        if !is_dns_label(name) {
            errors.push(
                c.error_at("name", format!("lab name `{name}` is not usable as a host and network name"))
                    .help("use lowercase letters, digits and `-`, starting with a letter, at most 40 characters"),
            );
        }
    }

    if let Some(description) = &lab.description {
        if let Err(why) = fields::one_line_text(description) {
            errors.push(c.error_at("description", format!("the description {why}")).help("write one line of plain text; `mlab labs` shows it"));
        }
    }
    if let Some(name) = &lab.box_name {
        if !fields::is_artifact_name(name) {
            errors.push(
                c.error_at("box", format!("invalid box name '{}': {}", name.escape_debug(), fields::NAME_RULE))
                    .help("name a box from `mlab box list`, e.g. `debian-12`"),
            );
        }
    }
    if let Some(cluster) = lab.settings.mesos.as_ref().and_then(|m| m.cluster.as_ref()) {
        if !fields::is_cluster_name(cluster) {
            errors.push(
                c.error_at("settings.mesos.cluster", format!("`{}` is not usable as a Mesos cluster name", cluster.escape_debug()))
                    .help("use letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 63 characters"),
            );
        }
    }

    let subnet = match &lab.network.cidr {
        None => None,
        Some(text) => match check_cidr(text, lab.network.any_range.unwrap_or(false)) {
            Ok(net) => Some(net),
            Err(help) => {
                errors.push(c.error_at("network.cidr", format!("bad CIDR `{text}`")).help(help));
                None
            }
        },
    };
    if let Some(domain) = &lab.network.domain {
        if domain.is_empty() || !domain.split('.').all(is_dns_label) {
            errors.push(
                c.error_at("network.domain", format!("`{domain}` is not a DNS domain"))
                    .help("use dot-separated labels of lowercase letters, digits and `-`, e.g. `mini.test`"),
            );
        } else if domain == MESOS_DNS_DOMAIN || domain.ends_with(&format!(".{MESOS_DNS_DOMAIN}")) {
            // Mesos-DNS answers for `mesos` (leader.mesos, master.mesos, TASK.marathon.mesos):
            // nodes there would be shadowed by its names, or shadow them.
            errors.push(
                c.error_at("network.domain", format!("`{domain}` is Mesos-DNS's own domain, where its names (`leader`, `master`, tasks) live"))
                    .help("choose another domain, e.g. `mini.test`"),
            );
        }
    }

    // Node names, counts and addresses.
    let mut names: HashMap<String, String> = HashMap::new(); // expanded name -> entry path
    let mut ips: HashMap<Ipv4Addr, String> = HashMap::new(); // fixed ip -> entry path
    for (i, entry) in lab.nodes.iter().enumerate() {
        let path = join_index("nodes", i);
        if !is_dns_label(&entry.name) {
            errors.push(
                c.error_at(&join_key(&path, "name"), format!("node name `{}` is not a valid host name", entry.name))
                    .help("use lowercase letters, digits and `-`, starting with a letter"),
            );
        }
        if let Some(count) = entry.count {
            if count == 0 || count > MAX_COUNT {
                errors.push(c.error_at(&join_key(&path, "count"), format!("count must be between 1 and {MAX_COUNT}, not {count}")));
            }
            if let Some(super::model::Autostart::First(first)) = entry.autostart.filter(|_| count > 0) {
                if first > count {
                    errors.push(
                        c.error_at(&join_key(&path, "autostart"), format!("`autostart: {first}` starts more nodes than the {count} this entry declares"))
                            .help(format!("write a number from 0 to {count}, or `true` for all")),
                    );
                }
            }
            if entry.ip.is_some() {
                errors.push(
                    c.error_at_key(&join_key(&path, "ip"), "a fixed `ip` cannot be shared by `count` nodes")
                        .help("declare the nodes one by one to give each a fixed address, or drop `ip`"),
                );
            }
        } else if let Some(super::model::Autostart::First(_)) = entry.autostart {
            errors.push(
                c.error_at(&join_key(&path, "autostart"), "a number for `autostart` only makes sense with `count`")
                    .help("write `autostart: true` or `autostart: false`"),
            );
        }
        for name in expand_names(&entry.name, entry.count) {
            if let Some(first) = names.insert(name.clone(), path.clone()) {
                let what = if first == path { String::new() } else { format!(" (also declared by `{first}`)") };
                errors.push(
                    c.error_at(&join_key(&path, "name"), format!("duplicate node name `{name}`{what}"))
                        .help("every node needs its own name; rename one of them"),
                );
            }
        }
        if let Some(text) = &entry.ip {
            let ip_path = join_key(&path, "ip");
            match text.parse::<Ipv4Addr>() {
                Err(_) => errors.push(c.error_at(&ip_path, format!("`{text}` is not an IPv4 address"))),
                Ok(ip) => {
                    if let Some(net) = subnet {
                        if let Err(why) = check_host_ip(net, ip) {
                            errors.push(c.error_at(&ip_path, format!("IP {ip} {why}")).help(format!(
                                "pick an address from {} to {} (the first is the host's side)",
                                nth_host(net, 2),
                                net.broadcast().saturating_sub_one()
                            )));
                        }
                    }
                    if let Some(other) = ips.insert(ip, path.clone()) {
                        errors.push(
                            c.error_at(&ip_path, format!("IP {ip} is used twice (also by `{other}`)"))
                                .help("give each node its own address, or drop `ip` to have one chosen"),
                        );
                    }
                }
            }
        }
        if let Some(cpus) = entry.cpus {
            if cpus == 0 || cpus > 64 {
                errors.push(c.error_at(&join_key(&path, "cpus"), format!("cpus must be between 1 and 64, not {cpus}")));
            }
        }
    }
    // Addresses are planned inside the first /24 of the lab's network (.2 to .254).
    let total: u64 = lab.nodes.iter().map(|e| u64::from(e.count.unwrap_or(1))).sum();
    if total > MAX_NODES {
        errors.push(
            c.error_at_key("nodes", format!("the lab declares {total} nodes; a lab has at most {MAX_NODES}"))
                .help("lower the `count` of some entries (spares started with `mlab add-agent` count too)"),
        );
    }
    if lab.nodes.is_empty() {
        errors
            .push(c.error_at_key("nodes", "the lab has no nodes").help("add a `nodes:` list, e.g. `- name: master1` with `roles: [zookeeper, mesos-master]`"));
    }

    // Roles across the lab.
    let mut role_count: BTreeMap<Role, u32> = BTreeMap::new();
    for entry in &lab.nodes {
        // An entry with `count: 0` declares no node, so none of its roles.
        let count = entry.count.unwrap_or(1);
        if count == 0 {
            continue;
        }
        for role in all_roles(&entry.roles) {
            *role_count.entry(role).or_default() += count;
        }
    }
    if !lab.nodes.is_empty() && !role_count.contains_key(&Role::MesosMaster) {
        errors.push(c.error_at_key("nodes", "the lab has no Mesos master").help("give one node (or three, for high availability) the role `mesos-master`"));
    }
    if let Some(&zk) = role_count.get(&Role::Zookeeper) {
        if zk > 0 && zk % 2 == 0 {
            let at = first_entry_with(c, Role::Zookeeper);
            errors.push(c.error_at(&join_key(&at, "roles"), format!("{zk} ZooKeeper nodes: an ensemble needs an odd number")).help(format!(
                "use {} or {} ZooKeeper nodes; an even number tolerates no more failures and can split",
                zk - 1,
                zk + 1
            )));
        }
    }
    for &role in role_count.keys() {
        for &needed in role.requires_in_lab() {
            if !role_count.contains_key(&needed) {
                let at = first_entry_with(c, role);
                errors.push(
                    c.error_at(&join_key(&at, "roles"), format!("role `{role}` needs a `{needed}` node in the lab"))
                        .help(format!("add the role `{needed}` to a node")),
                );
            }
        }
    }

    // Resources a VM can have, wherever they are given.
    if let Some(cpus) = lab.defaults.cpus {
        if cpus == 0 || cpus > 64 {
            errors.push(c.error_at("defaults.cpus", format!("cpus must be between 1 and 64, not {cpus}")));
        }
    }
    for (at, mib) in sized_fields(lab, "memory", lab.defaults.memory.map(|m| m.0), |e| e.memory.map(|m| m.0)) {
        if mib > MAX_MEMORY_MIB {
            errors.push(
                c.error_at(&at, format!("{mib} MiB of memory is more than a lab VM can have ({} GiB at most)", MAX_MEMORY_MIB / 1024))
                    .help("give a size such as `2G` or `4096M`"),
            );
        }
    }

    for (at, gib) in sized_fields(lab, "disk", lab.defaults.disk.map(|d| d.0), |e| e.disk.map(|d| d.0)) {
        if gib == 0 || gib > MAX_DISK_GIB {
            errors
                .push(c.error_at(&at, format!("a disk of {gib} GiB is not one a lab VM can have (1 to {MAX_DISK_GIB} GiB)")).help("give a size such as `20G`"));
        }
    }

    // Memory against what the roles need.
    for (i, entry) in lab.nodes.iter().enumerate() {
        let path = join_index("nodes", i);
        let need = memory_needed(&entry.roles);
        let (memory, at) = match (entry.memory, lab.defaults.memory) {
            (Some(m), _) => (m.0, join_key(&path, "memory")),
            (None, Some(m)) => (m.0, "defaults.memory".to_string()),
            (None, None) => continue,
        };
        if memory < need {
            let roles: Vec<&str> = all_roles(&entry.roles).iter().map(|r| r.name()).collect();
            errors.push(c.error_at(&at, format!("node `{}` has {memory} MiB of memory, below the {need} MiB its roles need", entry.name)).help(format!(
                "set `memory: {}` or more (roles: {}; {BASE_SYSTEM_MIB} MiB for the system)",
                round_up(need, 512),
                roles.join(", ")
            )));
        }
    }

    // Artifacts declared in lab files must be pinned, and their names and files plain.
    for (name, artifact) in &lab.artifacts {
        let path = join_key("artifacts", name);
        for p in fields::artifact_problems(name, artifact) {
            let diagnostic = match p.field {
                Some(field) => c.error_at(&join_key(&path, field), p.message),
                None => c.error_at_key(&path, p.message),
            };
            errors.push(diagnostic.help(p.help));
        }
        match &artifact.sha256 {
            None => errors.push(
                c.error_at_key(&path, format!("artifact `{name}` has no sha256 checksum"))
                    .help("add `sha256: <64 hex digits>` (e.g. from `sha256sum FILE`); nothing unverified enters a lab"),
            ),
            Some(sum) if !is_sha256(sum) => errors.push(
                c.error_at(&join_key(&path, "sha256"), format!("`{sum}` is not a SHA-256 checksum"))
                    .help("write the 64 lowercase hex digits that `sha256sum FILE` prints"),
            ),
            Some(_) => {}
        }
    }

    if let Some(kafka) = &lab.settings.kafka {
        if let (Some(heap), Some(mem)) = (kafka.broker_heap, kafka.broker_mem) {
            if heap.0 >= mem.0 {
                errors.push(
                    c.error_at("settings.kafka.broker_heap", format!("broker heap ({} MiB) must be below broker memory ({} MiB)", heap.0, mem.0))
                        .help("leave room for the JVM beyond its heap, e.g. heap 1024 with mem 2048"),
                );
            }
        }
        if let Some(brokers) = kafka.brokers.filter(|b| *b == 0 || u64::from(*b) > MAX_NODES) {
            errors.push(c.error_at("settings.kafka.brokers", format!("brokers must be between 1 and {MAX_NODES}, not {brokers}")));
        }
        if let Some(port) = kafka.broker_port.filter(|p| *p == 0 || *p == u16::MAX) {
            errors.push(
                c.error_at("settings.kafka.broker_port", format!("broker_port must be between 1 and 65534, not {port}"))
                    .help("the controller listens on the next port; the default is 9092"),
            );
        }
    }

    // Every port the plan puts on a node is that node's alone.
    for (i, entry) in lab.nodes.iter().enumerate() {
        let mut taken: Vec<(u16, String)> = Vec::new();
        let roles = all_roles(&entry.roles);
        for &role in &roles {
            let mut ports: Vec<(u16, String)> = role.ports(&roles).iter().map(|(p, what)| (*p, format!("{what} ({role})"))).collect();
            if role == Role::KafkaBroker {
                let port = lab.settings.kafka.as_ref().and_then(|k| k.broker_port).unwrap_or(super::role::ports::KAFKA_BROKER);
                ports.push((port, "the Kafka broker (kafka-broker)".into()));
                ports.push((port.saturating_add(1), "the Kafka controller (kafka-broker)".into()));
            }
            for (port, what) in ports {
                if let Some((_, first)) = taken.iter().find(|(p, _)| *p == port) {
                    let set_port = what.contains("kafka-broker") && lab.settings.kafka.as_ref().is_some_and(|k| k.broker_port.is_some());
                    let at = if set_port { "settings.kafka.broker_port".to_string() } else { join_key(&join_index("nodes", i), "roles") };
                    errors.push(
                        c.error_at(&at, format!("node `{}` would listen on port {port} twice: {first} and {what}", entry.name))
                            .help("give one of them another node, or (for the Kafka broker) another `broker_port`"),
                    );
                } else {
                    taken.push((port, what));
                }
            }
        }
    }

    if errors.is_empty() { Ok(()) } else { Err(Diagnostics(errors)) }
}

/// Every place a size `field` is given (the defaults, then each node entry), with its path.
fn sized_fields(
    lab: &super::model::LabFile,
    field: &str,
    default: Option<u64>,
    of_entry: impl Fn(&super::model::NodeEntry) -> Option<u64>,
) -> Vec<(String, u64)> {
    let defaults = default.map(|v| (join_key("defaults", field), v));
    let entries = lab.nodes.iter().enumerate().filter_map(|(i, e)| of_entry(e).map(|v| (join_key(&join_index("nodes", i), field), v)));
    defaults.into_iter().chain(entries).collect()
}

/// The names an entry declares: `agent` x 3 = agent1, agent2, agent3.
pub fn expand_names(name: &str, count: Option<u32>) -> Vec<String> {
    match count {
        None => vec![name.to_string()],
        Some(n) => (1..=n.min(MAX_COUNT)).map(|i| format!("{name}{i}")).collect(),
    }
}

/// A node's roles plus the ones they imply, sorted and unique.
pub fn all_roles(roles: &[Role]) -> Vec<Role> {
    let mut all: Vec<Role> = roles.iter().flat_map(|r| std::iter::once(*r).chain(r.implies().iter().copied())).collect();
    all.sort();
    all.dedup();
    all
}

/// MiB a node with these roles needs.
/// The most nodes a lab may declare: every one gets an address in the first /24 of its
/// network, beside the gateway.
pub const MAX_NODES: u64 = 250;

/// The most memory one lab VM may be given (MiB).
pub const MAX_MEMORY_MIB: u64 = 256 * 1024;
/// The domain Mesos-DNS serves; a lab's own domain must be another.
pub const MESOS_DNS_DOMAIN: &str = "mesos";
/// The largest disk a lab VM gets (thin: only what the guest writes takes room).
pub const MAX_DISK_GIB: u64 = 2048;

pub fn memory_needed(roles: &[Role]) -> u64 {
    BASE_SYSTEM_MIB + all_roles(roles).iter().map(|r| r.memory_mib()).sum::<u64>()
}

pub fn round_up(v: u64, step: u64) -> u64 {
    v.div_ceil(step) * step
}

fn first_entry_with(c: &ComposedLab, role: Role) -> String {
    let i = c.lab.nodes.iter().position(|n| all_roles(&n.roles).contains(&role)).unwrap_or(0);
    join_index("nodes", i)
}

/// Parse and check a lab CIDR; the error is the help text.
pub fn check_cidr(text: &str, any_range: bool) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text.parse().map_err(|_| "write an IPv4 network with its prefix length, e.g. `192.168.58.0/24`".to_string())?;
    if net.addr() != net.network() {
        return Err(format!("the address has host bits set; did you mean `{}`?", net.trunc()));
    }
    if net.prefix_len() > 24 {
        return Err(format!("a lab network needs at least a /24 (256 addresses); `/{}` is too small", net.prefix_len()));
    }
    if net.prefix_len() < 16 {
        return Err("a lab network should be no larger than a /16; use a /24 such as `192.168.58.0/24`".into());
    }
    // A lab network is the host's to route: only the private ranges (RFC 1918) are nobody
    // else's. Loopback, link-local, multicast, reserved and public ranges collide with the
    // host or with the world.
    if !any_range && !net.network().is_private() {
        return Err(format!(
            "`{net}` is not a private network; use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, such as `192.168.58.0/24` ({}), or set `network.any_range: true` if the host routes it to labs on purpose",
            range_kind(net.network())
        ));
    }
    Ok(net)
}

/// What kind of range a non-private address is in, for the error.
fn range_kind(ip: Ipv4Addr) -> &'static str {
    match ip {
        ip if ip.is_loopback() => "it is loopback",
        ip if ip.is_link_local() => "it is link-local",
        ip if ip.is_multicast() => "it is multicast",
        ip if ip.is_broadcast() || ip.octets()[0] >= 240 => "it is reserved",
        ip if ip.is_unspecified() || ip.octets()[0] == 0 => "it is the \"this network\" range",
        ip if ip.is_documentation() => "it is reserved for documentation",
        _ => "it is a public range, someone else's",
    }
}

/// Why `ip` cannot be a node address in `net`, if it cannot.
pub fn check_host_ip(net: Ipv4Net, ip: Ipv4Addr) -> Result<(), &'static str> {
    if !net.contains(&ip) {
        Err("is outside the lab network")
    } else if ip == net.network() {
        Err("is the network address")
    } else if ip == net.broadcast() {
        Err("is the broadcast address")
    } else if ip == nth_host(net, 1) {
        Err("is the host's own address on the lab network (the gateway)")
    } else {
        Ok(())
    }
}

/// The `n`-th address of `net` (0 = network address).
pub fn nth_host(net: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).saturating_add(n))
}

trait SubOne {
    fn saturating_sub_one(self) -> Ipv4Addr;
}
impl SubOne for Ipv4Addr {
    fn saturating_sub_one(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self).saturating_sub(1))
    }
}

/// A DNS label usable as a host name: `[a-z][a-z0-9-]*`, at most 40 characters, no trailing `-`.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_lowercase()
        && !s.ends_with('-')
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

pub fn is_sha512(s: &str) -> bool {
    s.len() == 128 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}
