//! Arbitrary bytes as a lab file: parse, compose (its `extends:` reaches the built-in labs),
//! validate, resolve, and render what validates.
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::lab_load(data));
