//! The lab model: the file format ([`model`]), reading it with source positions ([`source`],
//! [`parse`]), finding labs by name ([`library`]), composition ([`compose`]), validation
//! ([`validate`]) and resolution into a plan ([`resolve`]).

pub mod artifacts;
pub mod compose;
pub mod diagnostic;
pub mod library;
pub mod model;
pub mod parse;
pub mod resolve;
pub mod role;
pub mod size;
pub mod source;
pub mod validate;

pub use artifacts::Catalog;
pub use compose::ComposedLab;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use library::LabLibrary;
pub use model::LabFile;
pub use resolve::{Node, ResolvedLab};
pub use role::Role;

/// Load, compose, validate and resolve the lab named by `reference` (a name or a path).
pub fn load(library: &LabLibrary, catalog: &Catalog, reference: &str) -> Result<(ComposedLab, ResolvedLab), Diagnostics> {
    let composed = compose::load(library, reference)?;
    validate::validate(&composed)?;
    let resolved = resolve::resolve(&composed, catalog);
    Ok((composed, resolved))
}

/// The JSON Schema of the lab file format, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(LabFile)).unwrap_or_default()
}
