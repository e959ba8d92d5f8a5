//! One file per subcommand: argument struct and a `run` that calls the library.

pub mod boxes;
pub mod destroy;
pub mod doctor;
pub mod halt;
pub mod labs;
pub mod list;
pub mod plan;
pub mod schema;
pub mod show;
pub mod status;
pub mod up;
pub mod validate;
