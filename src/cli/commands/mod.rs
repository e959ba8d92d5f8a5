//! One file per subcommand: argument struct and a `run` that calls the library.

pub mod add_agent;
pub mod artifact;
pub mod boxes;
pub mod completions;
pub mod destroy;
pub mod doctor;
pub mod forward;
pub mod graph;
pub mod halt;
pub mod init;
pub mod labs;
pub mod list;
pub mod man;
pub mod open;
pub mod plan;
pub mod provision;
pub mod remove_agent;
pub mod schema;
pub mod show;
pub mod snapshot;
pub mod ssh;
pub mod ssh_config;
pub mod status;
pub mod up;
pub mod validate;
