//! One progress line per node (indicatif), drawn on stderr only when it is a terminal.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress lines for a set of nodes.
#[derive(Clone)]
pub struct NodeProgress {
    multi: MultiProgress,
}

impl NodeProgress {
    /// Drawn on stderr; indicatif draws nothing when stderr is not a terminal.
    pub fn stderr() -> Self {
        NodeProgress { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()) }
    }

    /// Never drawn (tests, `--json`).
    pub fn hidden() -> Self {
        NodeProgress { multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()) }
    }

    /// A one-line note for the user ("note: ..."), printed above the progress lines.
    pub fn note(&self, text: &str) {
        if self.multi.is_hidden() {
            eprintln!("note: {text}");
        } else {
            let _ = self.multi.println(format!("note: {text}"));
        }
    }

    /// A spinner line for `node`.
    pub fn line(&self, node: &str) -> ProgressBar {
        let style = ProgressStyle::with_template("{spinner} {prefix:<10} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = self.multi.add(ProgressBar::new_spinner().with_style(style).with_prefix(node.to_string()));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}
