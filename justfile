# Developer shortcuts. `just` is not packaged in Debian bookworm (`cargo install just` gets it);
# every recipe is a plain command, and CI (.ci/run) runs the same commands without just.

# Unit and integration tests (VM tests skip themselves unless MLAB_VM_TESTS=1).
test:
    cargo test --all-targets

# Build the test box (cached in $MLAB_TEST_CACHE, default /var/cache/mlab-test) and boot it
# once inside the mlab network namespace. Needs root and scripts/host-setup.sh.
vm-test:
    MLAB_VM_TESTS=1 cargo test --test box_build -- --nocapture

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
