# Developer shortcuts. `just` is not packaged in Debian bookworm (`cargo install just` gets it);
# every recipe is a plain command, and CI (.ci/run) runs the same commands without just.

# Unit and integration tests; tests that boot VMs or build boxes are reported as ignored.
test:
    cargo test --all-targets

# Build the test box (cached in $MLAB_TEST_CACHE, default /var/cache/mlab-test) and boot it
# once inside the mlab network namespace. Needs root and scripts/host-setup.sh.
vm-test:
    cargo test --test it box_build -- --ignored --nocapture

# Build the default box from Debian packages (needs root).
box:
    cargo run --release -- box build debian-12

lint:
    cargo clippy --all-targets -- -D warnings

fmt:
    cargo fmt --all

# Benchmarks with real VMs (as root; builds mlab --release, then runs inside mlab's network
# namespace): up vs guest boot, mlab's CPU, status latency, destroy. Not part of the tests.
bench:
    bash scripts/bench

# The fast tests 50 times in a row under the default parallelism; stops at the first failure.
stress:
    for i in $(seq 50); do echo "run $i"; cargo test --lib --tests --quiet >/dev/null 2>&1 || { echo "failed on run $i"; exit 1; }; done; echo "50 of 50 runs passed"
