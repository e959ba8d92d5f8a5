//! mlab's integration tests, one test crate with a module per area (one link, one binary).
//!
//! Tests that boot real VMs or build boxes are `#[ignore]`d with the reason, so a plain
//! `cargo test` reports them as ignored, never as passed; `scripts/test-all` runs them with
//! `--ignored` inside mlab's network namespace.

// Helpers shared by the test modules.
mod browser_support;
mod common;
mod marathon_support;
mod ssh_support;
mod upstream;
mod vm_support;

mod architecture;
mod artifacts_build;
mod bad_input;
mod box_build;
mod cli;
mod cli_doctor;
mod fuzz_corpus;
mod portal;
mod properties;
mod readme;
mod render_behaviour;
mod render_hostile;
mod render_snapshots;
mod render_tools;
mod resolve;
mod seed_yaml11;
mod ssh;
mod ssh_shell;
mod upstream_flags;
mod virtualbox_contract;
mod vm_boot;
mod vm_lifecycle;
mod vm_mesos;
mod vm_provision;
mod vm_readme;
mod vm_remote;
