//! Whether box operations draw progress bars (the CLI asks for them, tests do not).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Draw bars and spinners on stderr.
    Show,
    /// No bars; one plain line per event on stderr (stderr is not a terminal).
    Lines,
    /// Draw nothing.
    #[default]
    Hide,
}

impl Progress {
    /// A byte-counting bar; `total` unknown gives a spinner that still counts bytes.
    pub(crate) fn bytes_bar(self, total: Option<u64>, message: String) -> ProgressBar {
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), self.target()).with_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, self.target())
                .with_style(ProgressStyle::with_template("{spinner} {msg} {bytes} {bytes_per_sec}").unwrap_or_else(|_| ProgressStyle::default_spinner())),
        };
        bar.set_message(message);
        bar
    }

    /// A spinner showing the current phase and elapsed time.
    pub(crate) fn spinner(self, message: String) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.target())
            .with_style(ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
        spinner.set_message(message);
        if self == Progress::Show {
            spinner.enable_steady_tick(Duration::from_millis(120));
        }
        spinner
    }

    /// Bars on a terminal, plain lines elsewhere.
    pub fn for_stderr() -> Progress {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) { Progress::Show } else { Progress::Lines }
    }

    /// One line about what is happening, where lines are wanted.
    pub(crate) fn note(self, message: impl std::fmt::Display) {
        if self != Progress::Hide {
            eprintln!("{message}");
        }
    }

    fn target(self) -> ProgressDrawTarget {
        match self {
            Progress::Show => ProgressDrawTarget::stderr(),
            Progress::Lines | Progress::Hide => ProgressDrawTarget::hidden(),
        }
    }
}
