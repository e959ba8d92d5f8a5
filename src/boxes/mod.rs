//! Base images ("boxes"): see the module docs once implemented.
