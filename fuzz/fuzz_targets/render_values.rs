//! Arbitrary free-form values set on a built-in lab's plan, past validation, rendered by every
//! built-in template.
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::render_values(data));
