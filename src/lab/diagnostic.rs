//! Errors about a lab file that quote the file at the right line, rendered by annotate-snippets
//! (the renderer of rustc's messages):
//!
//! ```text
//! error: node `master1` has 512 MiB of memory, below the 1536 MiB its roles need
//!   --> my-lab.yaml:14:13
//!    |
//! 14 |     memory: 512
//!    |             ^^^ field `nodes[0].memory`
//!    |
//!    = help: set `memory: 1536` or more
//! ```

use std::fmt;

use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One problem found in a lab file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    /// The file as the user knows it (a path or `builtin:NAME`).
    pub file: Option<String>,
    pub pos: Option<Pos>,
    /// The field path, e.g. `nodes[1].ip`.
    pub field: Option<String>,
    /// The quoted source line.
    pub line_text: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), file: None, pos: None, field: None, line_text: None, help: None }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A diagnostic as `mlab validate --json` gives it, for editors and CI.
#[derive(Debug, serde::Serialize)]
pub struct DiagnosticJson<'a> {
    pub file: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub field: Option<&'a str>,
    pub message: &'a str,
    pub help: Option<&'a str>,
}

impl Diagnostic {
    pub fn json(&self) -> DiagnosticJson<'_> {
        DiagnosticJson {
            file: self.file.as_deref(),
            line: self.pos.map(|p| p.line),
            column: self.pos.map(|p| p.col),
            field: self.field.as_deref(),
            message: &self.message,
            help: self.help.as_deref(),
        }
    }

    /// The diagnostic as text, rendered by annotate-snippets (the renderer of rustc's
    /// messages): tabs expanded so the caret sits under the value, long lines cut around it.
    /// `styled` adds the terminal colours.
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
        // Wide enough for a lab line, narrow enough that a 40,000-character line is cut.
        let renderer = renderer.term_width(120);
        let title = Level::ERROR.primary_title(self.message.as_str());
        let label = self.field.as_deref().map(|f| format!("field `{f}`"));
        let mut group = match (&self.file, self.pos, &self.line_text) {
            (Some(file), Some(pos), Some(line)) => {
                let start = line.char_indices().nth(pos.col.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
                // A caret under at most 60 characters, so a huge value's line can be cut too.
                let width = token_width(line, pos.col.saturating_sub(1)).min(60);
                let end = line[start..].char_indices().nth(width).map_or(line.len(), |(i, _)| start + i);
                let mut annotation = AnnotationKind::Primary.span(start..end.max(start));
                if let Some(label) = &label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(Snippet::source(line.as_str()).line_start(pos.line).path(file.as_str()).annotation(annotation))
            }
            (Some(file), pos, _) => {
                let mut origin = Origin::path(file.as_str());
                if let Some(pos) = pos {
                    origin = origin.line(pos.line).char_column(pos.col);
                }
                let group = title.element(origin);
                match &label {
                    Some(label) => group.element(Level::NOTE.message(label.as_str())),
                    None => group,
                }
            }
            _ => title.element(Level::NOTE.message("")),
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        renderer.render(&[group])
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.render(false))
    }
}

/// How many characters from `start` make up the token there: up to the end of a quoted string,
/// else up to `:`, `,`, a closing bracket, a comment or the end of the line.
fn token_width(line: &str, start: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(start).collect();
    let Some(&first) = rest.first() else { return 1 };
    if first == '"' || first == '\'' {
        let end = rest.iter().skip(1).position(|&c| c == first).map(|i| i + 2);
        return end.unwrap_or(rest.len()).max(1);
    }
    let end = rest
        .iter()
        .enumerate()
        .position(|(i, &c)| matches!(c, ',' | ']' | '}' | '#') || (c == ':' && rest.get(i + 1).is_none_or(|n| n.is_whitespace())))
        .unwrap_or(rest.len());
    rest[..end].iter().collect::<String>().trim_end().chars().count().max(1)
}

/// Every problem found in a lab, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Every diagnostic, then the count; `styled` for a terminal.
    pub fn render(&self, styled: bool) -> String {
        let mut out = String::new();
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str("\n\n");
            }
            out.push_str(&d.render(styled));
        }
        let n = self.0.len();
        out.push_str(&format!("\n\n{n} error{} found", if n == 1 { "" } else { "s" }));
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates.into_iter().map(|c| (strsim::jaro_winkler(word, c), c)).filter(|(score, _)| *score > 0.8).max_by(|a, b| a.0.total_cmp(&b.0)).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::source::SourceFile;

    #[test]
    fn renders_caret_under_value() {
        let file = SourceFile::parse("lab.yaml".into(), None, "nodes:\n  - name: a\n    memory: 512\n".into()).unwrap();
        let d = Diagnostic::new("too little memory").at_value(&file, "nodes[0].memory").help("raise it");
        let text = d.to_string();
        assert!(text.contains("--> lab.yaml:3:13") && text.contains("field `nodes[0].memory`"), "{text}");
        assert!(text.contains("3 |     memory: 512\n  |             ^^^ field `nodes[0].memory`\n"), "{text}");
        assert!(text.contains("= help: raise it"), "{text}");
    }

    #[test]
    fn the_caret_follows_tabs_and_long_lines_are_cut() {
        let file = SourceFile::parse("lab.yaml".into(), None, "nodes:\n- {name: a,\tmemory: 512}\n".into()).unwrap();
        let text = Diagnostic::new("m").at_value(&file, "nodes[0].memory").to_string();
        let lines: Vec<&str> = text.lines().collect();
        let quoted = lines.iter().find(|l| l.starts_with("2 |")).expect("quoted line");
        let caret = lines.iter().find(|l| l.contains('^')).expect("caret line");
        assert!(!quoted.contains('\t'), "tabs are expanded: {quoted:?}");
        assert_eq!(caret.find('^'), quoted.find("512"), "\n{text}");

        let long = format!("name: a\ndescription: {}\n", "x".repeat(40_000));
        let file = SourceFile::parse("lab.yaml".into(), None, long).unwrap();
        let text = Diagnostic::new("too long").at_value(&file, "description").to_string();
        assert!(text.lines().all(|l| l.chars().count() < 200), "long lines are cut:\n{text}");
        assert!(text.contains("..."), "{text}");
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(did_you_mean("memroy", ["memory", "cpus", "disk"]), Some("memory"));
        assert_eq!(did_you_mean("zzz", ["memory", "cpus"]), None);
    }
}
