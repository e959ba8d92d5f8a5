//! The roles a node can play, and what each one needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A service (or set of services) that a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// ZooKeeper server (Debian's `zookeeperd`); an ensemble when several nodes have it.
    Zookeeper,
    /// Mesos master.
    MesosMaster,
    /// Mesos agent (called `mesos-slave` in older guides; that name is accepted too).
    #[serde(alias = "mesos-slave")]
    MesosAgent,
    /// Marathon, the long-running-service framework.
    Marathon,
    /// Chronos, the cron-like job framework.
    Chronos,
    /// Mesos-DNS: service discovery under the `.mesos` domain.
    MesosDns,
    /// The admin router: an nginx gateway to every web UI and API of the lab.
    AdminRouter,
    /// Docker engine (Debian's `docker.io`); implied by `mesos-agent`.
    Docker,
    /// A load balancer in front of Marathon apps and the masters (HAProxy).
    MarathonLb,
    /// The Kafka Mesos framework: its scheduler is a Marathon app submitted from this node and
    /// placed on an agent (this node if it is one, else the lab's first started agent); brokers
    /// run on agents.
    Kafka,
    /// The Spark Mesos cluster dispatcher, a service mlab supervises on this node; Spark is
    /// staged here and on every agent (executors and cluster-mode drivers run there).
    SparkDispatcher,
    /// An Apache Kafka broker (KRaft, combined broker and controller), a service mlab
    /// supervises on this node; the Kafka tools are staged on every node of the lab.
    KafkaBroker,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Zookeeper,
        Role::MesosMaster,
        Role::MesosAgent,
        Role::Marathon,
        Role::Chronos,
        Role::MesosDns,
        Role::AdminRouter,
        Role::Docker,
        Role::MarathonLb,
        Role::Kafka,
        Role::SparkDispatcher,
        Role::KafkaBroker,
    ];

    /// The name used in lab files.
    pub fn name(self) -> &'static str {
        match self {
            Role::Zookeeper => "zookeeper",
            Role::MesosMaster => "mesos-master",
            Role::MesosAgent => "mesos-agent",
            Role::Marathon => "marathon",
            Role::Chronos => "chronos",
            Role::MesosDns => "mesos-dns",
            Role::AdminRouter => "admin-router",
            Role::Docker => "docker",
            Role::MarathonLb => "marathon-lb",
            Role::Kafka => "kafka",
            Role::SparkDispatcher => "spark-dispatcher",
            Role::KafkaBroker => "kafka-broker",
        }
    }

    /// The ports the role's services listen on at fixed numbers, with what listens (the Kafka
    /// broker's port is a setting, added by validation).
    /// `beside` are the node's roles: marathon-lb fronts Marathon and the Mesos masters only on
    /// a node that does not run them itself (its haproxy template says the same).
    pub fn ports(self, beside: &[Role]) -> Vec<(u16, &'static str)> {
        use ports::*;
        if self == Role::MarathonLb {
            let mut ports = vec![(MARATHON_LB_STATS, "haproxy's stats")];
            if !beside.contains(&Role::Marathon) {
                ports.push((MARATHON, "haproxy's Marathon front"));
            }
            if !beside.contains(&Role::MesosMaster) {
                ports.push((MESOS_MASTER, "haproxy's masters front"));
            }
            return ports;
        }
        let fixed: &[(u16, &str)] = match self {
            Role::Zookeeper => {
                &[(ZOOKEEPER_CLIENT, "ZooKeeper's clients"), (ZOOKEEPER_PEER, "ZooKeeper's peers"), (ZOOKEEPER_ELECTION, "ZooKeeper's election")]
            }
            Role::MesosMaster => &[(MESOS_MASTER, "the Mesos master")],
            Role::MesosAgent => &[(MESOS_AGENT, "the Mesos agent")],
            Role::Marathon => &[(MARATHON, "Marathon")],
            Role::Chronos => &[(CHRONOS, "Chronos")],
            Role::MesosDns => &[(MESOS_DNS, "Mesos-DNS"), (MESOS_DNS_HTTP, "Mesos-DNS's HTTP API")],
            Role::AdminRouter => &[(ADMIN_ROUTER, "the admin router")],
            Role::MarathonLb => &[],
            Role::Kafka => &[(KAFKA_SCHEDULER_API, "the Kafka scheduler's API")],
            Role::SparkDispatcher => &[(SPARK_DISPATCHER, "the Spark dispatcher"), (SPARK_DISPATCHER_UI, "the Spark dispatcher's UI")],
            Role::Docker | Role::KafkaBroker => &[],
        };
        fixed.to_vec()
    }

    /// Memory (MiB) the role's processes need on top of the base system. A node needs the sum
    /// over its roles plus [`BASE_SYSTEM_MIB`]. JVM services get room for a modest heap.
    pub fn memory_mib(self) -> u64 {
        match self {
            Role::Zookeeper => 256,
            Role::MesosMaster => 512,
            Role::MesosAgent => 512,
            Role::Marathon => 512,
            Role::Chronos => 512,
            Role::MesosDns => 64,
            Role::AdminRouter => 32,
            Role::Docker => 128,
            Role::MarathonLb => 64,
            // Framework schedulers are Marathon tasks on an agent, inside the agent's offer.
            Role::Kafka | Role::SparkDispatcher => 0,
            // The default 512 MiB heap plus the JVM's own.
            Role::KafkaBroker => 768,
        }
    }

    /// Roles that come with this one: a Mesos agent runs the Docker containerizer.
    pub fn implies(self) -> &'static [Role] {
        match self {
            Role::MesosAgent => &[Role::Docker],
            _ => &[],
        }
    }

    /// Roles that must exist somewhere in the lab for this one to work.
    pub fn requires_in_lab(self) -> &'static [Role] {
        match self {
            Role::MesosMaster => &[Role::Zookeeper],
            Role::MesosAgent | Role::Marathon | Role::Chronos | Role::MesosDns => &[Role::MesosMaster],
            Role::Kafka | Role::MarathonLb | Role::SparkDispatcher => &[Role::Marathon],
            Role::AdminRouter => &[Role::MesosMaster],
            // KRaft: the brokers keep their own metadata quorum, no ZooKeeper.
            Role::Zookeeper | Role::Docker | Role::KafkaBroker => &[],
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Memory (MiB) the guest OS itself needs before any role.
pub const BASE_SYSTEM_MIB: u64 = 256;

/// Well-known ports of the lab's services.
pub mod ports {
    pub const ZOOKEEPER_CLIENT: u16 = 2181;
    pub const ZOOKEEPER_PEER: u16 = 2888;
    pub const ZOOKEEPER_ELECTION: u16 = 3888;
    pub const MESOS_MASTER: u16 = 5050;
    pub const MESOS_AGENT: u16 = 5051;
    pub const MARATHON: u16 = 8080;
    pub const CHRONOS: u16 = 4400;
    pub const MESOS_DNS: u16 = 53;
    pub const MESOS_DNS_HTTP: u16 = 8123;
    pub const ADMIN_ROUTER: u16 = 80;
    pub const MARATHON_LB_HTTP: u16 = 80;
    pub const MARATHON_LB_STATS: u16 = 9090;
    pub const KAFKA_SCHEDULER_API: u16 = 7000;
    pub const KAFKA_BROKER: u16 = 9092;
    pub const KAFKA_CONTROLLER: u16 = 9093;
    pub const SPARK_DISPATCHER: u16 = 7077;
    pub const SPARK_DISPATCHER_UI: u16 = 8081;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        for role in Role::ALL {
            let yaml = serde_yaml_ng::to_string(&role).unwrap();
            assert_eq!(yaml.trim(), role.name());
            let back: Role = serde_yaml_ng::from_str(role.name()).unwrap();
            assert_eq!(back, role);
        }
        let slave: Role = serde_yaml_ng::from_str("mesos-slave").unwrap();
        assert_eq!(slave, Role::MesosAgent);
    }
}
