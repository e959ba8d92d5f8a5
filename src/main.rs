//! The `mlab` command: a thin layer over the `mlab` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
