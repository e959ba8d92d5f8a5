//! The lab file format as its author writes it: everything optional that can be defaulted,
//! nothing unknown accepted. [`super::resolve`] turns it into a fully decided plan.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::role::Role;
use super::size::{Disk, Memory};

/// A lab: nodes, their roles and resources, a private network, and the services to run.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mlab lab file")]
pub struct LabFile {
    /// The lab's name (letters, digits, `-`); defaults to the file name without extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One line shown by `mlab labs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A lab to build on (a built-in name like `mini-cluster`, or a path relative to this
    /// file). Its nodes, network and settings are inherited; entries here add to or patch them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// The base image every node is cloned from (see `mlab box list`). Default: `debian-12`.
    #[serde(rename = "box", default, skip_serializing_if = "Option::is_none")]
    pub box_name: Option<String>,
    /// The hypervisor backend: `libvirt` (the default) or `virtualbox`. `--provider` on the
    /// command line wins; a lab already made keeps the one it was made with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderKind>,
    /// The lab's private network.
    #[serde(default)]
    pub network: NetworkSection,
    /// Resources for nodes that do not set their own.
    #[serde(default)]
    pub defaults: NodeDefaults,
    /// The nodes. In a lab that `extends` another, an entry whose `name` matches an inherited
    /// entry patches it (its fields replace the inherited ones, its roles are added); other
    /// entries are new nodes.
    #[serde(default)]
    pub nodes: Vec<NodeEntry>,
    /// Per-service settings.
    #[serde(default)]
    pub settings: Settings,
    /// Artifacts (packages the host fetches and caches) that override the catalog by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, ArtifactEntry>,
}

/// The lab's private network.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// IPv4 subnet of the lab, at least a /24, e.g. `192.168.58.0/24`. The first address is
    /// the host's side (gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// `nat` (guests reach outside through the host) or `isolated` (guests reach only each
    /// other and the host). Default: `nat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<NetworkMode>,
    /// DNS domain of the nodes: `master1.<domain>`. Default: `<lab name>.test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Accept a `cidr` outside the private ranges (10/8, 172.16/12, 192.168/16): a loopback
    /// or public network the host routes to labs on purpose. Default: false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_range: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    Nat,
    Isolated,
}

impl NetworkMode {
    pub fn name(self) -> &'static str {
        match self {
            NetworkMode::Nat => "nat",
            NetworkMode::Isolated => "isolated",
        }
    }
}

/// Resources for nodes that do not set their own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeDefaults {
    /// Virtual CPUs. Default: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    /// Memory. Default: what the node's roles need, rounded up to 512 MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// Root disk size. Default: 10G.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Disk>,
}

/// One node, or with `count` a group of similar nodes (`agent` x 5 = agent1..agent5).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    /// Host name (letters, digits, `-`). With `count`, the prefix: `agent` gives agent1, agent2...
    pub name: String,
    /// Declare this many nodes named `<name>1` .. `<name>N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// What the node runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Disk>,
    /// A fixed IPv4 address inside the lab network (not allowed with `count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Whether `mlab up` starts the node. `false` keeps it for `mlab add-agent`; with `count`,
    /// a number starts only the first N. Default: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autostart: Option<Autostart>,
}

/// `autostart: true|false`, or for a group, how many of its nodes start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autostart {
    All(bool),
    First(u32),
}

impl Autostart {
    /// Does the `index`-th (0-based) node of its entry start with `mlab up`?
    pub fn starts(self, index: u32) -> bool {
        match self {
            Autostart::All(b) => b,
            Autostart::First(n) => index < n,
        }
    }
}

impl<'de> Deserialize<'de> for Autostart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Autostart;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false, or a number of nodes to start")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Autostart, E> {
                Ok(Autostart::All(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Autostart, E> {
                u32::try_from(v).map(Autostart::First).map_err(|_| E::custom("autostart count is too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Autostart, E> {
                u64::try_from(v).map_err(|_| E::custom("autostart cannot be negative")).and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Autostart {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Autostart::All(b) => s.serialize_bool(*b),
            Autostart::First(n) => s.serialize_u32(*n),
        }
    }
}

impl JsonSchema for Autostart {
    fn schema_name() -> Cow<'static, str> {
        "Autostart".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "true/false, or with `count` the number of nodes that start with `mlab up`",
            "oneOf": [ { "type": "boolean" }, { "type": "integer", "minimum": 0 } ]
        })
    }
}

