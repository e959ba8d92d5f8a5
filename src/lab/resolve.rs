//! A validated lab turned into a fully decided plan: every node's IP and MAC, host entries,
//! ZooKeeper ids and connection strings, the Mesos quorum, where each service runs and on
//! which port. Nothing here touches a hypervisor, and the same lab always gives the same plan.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::catalog::{Artifact, Catalog};
use super::compose::ComposedLab;
use super::model::{Autostart, Containerizer, NetworkMode};
use super::role::{BASE_SYSTEM_MIB, Role, ports};
use super::validate::{all_roles, check_cidr, expand_names, memory_needed, nth_host, round_up};

/// The base image used when a lab names none.
pub const DEFAULT_DISK_GIB: u64 = 10;

/// A lab with every decision made.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedLab {
    pub name: String,
    pub description: String,
    #[serde(rename = "box")]
    pub box_name: String,
    /// The provider the lab file asks for, if it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<super::model::ProviderKind>,
    pub network: Network,
    pub nodes: Vec<Node>,
    pub zookeeper: ZooKeeper,
    pub mesos: Mesos,
    /// Every service endpoint of the lab, in a stable order.
    pub services: Vec<Service>,
    pub kafka: Option<Kafka>,
    /// Brokers run by mlab (`kafka-broker` role).
    pub kafka_brokers: Option<KafkaBrokers>,
    pub spark: Option<Spark>,
    /// Artifacts the lab's roles need, by name.
    pub artifacts: BTreeMap<String, Artifact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub cidr: Ipv4Net,
    /// The host's address on the lab network.
    pub gateway: Ipv4Addr,
    pub netmask: Ipv4Addr,
    pub prefix: u8,
    pub mode: NetworkMode,
    pub domain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub fqdn: String,
    /// Roles as declared plus the ones they imply, sorted.
    pub roles: Vec<Role>,
    pub cpus: u32,
    pub memory_mib: u64,
    pub disk_gib: u64,
    pub ip: Ipv4Addr,
    pub mac: String,
    /// Started by `mlab up`; otherwise kept for `mlab add-agent`.
    pub autostart: bool,
    /// The lab-file entry that declared it (`agent` for agent1..agent5).
    pub entry: String,
    /// ZooKeeper server id (`myid`), for ZooKeeper nodes.
    pub zookeeper_id: Option<u32>,
    /// Memory a Mesos agent on this node offers to tasks (MiB): the node's memory less the
    /// system's, the agent's own and what its other roles use (a Kafka broker, Docker). Mesos
    /// would otherwise keep a whole GiB back, which leaves a lab VM too little for a Spark job.
    pub agent_offer_mib: Option<u64>,
    /// Artifacts staged on this node.
    pub artifacts: Vec<String>,
}

