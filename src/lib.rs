//! mlab: Apache Mesos teaching labs out of real virtual machines.
//!
//! The library holds everything; the `mlab` binary is a thin command-line layer on top.
//! - [`lab`]: the lab file format, parsing with source locations, validation and resolution
//!   into a fully decided plan (IPs, MACs, ZooKeeper ids, quorum, endpoints).
//! - [`render`]: the provisioner templates that turn a resolved lab into per-node files.
//! - [`boxes`]: base images (download, verify, build from Debian packages).
//! - [`provider`]: the hypervisor interface and its libvirt implementation.
//! - [`ssh`]: SSH to lab nodes with pinned host keys.

pub mod artifacts;
pub mod boxes;
pub mod check;
pub mod cloudinit;
pub mod doctor;
pub mod hostfile;
pub mod keys;
pub mod lab;
pub mod lifecycle;
pub mod netns;
pub mod outside;
pub mod paths;
pub mod progress;
pub mod provider;
pub mod provision;
pub mod provisioners;
pub mod render;
pub mod ssh;
pub mod state;
pub mod tasks;