/// Per-service settings; every field has a default.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesos: Option<MesosSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spark: Option<SparkSettings>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MesosSettings {
    /// Cluster name shown in the Mesos UI. Default: the lab name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Agent containerizers. Default: [mesos]. `docker` needs the cgroup v1 hierarchy, which
    /// Debian 12 guests do not boot with; Docker itself runs on the agents either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containerizers: Option<Vec<Containerizer>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Containerizer {
    Docker,
    Mesos,
}

/// The lab's Kafka brokers: those of the `kafka-broker` role (heap, port), and those the Kafka
/// framework would start (`kafka-mesos.sh broker add`: count, cpus, memory, heap).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// Brokers to declare. Default: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<u32>,
    /// CPUs per broker. Default: 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_cpus: Option<f64>,
    /// Memory per broker (MiB). Default: 2048.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_mem: Option<Memory>,
    /// JVM heap per broker (MiB). Default: 1024 for the framework's brokers, 512 for
    /// `kafka-broker` nodes (what a 2 GiB agent has room for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_heap: Option<Memory>,
    /// Port clients reach `kafka-broker` nodes on. Default: 9092 (the controller listener
    /// takes the next one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_port: Option<u16>,
}

/// Spark on the lab's Mesos: the cluster dispatcher mlab runs, and the defaults of the jobs
/// students submit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SparkSettings {
    /// JVM heap of the dispatcher (MiB). Default: 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatcher_mem: Option<Memory>,
    /// `spark.driver.memory` of jobs (MiB). Default: 512, which a lab agent has room for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_memory: Option<Memory>,
    /// `spark.executor.memory` of jobs (MiB). Default: 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_memory: Option<Memory>,
}

/// A package the host obtains once (fetched, imported or built), verifies and stages into the
/// lab; or, without roles, an input that a build uses.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactEntry {
    /// Version, for display and file names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where it comes from: an http(s) URL, a path on the host, or `pypi:NAME==VERSION` (a file
    /// of that release, found through the index pip is configured with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The file name it is cached and staged under (default: the last part of `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Lowercase hex SHA-256 of the file. What is fetched or imported needs it or `sha512`:
    /// nothing unverified enters a lab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Lowercase hex SHA-512 of the file, for sources that publish only that (Apache
    /// releases): the file is verified against it and then known by its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    /// Made by `mlab artifact build` with this recipe (`provisioners/builds/NAME/`), from
    /// `inputs`; cached by the checksums of the recipe and the inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// The artifacts a build uses (each pinned by its own sha256).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// Why this artifact cannot be obtained at all; its roles keep their configuration but
    /// their steps never run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Where a person gets the file, for artifacts with no source mlab can reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The roles that need it (catalog entries); none for build inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
}

/// The box labs use unless they name another; `mlab box build debian-12` makes it.
pub const DEFAULT_BOX: &str = "debian-12";

/// The hypervisor backends a lab can name (`provider:`); the provider layer implements them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// libvirt and QEMU (KVM or TCG), local or over any libvirt URI
    #[default]
    Libvirt,
    /// VirtualBox 6.1.28+ through VBoxManage (contract-tested only; see the README)
    #[value(name = "virtualbox")]
    #[serde(rename = "virtualbox")]
    VirtualBox,
}

impl ProviderKind {
    /// The name saved in a lab's state and written in lab files.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Libvirt => "libvirt",
            ProviderKind::VirtualBox => "virtualbox",
        }
    }

    pub fn from_name(name: &str) -> Option<ProviderKind> {
        [ProviderKind::Libvirt, ProviderKind::VirtualBox].into_iter().find(|k| k.name() == name)
    }
}
