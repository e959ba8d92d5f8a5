//! The command-line interface: argument parsing and dispatch. Each subcommand lives in its own
//! file under `commands/` and calls into the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub mod commands;
mod complete;
mod environment;
pub mod forwarding;
pub mod lab_args;
mod names;
mod netns;
mod output;
pub mod reports;

pub use output::{Failure, confirm, print_json, print_report, table};

/// Build Apache Mesos teaching labs out of real virtual machines.
#[derive(Debug, Parser)]
#[command(name = "mlab", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// A directory whose files override the built-in provisioner templates and artifact catalog.
    #[arg(long, global = true, env = "MLAB_PROVISIONERS", value_name = "DIR")]
    pub provisioners: Option<PathBuf>,

    /// Colour in messages: auto (on a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto, value_name = "WHEN")]
    pub color: output::ColorChoice,

    /// Print only results and errors: no progress lines or notices
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More log detail on stderr: -v debug, -vv trace (RUST_LOG, when set, decides instead)
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Labs(commands::labs::Args),
    Init(commands::init::Args),
    Show(commands::show::Args),
    Validate(commands::validate::Args),
    Plan(commands::plan::Args),
    Graph(commands::graph::Args),
    Schema(commands::schema::Args),
    Up(commands::up::Args),
    Status(commands::status::Args),
    List(commands::list::Args),
    Halt(commands::halt::Args),
    Destroy(commands::destroy::Args),
    Provision(commands::provision::Args),
    AddAgent(commands::add_agent::Args),
    RemoveAgent(commands::remove_agent::Args),
    Ssh(commands::ssh::Args),
    SshConfig(commands::ssh_config::Args),
    Open(commands::open::Args),
    Forward(commands::forward::Args),
    Snapshot(commands::snapshot::Args),
    #[command(name = "box")]
    Box(commands::boxes::Args),
    Artifact(commands::artifact::Args),
    Doctor(commands::doctor::Args),
    Completions(commands::completions::Args),
    Man(commands::man::Args),
}

/// Settings every command may need.
pub struct Context {
    pub provisioners: Option<PathBuf>,
    pub library: mlab::lab::LabLibrary,
}

pub fn main() -> ExitCode {
    // A closed stdout (`mlab labs --json | head -1`) ends mlab quietly, as it ends other Unix
    // tools, instead of a panic in println!.
    // SAFETY: restoring the default disposition of SIGPIPE, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // At a Tab the completion script runs `COMPLETE=SHELL mlab -- WORDS`: answer and exit.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = Cli::parse();
    output::configure(cli.color, cli.quiet);
    init_tracing(cli.verbose);
    let problems = environment::problems();
    if !problems.is_empty() {
        eprintln!("{} {}", output::error_label(), problems.join("\n  "));
        return ExitCode::from(2);
    }
    if let Err(why) = netns::join_from_env() {
        return output::report(Failure::Other(anyhow::anyhow!(why)));
    }
    let ctx = Context { provisioners: cli.provisioners, library: mlab::lab::LabLibrary::from_env() };
    let result = match cli.command {
        Command::Labs(args) => commands::labs::run(&ctx, args),
        Command::Init(args) => commands::init::run(&ctx, args),
        Command::Show(args) => commands::show::run(&ctx, args),
        Command::Validate(args) => commands::validate::run(&ctx, args),
        Command::Plan(args) => commands::plan::run(&ctx, args),
        Command::Graph(args) => commands::graph::run(&ctx, args),
        Command::Schema(args) => commands::schema::run(&ctx, args),
        Command::Up(args) => commands::up::run(&ctx, args),
        Command::Status(args) => commands::status::run(&ctx, args),
        Command::List(args) => commands::list::run(&ctx, args),
        Command::Halt(args) => commands::halt::run(&ctx, args),
        Command::Destroy(args) => commands::destroy::run(&ctx, args),
        Command::Provision(args) => commands::provision::run(&ctx, args),
        Command::AddAgent(args) => commands::add_agent::run(&ctx, args),
        Command::RemoveAgent(args) => commands::remove_agent::run(&ctx, args),
        Command::Ssh(args) => commands::ssh::run(&ctx, args),
        Command::SshConfig(args) => commands::ssh_config::run(&ctx, args),
        Command::Open(args) => commands::open::run(&ctx, args),
        Command::Forward(args) => commands::forward::run(&ctx, args),
        Command::Snapshot(args) => commands::snapshot::run(&ctx, args),
        Command::Box(args) => commands::boxes::run(&ctx, args),
        Command::Artifact(args) => commands::artifact::run(&ctx, args),
        Command::Doctor(args) => commands::doctor::run(&ctx, args),
        Command::Completions(args) => commands::completions::run(&ctx, args),
        Command::Man(args) => commands::man::run(&ctx, args),
    };
    match result {
        Ok(code) => code,
        Err(err) => output::report(err),
    }
}

/// Logs go to stderr through tracing, filtered by `RUST_LOG` (default: warnings only, `-v`
/// debug, `-vv` trace), so the user's output on stdout stays clean. Colour as `--color` says:
/// a log redirected to a file carries no escape codes.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let level = match verbose {
        0 => "warn",
        1 => "mlab=debug,warn",
        _ => "mlab=trace,debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let ansi = output::stderr_styled();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).with_target(false).try_init();
}

impl Context {
    /// The provisioner templates and artifact catalog, with the user's override directory.
    pub fn provisioners(&self) -> mlab::provisioners::Provisioners {
        match &self.provisioners {
            Some(dir) => mlab::provisioners::Provisioners::with_override(dir),
            None => mlab::provisioners::Provisioners::builtin(),
        }
    }

    /// The artifact catalog (`artifacts.yaml` of the provisioners, override included).
    pub fn catalog(&self) -> Result<mlab::lab::Catalog, Failure> {
        self.provisioners().catalog().map_err(|e| Failure::Other(e.into()))
    }

    /// Plans lab instances on this host.
    pub fn planner(&self) -> Result<mlab::lifecycle::Planner, Failure> {
        Ok(mlab::lifecycle::Planner::new(self.library.clone(), self.catalog()?))
    }

    /// Load, validate and resolve a lab by name or path.
    pub fn load_lab(&self, reference: &str) -> Result<(mlab::lab::ComposedLab, mlab::lab::ResolvedLab), Failure> {
        let catalog = self.catalog()?;
        Ok(mlab::lab::load(&self.library, &catalog, reference)?)
    }
}
