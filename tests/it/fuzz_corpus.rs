//! The fuzz corpus (`fuzz/corpus/`), replayed on stable through the fuzz targets' own bodies:
//! every input a fuzz run kept, crashes it found and fixed among them, stays a regression test.

#[path = "../../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().map(|e| e.path()).collect();
    inputs.sort();
    assert!(inputs.len() >= 3, "the {target} corpus has {} inputs", inputs.len());
    for input in &inputs {
        let data = std::fs::read(input).expect("read a corpus input");
        // A panic names the input, so `cargo fuzz run TARGET INPUT` reproduces it.
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{} panicked", input.display());
    }
}

#[test]
fn lab_load_corpus() {
    replay("lab_load", bodies::lab_load);
}

#[test]
fn render_values_corpus() {
    replay("render_values", bodies::render_values);
}
