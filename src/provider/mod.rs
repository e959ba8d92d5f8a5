//! Hypervisor providers.
