//! One file per subcommand: argument struct and a `run` that calls the library.

pub mod labs;
pub mod plan;
pub mod schema;
pub mod show;
pub mod validate;
