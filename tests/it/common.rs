//! Helpers shared by the render tests.

use mlab::lab::{LabLibrary, ResolvedLab};
use mlab::provisioners::Provisioners;
use mlab::render::{NodeFiles, render_lab};

pub const BUILTIN_LABS: [&str; 5] = ["single-node", "mini-cluster", "ha-cluster", "kafka-lab", "spark-lab"];

/// A built-in lab resolved against the built-in catalog.
pub fn resolved(name: &str) -> ResolvedLab {
    let provisioners = Provisioners::builtin();
    let catalog = provisioners.catalog().expect("built-in catalog parses");
    match mlab::lab::load(&LabLibrary { user_dir: None }, &catalog, name) {
        Ok((_, lab)) => lab,
        Err(d) => panic!("built-in lab {name} does not load:\n{d}"),
    }
}

/// Every node's files of a built-in lab, with the built-in provisioners.
pub fn rendered(name: &str) -> (ResolvedLab, Vec<NodeFiles>) {
    let lab = resolved(name);
    let nodes = render_lab(&Provisioners::builtin(), &lab).unwrap_or_else(|e| panic!("lab {name} does not render: {e}"));
    (lab, nodes)
}
