//! Errors about a lab file that quote the file at the right line, in the style of rustc, cargo
//! and just:
//!
//! ```text
//! error: node `master1` has 512 MiB of memory, below the 1536 MiB its roles need
//!   --> my-lab.yaml:14:13 (nodes[0].memory)
//!    |
//! 14 |     memory: 512
//!    |             ^^^
//!    = help: set `memory: 1536` or more
//! ```

use std::fmt;

use super::source::{Pos, SourceFile};

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

    /// Point at `pos` in `file`.
    pub fn at(mut self, file: &SourceFile, pos: Pos) -> Self {
        self.file = Some(file.display.clone());
        self.line_text = file.line_text(pos.line).map(str::to_string);
        self.pos = Some(pos);
        self
    }

    /// Point at the value of field `path` in `file` (or its nearest ancestor).
    pub fn at_value(self, file: &SourceFile, path: &str) -> Self {
        let pos = file.nearest_value_pos(path);
        self.located(file, path, pos)
    }

    /// Point at the key of field `path` in `file` (or the value, or the nearest ancestor).
    pub fn at_key(self, file: &SourceFile, path: &str) -> Self {
        let pos = file.key_pos(path).or_else(|| file.nearest_value_pos(path));
        self.located(file, path, pos)
    }

    fn located(mut self, file: &SourceFile, path: &str, pos: Option<Pos>) -> Self {
        self.field = Some(path.to_string()).filter(|p| !p.is_empty());
        match pos {
            Some(pos) => self.at(file, pos),
            None => {
                self.file = Some(file.display.clone());
                self
            }
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let field = self.field.as_deref().map(|p| format!(" (field `{p}`)")).unwrap_or_default();
        match (&self.file, self.pos) {
            (Some(file), Some(pos)) => {
                let gutter = pos.line.to_string().len();
                let pad = " ".repeat(gutter);
                writeln!(f, "{pad}--> {file}:{}:{}{field}", pos.line, pos.col)?;
                if let Some(line) = &self.line_text {
                    writeln!(f, "{pad} |")?;
                    writeln!(f, "{} | {line}", pos.line)?;
                    let start = pos.col.saturating_sub(1);
                    let width = token_width(line, start);
                    writeln!(f, "{pad} | {}{}", " ".repeat(start), "^".repeat(width))?;
                }
                if let Some(help) = &self.help {
                    writeln!(f, "{pad} = help: {help}")?;
                }
            }
            (Some(file), None) => {
                writeln!(f, "  --> {file}{field}")?;
                if let Some(help) = &self.help {
                    writeln!(f, "   = help: {help}")?;
                }
            }
            _ => {
                if let Some(help) = &self.help {
                    writeln!(f, "   = help: {help}")?;
                }
            }
        }
        Ok(())
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

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "\n{n} error{} found", if n == 1 { "" } else { "s" })
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

    #[test]
    fn renders_caret_under_value() {
        let file = SourceFile::parse("lab.yaml".into(), None, "nodes:\n  - name: a\n    memory: 512\n".into()).unwrap();
        let d = Diagnostic::new("too little memory").at_value(&file, "nodes[0].memory").help("raise it");
        let text = d.to_string();
        assert!(text.contains("--> lab.yaml:3:13 (field `nodes[0].memory`)"), "{text}");
        assert!(text.contains("3 |     memory: 512\n  |             ^^^\n"), "{text}");
        assert!(text.contains("= help: raise it"), "{text}");
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(did_you_mean("memroy", ["memory", "cpus", "disk"]), Some("memory"));
        assert_eq!(did_you_mean("zzz", ["memory", "cpus"]), None);
    }
}
