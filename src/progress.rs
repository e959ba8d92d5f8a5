//! Talking to the user on the terminal: the prompts (pick, confirm), and one progress line per
//! node, an indicatif spinner on a terminal's stderr; elsewhere (a log file, CI, a pipe) one
//! plain `node: message` line on stderr each time a line says something new, so a long `up` is
//! never silent off a terminal.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Spinners,
    Lines,
    Hidden,
}

/// Progress lines for a set of nodes.
#[derive(Clone)]
pub struct NodeProgress {
    multi: MultiProgress,
    mode: Mode,
}

impl NodeProgress {
    /// On stderr: spinners on a terminal, plain lines otherwise.
    pub fn stderr() -> Self {
        let mode = if std::io::stderr().is_terminal() { Mode::Spinners } else { Mode::Lines };
        NodeProgress { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()), mode }
    }

    /// Never shown (tests, `--json`).
    pub fn hidden() -> Self {
        NodeProgress { multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()), mode: Mode::Hidden }
    }

    /// A one-line note for the user ("note: ..."), printed above the progress lines.
    pub fn note(&self, text: &str) {
        if self.mode == Mode::Spinners {
            let _ = self.multi.println(format!("note: {text}"));
        } else {
            eprintln!("note: {text}");
        }
    }

    /// The line of `node`.
    pub fn line(&self, node: &str) -> NodeLine {
        let bar = match self.mode {
            Mode::Spinners => {
                let style = ProgressStyle::with_template("{spinner} {prefix:<10} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner());
                let bar = self.multi.add(ProgressBar::new_spinner().with_style(style).with_prefix(node.to_string()));
                bar.enable_steady_tick(Duration::from_millis(120));
                Some(bar)
            }
            Mode::Lines | Mode::Hidden => None,
        };
        NodeLine { node: node.to_string(), bar, plain: self.mode == Mode::Lines, last: Arc::new(Mutex::new(String::new())), started: std::time::Instant::now() }
    }
}

/// What one node is doing now.
#[derive(Clone)]
pub struct NodeLine {
    node: String,
    bar: Option<ProgressBar>,
    plain: bool,
    /// The last message printed as a plain line (to print each only once).
    last: Arc<Mutex<String>>,
    /// When the line began: a plain line says how long its node has been at it, as the
    /// spinner's elapsed time does on a terminal.
    started: std::time::Instant,
}

impl NodeLine {
    pub fn set_message(&self, message: impl Into<String>) {
        let message = message.into();
        self.print_plain(&message);
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// The line's last word: kept on a terminal, printed once elsewhere.
    pub fn finish_with_message(&self, message: impl Into<String>) {
        let message = message.into();
        self.print_plain(&message);
        if let Some(bar) = &self.bar {
            bar.finish_with_message(message);
        }
    }

    /// Take the line away (its work is reported otherwise).
    pub fn finish_and_clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn print_plain(&self, message: &str) {
        if !self.plain {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last != message {
            eprintln!("{}", plain_line(&self.node, message, self.started.elapsed()));
            *last = message.to_string();
        }
    }
}

/// `agent1: answers SSH at 192.168.58.101 (41 s)`: one event of a node, off a terminal.
fn plain_line(node: &str, message: &str, elapsed: Duration) -> String {
    format!("{node}: {message} ({} s)", elapsed.as_secs())
}

/// Ask the user to pick one of `items` on the terminal: `Ok(None)` when they press Esc or `q`.
/// The cursor is shown again whatever happens (an interrupted prompt would leave it hidden).
pub fn pick(prompt: &str, items: &[String]) -> Result<Option<usize>, String> {
    let picked = dialoguer::Select::new().with_prompt(prompt).items(items).default(0).interact_opt();
    let _ = dialoguer::console::Term::stderr().show_cursor();
    picked.map_err(|e| e.to_string())
}

/// Ask a yes/no question on the terminal (no by default); Esc answers no.
pub fn confirm(question: &str) -> Result<bool, String> {
    let answer = dialoguer::Confirm::new().with_prompt(question).default(false).interact_opt();
    let _ = dialoguer::console::Term::stderr().show_cursor();
    answer.map(|a| a.unwrap_or(false)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_names_the_node_the_event_and_the_time_so_far() {
        assert_eq!(plain_line("agent1", "answers SSH at 192.168.58.101", Duration::from_millis(41_700)), "agent1: answers SSH at 192.168.58.101 (41 s)");
    }
}
