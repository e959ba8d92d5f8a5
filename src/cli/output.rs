//! How the CLI prints results and failures.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::OnceLock;

use mlab::lab::Diagnostics;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

struct OutputSettings {
    stderr_styled: bool,
    quiet: bool,
}

static SETTINGS: OnceLock<OutputSettings> = OnceLock::new();

/// Decide once, from the global options, how messages look.
pub fn configure(color: ColorChoice, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stderr_styled = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal() && !no_color,
    };
    let _ = SETTINGS.set(OutputSettings { stderr_styled, quiet });
}

/// Whether what goes to stderr is coloured.
pub fn stderr_styled() -> bool {
    SETTINGS.get().is_some_and(|s| s.stderr_styled)
}

/// `--quiet`: no progress lines or notices.
pub fn quiet() -> bool {
    SETTINGS.get().is_some_and(|s| s.quiet)
}

/// `error:` in bold red when stderr is styled.
pub fn error_label() -> String {
    if stderr_styled() {
        let style = anstyle::Style::new().bold().fg_color(Some(anstyle::AnsiColor::Red.into()));
        format!("{style}error{style:#}:")
    } else {
        "error:".to_string()
    }
}

/// A command failure: either lab-file diagnostics (already formatted with locations) or any
/// other error, printed as `error: ...` with its causes.
#[derive(Debug)]
pub enum Failure {
    Lab(Diagnostics),
    Other(anyhow::Error),
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Lab(d)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

/// Exit codes: 0 success, 1 a runtime failure, 2 bad usage or an invalid lab file (clap uses 2
/// for usage errors too); `mlab ssh` passes on the remote command's status.
pub fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Lab(d) => {
            eprintln!("{}", d.render(stderr_styled()));
            ExitCode::from(2)
        }
        Failure::Other(e) => {
            eprintln!("{} {e}", error_label());
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Print a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    println!("{text}");
    Ok(())
}

/// A report as JSON (`--json`), or as `human` prints it for a person.
pub fn print_report<T: serde::Serialize>(json: bool, report: &T, human: impl FnOnce(&T)) -> Result<(), Failure> {
    if json {
        return print_json(report);
    }
    human(report);
    Ok(())
}

/// A plain, borderless table (like `kubectl get`), easy to read and to grep. On a terminal (or
/// with `COLUMNS` set) long cells wrap so every line fits its width; piped elsewhere, each row
/// stays one line for `grep` and `awk`.
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING).set_header(header.to_vec());
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<u16>().ok()).filter(|c| *c >= 20);
    if let Some(columns) = columns {
        t.set_width(columns).set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    } else if std::io::stdout().is_terminal() {
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    }
    t
}

/// Confirm a destructive action: `--yes` skips the question; on a terminal the user is asked
/// (default no); anywhere else the action is refused with the way to confirm it.
pub fn confirm(yes: bool, what: &str) -> Result<bool, Failure> {
    use std::io::IsTerminal;
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(anyhow::anyhow!("this would delete {what}; pass --yes to confirm when not on a terminal").into());
    }
    mlab::progress::confirm(&format!("Delete {what}?")).map_err(|e| anyhow::anyhow!("no answer: {e}").into())
}