impl Node {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ZkServer {
    pub id: u32,
    pub node: String,
    pub ip: Ipv4Addr,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZooKeeper {
    pub servers: Vec<ZkServer>,
    /// `master1:2181,master2:2181,master3:2181`
    pub hosts: String,
    /// `zk://master1:2181,.../mesos`
    pub mesos_url: String,
    /// `zk://master1:2181,.../marathon`
    pub marathon_url: String,
    pub client_port: u16,
    pub peer_port: u16,
    pub election_port: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mesos {
    pub masters: Vec<String>,
    /// floor(masters / 2) + 1
    pub quorum: usize,
    pub cluster: String,
    /// `mesos` (comma-separated, as MESOS_CONTAINERIZERS takes them)
    pub containerizers: String,
    pub master_port: u16,
    pub agent_port: u16,
}

/// A service of the lab: where it runs and how the admin router reaches it.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// `mesos`, `marathon`, `chronos`, `mesos-dns`, `admin-router`, `kafka`, `spark`, ...
    pub name: String,
    pub nodes: Vec<String>,
    pub port: u16,
    /// Path on the admin router, e.g. `/marathon`, if routed.
    pub route: Option<String>,
    /// A path under the route that answers 200 when the service works (Mesos-DNS's API has no
    /// page at its root, a master's state says more than its UI): what readiness and the
    /// portal ask.
    pub check: Option<String>,
    /// What the service is, for the lab portal page.
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kafka {
    pub scheduler_node: String,
    pub api_port: u16,
    pub api_url: String,
    pub zk_url: String,
    pub brokers: u32,
    pub broker_cpus: f64,
    pub broker_mem: u64,
    pub broker_heap: u64,
}

/// The brokers of the `kafka-broker` role: a KRaft cluster whose controller quorum is the
/// brokers that start with the lab (a quorum cannot count nodes that may never start).
#[derive(Debug, Clone, Serialize)]
pub struct KafkaBrokers {
    pub brokers: Vec<KafkaBroker>,
    pub port: u16,
    pub controller_port: u16,
    pub heap_mib: u64,
    /// `IP:PORT,...` of the brokers that start with the lab, what clients bootstrap from.
    pub bootstrap_servers: String,
    /// `ID@IP:PORT,...` of the controllers (`controller.quorum.voters`).
    pub controller_voters: String,
    /// The KRaft cluster id (22 characters of URL-safe base64), fixed by the lab's name.
    pub cluster_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KafkaBroker {
    /// `node.id`, from 1 in node order.
    pub id: u32,
    pub node: String,
    pub ip: Ipv4Addr,
    /// Also a member of the controller quorum.
    pub controller: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Spark {
    /// The agent Marathon runs the MesosClusterDispatcher on (the role's node when it is an
    /// agent): a Marathon app pinned there, so its address is fixed.
    pub dispatcher_node: String,
    /// The agent's address: the dispatcher listens there.
    pub dispatcher_ip: Ipv4Addr,
    pub port: u16,
    pub ui_port: u16,
    /// The dispatcher's JVM heap (MiB).
    pub dispatcher_heap_mib: u64,
    /// What its Marathon app asks of the agent: the heap and the JVM's own memory.
    pub dispatcher_task_mib: u64,
    /// Where the dispatcher keeps its state, so that restarted by Marathon it recovers its
    /// framework and queued drivers: `zk://HOSTS`'s hosts and the znode.
    pub zk_hosts: String,
    /// `mesos://zk://.../mesos`: the leading master, found through ZooKeeper.
    pub master_url: String,
    /// `mesos://DISPATCHER:PORT`, what `--deploy-mode cluster` submits to.
    pub dispatcher_url: String,
    /// The name the dispatcher registers with Mesos under (what readiness looks for).
    pub framework_name: String,
    pub driver_memory_mib: u64,
    pub executor_memory_mib: u64,
}

/// What the Mesos agent daemon itself uses (MiB), kept out of what it offers.
const AGENT_DAEMON_MIB: u64 = 256;

/// Plan a validated lab. `catalog` supplies artifacts the lab does not override.
pub fn resolve(c: &ComposedLab, catalog: &Catalog) -> ResolvedLab {
    let lab = &c.lab;
    let name = lab.name.clone().unwrap_or_else(|| "lab".into());
    let cidr = lab.network.cidr.as_deref().and_then(|t| check_cidr(t, lab.network.any_range.unwrap_or(false)).ok()).unwrap_or_else(|| default_cidr(&name));
    let domain = lab.network.domain.clone().unwrap_or_else(|| format!("{name}.test"));
    let network = Network {
        cidr,
        gateway: nth_host(cidr, 1),
        netmask: cidr.netmask(),
        prefix: cidr.prefix_len(),
        mode: lab.network.mode.unwrap_or(NetworkMode::Nat),
        domain: domain.clone(),
    };

    // Expand entries into nodes (addresses decided below).
    let mut nodes = Vec::new();
    for entry in &lab.nodes {
        let roles = all_roles(&entry.roles);
        let memory = entry.memory.or(lab.defaults.memory).map(|m| m.0).unwrap_or_else(|| round_up(memory_needed(&entry.roles), 512));
        let autostart = entry.autostart.unwrap_or(Autostart::All(true));
        for (index, node_name) in expand_names(&entry.name, entry.count).into_iter().enumerate() {
            nodes.push(Node {
                fqdn: format!("{node_name}.{domain}"),
                name: node_name,
                roles: roles.clone(),
                cpus: entry.cpus.or(lab.defaults.cpus).unwrap_or(1),
                memory_mib: memory,
                disk_gib: entry.disk.or(lab.defaults.disk).map(|d| d.0).unwrap_or(DEFAULT_DISK_GIB),
                ip: entry.ip.as_deref().and_then(|t| t.parse().ok()).unwrap_or(Ipv4Addr::UNSPECIFIED),
                mac: String::new(),
                autostart: autostart.starts(index as u32),
                entry: entry.name.clone(),
                zookeeper_id: None,
                agent_offer_mib: roles.contains(&Role::MesosAgent).then(|| {
                    let others: u64 = roles.iter().filter(|r| **r != Role::MesosAgent).map(|r| r.memory_mib()).sum();
                    memory.saturating_sub(BASE_SYSTEM_MIB + AGENT_DAEMON_MIB + others).max(256)
                }),
                artifacts: Vec::new(),
            });
        }
    }
    assign_addresses(&name, cidr, &mut nodes);

    // ZooKeeper ids follow node order, from 1.
    let mut servers = Vec::new();
    for node in nodes.iter_mut().filter(|n| n.has(Role::Zookeeper)) {
        let id = servers.len() as u32 + 1;
        node.zookeeper_id = Some(id);
        servers.push(ZkServer { id, node: node.name.clone(), ip: node.ip });
    }
    let hosts = servers.iter().map(|s| format!("{}:{}", s.node, ports::ZOOKEEPER_CLIENT)).collect::<Vec<_>>().join(",");
    let zookeeper = ZooKeeper {
        mesos_url: format!("zk://{hosts}/mesos"),
        marathon_url: format!("zk://{hosts}/marathon"),
        hosts: hosts.clone(),
        servers,
        client_port: ports::ZOOKEEPER_CLIENT,
        peer_port: ports::ZOOKEEPER_PEER,
        election_port: ports::ZOOKEEPER_ELECTION,
    };

    let names_with = |role: Role| nodes.iter().filter(|n| n.has(role)).map(|n| n.name.clone()).collect::<Vec<_>>();
    let masters = names_with(Role::MesosMaster);
    let mesos_settings = lab.settings.mesos.clone().unwrap_or_default();
    let containerizers = mesos_settings
        .containerizers
        // Mesos 1.11's Docker containerizer needs the cgroup v1 hierarchy, which Debian 12 guests
        // do not mount (they boot with cgroup v2): an agent given `docker` does not start.
        .unwrap_or_else(|| vec![Containerizer::Mesos])
        .iter()
        .map(|c| match c {
            Containerizer::Docker => "docker",
            Containerizer::Mesos => "mesos",
        })
        .collect::<Vec<_>>()
        .join(",");
    let mesos = Mesos {
        quorum: masters.len() / 2 + 1,
        masters: masters.clone(),
        cluster: mesos_settings.cluster.unwrap_or_else(|| name.clone()),
        containerizers,
        master_port: ports::MESOS_MASTER,
        agent_port: ports::MESOS_AGENT,
    };

    let mut services = Vec::new();
    let mut add = |name: &str, role: Role, port: u16, route: Option<&str>, title: &str| {
        let on = names_with(role);
        if !on.is_empty() {
            let check = route.map(|r| match name {
                "mesos" => format!("{r}master/state"),
                "mesos-dns" => format!("{r}v1/version"),
                // Their APIs: the web UIs' pages redirect, or are absent from a build.
                "marathon" => format!("{r}v2/info"),
                "chronos" => format!("{r}v1/scheduler/jobs"),
                _ => r.to_string(),
            });
            services.push(Service { name: name.into(), nodes: on, port, route: route.map(str::to_string), check, title: title.into() });
        }
    };
    add("zookeeper", Role::Zookeeper, ports::ZOOKEEPER_CLIENT, None, "ZooKeeper");
    add("mesos", Role::MesosMaster, ports::MESOS_MASTER, Some("/mesos/"), "Mesos masters");
    add("marathon", Role::Marathon, ports::MARATHON, Some("/marathon/"), "Marathon");
    add("chronos", Role::Chronos, ports::CHRONOS, Some("/chronos/"), "Chronos");
    add("mesos-dns", Role::MesosDns, ports::MESOS_DNS_HTTP, Some("/mesos_dns/"), "Mesos-DNS");
    add("admin-router", Role::AdminRouter, ports::ADMIN_ROUTER, None, "Admin router (this page)");
    add("marathon-lb", Role::MarathonLb, ports::MARATHON_LB_STATS, None, "Load balancer (HAProxy stats)");
    let kafka_settings = lab.settings.kafka.clone().unwrap_or_default();
    add("kafka-brokers", Role::KafkaBroker, kafka_settings.broker_port.unwrap_or(ports::KAFKA_BROKER), None, "Kafka brokers");

    // Framework schedulers run as Marathon apps, and Marathon can only place tasks on agents:
    // on the role's node when it is an agent, otherwise on the lab's first started agent.
    let framework_node = |role: Role| -> Option<String> {
        let holder = nodes.iter().find(|n| n.has(role))?;
        let agent = |n: &&Node| n.has(Role::MesosAgent);
        let on = Some(holder).filter(agent).or_else(|| nodes.iter().filter(agent).find(|n| n.autostart)).or_else(|| nodes.iter().find(agent)).unwrap_or(holder);
        Some(on.name.clone())
    };
    let mut add_framework = |name: &str, role: Role, port: u16, route: &str, title: &str| {
        if let Some(node) = framework_node(role) {
            services.push(Service { name: name.into(), nodes: vec![node], port, route: Some(route.into()), check: Some(route.into()), title: title.into() });
        }
    };
    add_framework("kafka", Role::Kafka, ports::KAFKA_SCHEDULER_API, "/service/kafka/", "Kafka framework scheduler API");
    add_framework("spark", Role::SparkDispatcher, ports::SPARK_DISPATCHER_UI, "/service/spark/", "Spark dispatcher UI");

    let kafka = framework_node(Role::Kafka).map(|node| {
        let s = lab.settings.kafka.clone().unwrap_or_default();
        Kafka {
            api_url: format!("http://{node}:{}", ports::KAFKA_SCHEDULER_API),
            scheduler_node: node,
            api_port: ports::KAFKA_SCHEDULER_API,
            zk_url: format!("{hosts}/kafka"),
            brokers: s.brokers.unwrap_or(1),
            broker_cpus: s.broker_cpus.unwrap_or(1.0),
            broker_mem: s.broker_mem.map(|m| m.0).unwrap_or(2048),
            broker_heap: s.broker_heap.map(|m| m.0).unwrap_or(1024),
        }
    });
    let kafka_brokers = kafka_brokers(&name, &nodes, &kafka_settings);
    // The dispatcher is a Marathon app, as the guides deploy it: Marathon restarts it.
    let spark = framework_node(Role::SparkDispatcher).and_then(|on| nodes.iter().find(|n| n.name == on)).map(|node| {
        let s = lab.settings.spark.clone().unwrap_or_default();
        let heap = s.dispatcher_mem.map(|m| m.0).unwrap_or(512);
        Spark {
            dispatcher_node: node.name.clone(),
            dispatcher_ip: node.ip,
            port: ports::SPARK_DISPATCHER,
            ui_port: ports::SPARK_DISPATCHER_UI,
            dispatcher_heap_mib: heap,
            dispatcher_task_mib: heap + 256,
            zk_hosts: hosts.clone(),
            master_url: format!("mesos://zk://{hosts}/mesos"),
            dispatcher_url: format!("mesos://{}:{}", node.ip, ports::SPARK_DISPATCHER),
            framework_name: format!("Spark Cluster {name}"),
            driver_memory_mib: s.driver_memory.map(|m| m.0).unwrap_or(512),
            executor_memory_mib: s.executor_memory.map(|m| m.0).unwrap_or(512),
        }
    });

    // Artifacts: the catalog, overridden by the lab, limited to what the lab's roles need.
    let lab_roles: BTreeSet<Role> = nodes.iter().flat_map(|n| n.roles.iter().copied()).collect();
    // Build inputs of those come along: a build needs their checksums.
    let merged = catalog.merged_with(&lab.artifacts);
    let mut artifacts: BTreeMap<String, Artifact> =
        merged.iter().filter(|(_, a)| a.roles.iter().any(|r| lab_roles.contains(r))).map(|(n, a)| (n.clone(), a.clone())).collect();
    let inputs: Vec<String> = artifacts.values().flat_map(|a| a.inputs.clone()).collect();
    for input in inputs {
        if let Some(a) = merged.get(&input) {
            artifacts.entry(input).or_insert_with(|| a.clone());
        }
    }
    for node in &mut nodes {
        node.artifacts = artifacts
            .iter()
            .filter(|(_, a)| {
                a.roles.iter().any(|r| node.roles.contains(r))
                    // Brokers and Spark executors run on agents: stage there too, so no agent
                    // has to download anything during class.
                    || (node.has(Role::MesosAgent) && a.roles.iter().any(|r| stages_on_agents(*r)))
                    // The Kafka tools are on every node of a lab with brokers.
                    || (lab_roles.contains(&Role::KafkaBroker) && a.roles.contains(&Role::KafkaBroker))
            })
            .map(|(n, _)| n.clone())
            .collect();
    }

    ResolvedLab {
        description: lab.description.clone().unwrap_or_default(),
        box_name: lab.box_name.clone().unwrap_or_else(|| super::model::DEFAULT_BOX.into()),
        provider: lab.provider,
        name,
        network,
        nodes,
        zookeeper,
        mesos,
        services,
        kafka,
        kafka_brokers,
        spark,
        artifacts,
    }
}

/// Plan the `kafka-broker` nodes as one KRaft cluster.
fn kafka_brokers(lab: &str, nodes: &[Node], settings: &crate::lab::model::KafkaSettings) -> Option<KafkaBrokers> {
    use base64::Engine;
    use sha2::Digest;
    let port = settings.broker_port.unwrap_or(ports::KAFKA_BROKER);
    let controller_port = port.checked_add(1).unwrap_or(ports::KAFKA_CONTROLLER);
    let on: Vec<&Node> = nodes.iter().filter(|n| n.has(Role::KafkaBroker)).collect();
    if on.is_empty() {
        return None;
    }
    let started = on.iter().any(|n| n.autostart);
    let brokers: Vec<KafkaBroker> =
        on.iter().enumerate().map(|(i, n)| KafkaBroker { id: i as u32 + 1, node: n.name.clone(), ip: n.ip, controller: n.autostart || !started }).collect();
    // Clients need one broker to find the others: the controllers are the ones that always run.
    let bootstrap_servers = brokers.iter().filter(|b| b.controller).map(|b| format!("{}:{port}", b.ip)).collect::<Vec<_>>().join(",");
    let controller_voters = brokers.iter().filter(|b| b.controller).map(|b| format!("{}@{}:{controller_port}", b.id, b.ip)).collect::<Vec<_>>().join(",");
    let digest = sha2::Sha256::digest(format!("mlab kafka cluster {lab}").as_bytes());
    let cluster_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
    Some(KafkaBrokers {
        brokers,
        port,
        controller_port,
        heap_mib: settings.broker_heap.map(|m| m.0).unwrap_or(512),
        bootstrap_servers,
        controller_voters,
        cluster_id,
    })
}

/// Frameworks whose tasks run on agents and need the artifact there.
fn stages_on_agents(role: Role) -> bool {
    matches!(role, Role::Kafka | Role::SparkDispatcher)
}

/// A lab without `network.cidr` gets a /24 inside 192.168.56.0/21 (the host-only range
/// VirtualBox allows by default), picked from its name. The provider refuses overlaps.
pub fn default_cidr(lab_name: &str) -> Ipv4Net {
    let h = Sha256::digest(lab_name.as_bytes());
    let third = 57 + (h[0] % 7); // 57..=63; .56 is VirtualBox's own default host-only network
    Ipv4Net::new(Ipv4Addr::new(192, 168, third, 0), 24).unwrap_or_default()
}

/// Address classes, so adding a node of one kind never moves a node of another:
/// masters from .11, agents from .101, everything else from .51.
fn class_range(node: &Node) -> (u32, u32) {
    if node.has(Role::MesosMaster) {
        (11, 50)
    } else if node.has(Role::MesosAgent) {
        (101, 250)
    } else {
        (51, 100)
    }
}

/// The number a name ends with: `agent12` -> 12.
fn trailing_number(name: &str) -> Option<u32> {
    let digits: String = name.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

/// Give every node without a fixed IP one, and every node a MAC. Deterministic: a node's
/// address depends on its class and the number in its name (agent3 -> .103), so it is stable
/// when other nodes are added; collisions move to the next free address of the class.
pub fn assign_addresses(lab: &str, cidr: Ipv4Net, nodes: &mut [Node]) {
    let mut used: HashSet<Ipv4Addr> = nodes.iter().map(|n| n.ip).filter(|ip| !ip.is_unspecified()).collect();
    let base = u32::from(cidr.network());
    for node in nodes.iter_mut().filter(|n| n.ip.is_unspecified()) {
        let (first, last) = class_range(node);
        let preferred = trailing_number(&node.name).map(|n| first + n.saturating_sub(1)).filter(|o| *o <= last);
        let candidates = preferred.into_iter().chain(first..=last).chain(2..=254);
        for offset in candidates {
            let ip = Ipv4Addr::from(base + offset);
            if !used.contains(&ip) {
                used.insert(ip);
                node.ip = ip;
                break;
            }
        }
    }
    let mut macs = HashSet::new();
    for node in nodes.iter_mut() {
        node.mac = (0u32..).map(|salt| mac_for(lab, &node.name, salt)).find(|m| !macs.contains(m)).unwrap_or_default();
        macs.insert(node.mac.clone());
    }
}

/// A locally administered MAC in QEMU's 52:54:00 range, from the lab and node names.
pub fn mac_for(lab: &str, node: &str, salt: u32) -> String {
    let h = Sha256::digest(format!("{lab}/{node}/{salt}").as_bytes());
    format!("52:54:00:{:02x}:{:02x}:{:02x}", h[0], h[1], h[2])
}

impl ResolvedLab {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Nodes that `mlab up` starts.
    pub fn autostart_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.autostart)
    }

    pub fn total_memory_mib(&self, only_autostart: bool) -> u64 {
        self.nodes.iter().filter(|n| n.autostart || !only_autostart).fold(0u64, |sum, n| sum.saturating_add(n.memory_mib))
    }
}
