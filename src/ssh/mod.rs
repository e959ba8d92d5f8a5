//! SSH to lab nodes.
