//! The lab model: the file format ([`model`]), reading it with source positions ([`source`],
//! [`parse`]), finding labs by name ([`library`]), composition ([`compose`]), validation
//! ([`validate`]) and resolution into a plan ([`resolve`]).

pub mod catalog;
pub mod compose;
pub mod diagnostic;
pub mod fields;
pub mod graph;
pub mod init;
pub mod library;
pub mod model;
pub mod parse;
pub mod resolve;
pub mod role;
pub mod size;
pub mod source;
pub mod validate;

pub use catalog::{Artifact, Catalog, Obtain, Pin};
pub use compose::ComposedLab;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use library::LabLibrary;
pub use model::{DEFAULT_BOX, LabFile, ProviderKind};
pub use resolve::{Node, ResolvedLab, Service};
pub use role::Role;

/// Load, compose, validate and resolve the lab named by `reference` (a name or a path).
pub fn load(library: &LabLibrary, catalog: &Catalog, reference: &str) -> Result<(ComposedLab, ResolvedLab), Diagnostics> {
    load_with_added(library, catalog, reference, &[], &InstanceOverrides::default())
}

/// What makes one instance of a lab file independent of another on the same host: its own
/// name (and with it its domain, MACs and Mesos cluster name) and, when the file's network
/// would overlap another lab's, its own subnet. Applied before the plan is made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceOverrides {
    pub name: Option<String>,
    pub cidr: Option<ipnet::Ipv4Net>,
}

/// A node added to a running lab (`mlab add-agent`) beyond what its file declares: a copy of
/// the entry `entry` (e.g. the `agent` group) under a new name, optionally resized.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AddedNode {
    pub name: String,
    /// The lab-file entry it copies.
    pub entry: String,
    pub cpus: Option<u32>,
    pub memory_mib: Option<u64>,
}

/// [`load`], plus nodes added on demand. They are planned like declared ones (agent6 gets the
/// address after agent5), so the plan of a grown lab is as deterministic as the file's.
pub fn load_with_added(
    library: &LabLibrary,
    catalog: &Catalog,
    reference: &str,
    added: &[AddedNode],
    instance: &InstanceOverrides,
) -> Result<(ComposedLab, ResolvedLab), Diagnostics> {
    let mut composed = compose::load(library, reference)?;
    validate::validate(&composed)?;
    if let Some(name) = &instance.name {
        if composed.lab.name.as_deref() != Some(name.as_str()) {
            composed.lab.name = Some(name.clone());
            // The file's domain and cluster name belong to the file's own instance.
            composed.lab.network.domain = None;
            if let Some(mesos) = composed.lab.settings.mesos.as_mut() {
                mesos.cluster = None;
            }
        }
    }
    if let Some(cidr) = instance.cidr {
        composed.lab.network.cidr = Some(cidr.to_string());
        // Fixed addresses of the file's network do not fit another subnet.
        for node in &mut composed.lab.nodes {
            node.ip = None;
        }
    }
    for node in added {
        let Some(base) = composed.lab.nodes.iter().find(|n| n.name == node.entry).cloned() else {
            return Err(Diagnostic::new(format!("node `{}` was added from entry `{}`, which the lab file no longer has", node.name, node.entry))
                .help("restore the entry, or `mlab remove-agent` the node")
                .into());
        };
        composed.lab.nodes.push(model::NodeEntry {
            name: node.name.clone(),
            count: None,
            ip: None,
            // Planned as a spare, like those the file declares (a spare is no member of a
            // quorum planned from the file); the instance's state marks it started.
            autostart: Some(model::Autostart::All(false)),
            cpus: node.cpus.or(base.cpus),
            memory: node.memory_mib.map(size::Memory).or(base.memory),
            ..base
        });
    }
    let resolved = resolve::resolve(&composed, catalog);
    Ok((composed, resolved))
}

/// The JSON Schema of the lab file format, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(LabFile)).unwrap_or_default()
}
