//! Lab file text with a map from field paths (`nodes[2].memory`) to their line and column,
//! so that every error, including those found long after parsing, can quote the user's file.

use std::collections::HashMap;
use std::path::PathBuf;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::diagnostic::Diagnostic;
pub use super::diagnostic::Pos;

/// Pointing a diagnostic into a source file. Here rather than in `diagnostic.rs`, so that
/// diagnostics know nothing of how a file is read (this module depends on them, not both ways).
impl Diagnostic {
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
}

/// The first character YAML text cannot hold (C0 controls but tab, newline and carriage return;
/// DEL; C1 controls), as its 1-based line and column.
fn control_character(text: &str) -> Option<(usize, usize, char)> {
    for (n, line) in text.split('\n').enumerate() {
        for (col, c) in line.chars().enumerate() {
            let allowed = matches!(c, '\t' | '\r') || !(c.is_control());
            if !allowed {
                return Some((n + 1, col + 1, c));
            }
        }
    }
    None
}

/// Where a field sits: its key (for mapping entries) and its value.
#[derive(Debug, Clone, Copy)]
struct Span {
    key: Option<Pos>,
    value: Pos,
}

/// One lab file: where it came from, its text, and the position of every field.
#[derive(Debug)]
pub struct SourceFile {
    /// What errors call the file: a path as the user gave it, or `builtin:NAME`.
    pub display: String,
    /// The file on disk, if it is one (built-in labs are embedded).
    pub path: Option<PathBuf>,
    pub text: String,
    spans: HashMap<String, Span>,
}

impl SourceFile {
    /// Parse `text` for positions. A YAML syntax error becomes a diagnostic at its position.
    pub fn parse(display: String, path: Option<PathBuf>, text: String) -> Result<SourceFile, Diagnostic> {
        // A UTF-8 byte-order mark (what Windows Notepad writes) is no content.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        if let Some((line, col, c)) = control_character(&text) {
            let file = SourceFile { display, path, text, spans: HashMap::new() };
            return Err(Diagnostic::new(format!(
                "the file holds a control character (U+{:04X}) at line {line}, column {col}, which YAML text cannot hold",
                c as u32
            ))
            .at(&file, Pos { line, col })
            .help("remove it: a lab file is plain text (an editor's \"show invisible characters\" finds it)"));
        }
        let mut builder = SpanBuilder::default();
        let mut parser = Parser::new_from_str(&text);
        let mut file = SourceFile { display, path, text: String::new(), spans: HashMap::new() };
        if let Err(err) = parser.load(&mut builder, true) {
            // Markers are 1-based lines and 0-based columns.
            let pos = Pos { line: err.marker().line(), col: err.marker().col() + 1 };
            file.text = text;
            return Err(Diagnostic::new(format!("YAML syntax error: {}", err.info()))
                .at(&file, pos)
                .help("fix the YAML syntax at this place (indentation, a missing `:` or an unclosed quote or bracket)"));
        }
        file.text = text;
        if let Some((what, pos)) = builder.refused.take() {
            return Err(Diagnostic::new(format!("{what} is YAML that mlab does not read")).at(&file, pos).help(match what.starts_with("the merge key") {
                true => "write the fields out in this entry (or use `extends:` to build on another lab)",
                false => "remove the tag: lab files use plain values (`extends: single-node`, not `!include`)",
            }));
        }
        if let Some(pos) = builder.second_document {
            return Err(Diagnostic::new("the file holds more than one YAML document")
                .at(&file, pos)
                .help("a lab file is one document: remove this `---` and what follows, or move it into a file of its own"));
        }
        if let Some((path, pos)) = builder.duplicate {
            let first = builder.spans.get(&path).map(|s| s.key.unwrap_or(s.value).line);
            let also = first.map(|l| format!(" (first on line {l})")).unwrap_or_default();
            let mut d = Diagnostic::new(format!("`{path}` is given twice{also}")).at(&file, pos);
            d.field = Some(path);
            return Err(d.help("keep one of them; YAML does not merge repeated keys"));
        }
        file.spans = builder.spans;
        Ok(file)
    }

    /// Position of a field's value, e.g. `nodes[1].ip`.
    pub fn value_pos(&self, path: &str) -> Option<Pos> {
        self.spans.get(path).map(|s| s.value)
    }

    /// Position of a field's key if it has one (mapping entries), else of its value.
    pub fn key_pos(&self, path: &str) -> Option<Pos> {
        self.spans.get(path).map(|s| s.key.unwrap_or(s.value))
    }

    /// The text of line `line` (1-based), without its newline.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        self.text.lines().nth(line.checked_sub(1)?)
    }

    /// The value position of `path`, or of the closest ancestor that has one.
    pub fn nearest_value_pos(&self, path: &str) -> Option<Pos> {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.value_pos(&p) {
                return Some(pos);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }
}

/// Joins a parent path and a mapping key: `nodes[0]` + `memory` = `nodes[0].memory`.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// Joins a parent path and a sequence index: `nodes` + 2 = `nodes[2]`.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

enum Frame {
    Mapping { path: String, key: Option<String>, seen: Vec<String> },
    Sequence { path: String, index: usize },
}

#[derive(Default)]
struct SpanBuilder {
    stack: Vec<Frame>,
    spans: HashMap<String, Span>,
    pending_key_pos: Option<Pos>,
    /// The first key given twice in one mapping: its path and where it is repeated.
    duplicate: Option<(String, Pos)>,
    documents: usize,
    /// Where a second YAML document starts.
    second_document: Option<Pos>,
    /// The first YAML feature mlab refuses rather than drop in silence (a tag, a merge key).
    refused: Option<(String, Pos)>,
}

impl SpanBuilder {
    /// The path of the value about to start, or `None` when the next scalar is a mapping key.
    fn next_value_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Mapping { key: None, .. }) => None,
            Some(Frame::Mapping { path, key: Some(k), .. }) => Some(join_key(path, k)),
            Some(Frame::Sequence { path, index }) => Some(join_index(path, *index)),
        }
    }

    /// A value at the current position is complete: move the parent on.
    fn value_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Mapping { key, .. }) => *key = None,
            Some(Frame::Sequence { index, .. }) => *index += 1,
            None => {}
        }
    }

    fn record(&mut self, path: &str, pos: Pos) {
        let key = self.pending_key_pos.take();
        self.spans.entry(path.to_string()).or_insert(Span { key, value: pos });
    }
}

impl MarkedEventReceiver for SpanBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = Pos { line: mark.line(), col: mark.col() + 1 };
        if self.refused.is_none() {
            let tag = match &event {
                Event::Scalar(_, _, _, tag) | Event::MappingStart(_, tag) | Event::SequenceStart(_, tag) => tag.as_ref(),
                _ => None,
            };
            if let Some(tag) = tag {
                self.refused = Some((format!("the tag `{}{}`", tag.handle, tag.suffix), pos));
            } else if matches!(&event, Event::Scalar(text, TScalarStyle::Plain, ..) if text == "<<") && self.next_value_path().is_none() {
                self.refused = Some(("the merge key `<<`".to_string(), pos));
            }
        }
        match event {
            Event::Scalar(text, ..) => match self.next_value_path() {
                None => {
                    if let Some(Frame::Mapping { key, seen, path }) = self.stack.last_mut() {
                        if seen.contains(&text) {
                            if self.duplicate.is_none() {
                                self.duplicate = Some((join_key(path, &text), pos));
                            }
                        } else {
                            seen.push(text.clone());
                        }
                        *key = Some(text);
                    }
                    self.pending_key_pos = Some(pos);
                }
                Some(path) => {
                    self.record(&path, pos);
                    self.value_done();
                }
            },
            Event::Alias(_) => {
                if let Some(path) = self.next_value_path() {
                    self.record(&path, pos);
                    self.value_done();
                } else if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                    // An alias used as a key: give it a name no field has.
                    *key = Some("<alias>".into());
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A collection used as a mapping key is legal YAML but never a lab field.
                let path = self.next_value_path().unwrap_or_else(|| "<complex key>".into());
                self.record(&path, pos);
                self.stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping { path, key: None, seen: Vec::new() }
                } else {
                    Frame::Sequence { path, index: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(pos);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Diagnostic {
        SourceFile::parse("lab.yaml".into(), None, text.into()).expect_err("refused")
    }

    #[test]
    fn a_byte_order_mark_is_no_content() {
        let file = SourceFile::parse("lab.yaml".into(), None, "\u{feff}name: a\nnodes: []\n".into()).expect("a BOM is accepted");
        assert_eq!(file.value_pos("name"), Some(Pos { line: 1, col: 7 }));
        assert!(file.text.starts_with("name:"));
    }

    #[test]
    fn a_control_character_is_reported_where_it_is() {
        let d = refused("name: a\nnodes:\n  - name: b\n    roles: [x\0]\n");
        assert_eq!(d.pos, Some(Pos { line: 4, col: 14 }), "{d}");
        assert!(d.message.contains("U+0000"), "{d}");
        let d = refused("name: a\u{1b}[31m\n");
        assert_eq!(d.pos, Some(Pos { line: 1, col: 8 }), "{d}");
    }

    #[test]
    fn tags_and_merge_keys_are_refused_not_dropped() {
        let d = refused("name: a\nextends: !include single-node\n");
        assert_eq!(d.pos.map(|p| p.line), Some(2), "{d}");
        assert!(d.message.contains("`!include`"), "{d}");
        let d = refused("base: &b {cpus: 2}\nnodes:\n  - name: a\n    <<: *b\n");
        assert_eq!(d.pos.map(|p| p.line), Some(4), "{d}");
        assert!(d.message.contains("merge key"), "{d}");
        // A quoted `<<` is a plain key (then refused as an unknown field elsewhere), and plain
        // values that merely look like tags are not tags.
        assert!(SourceFile::parse("lab.yaml".into(), None, "\"<<\": 1\nname: '!x'\n".into()).is_ok());
    }

    #[test]
    fn maps_nested_fields_to_lines() {
        let text = "name: x\nnetwork:\n  cidr: 10.0.0.0/24\nnodes:\n  - name: a\n    memory: 512\n  - {name: b, cpus: 2}\n";
        let f = SourceFile::parse("t.yaml".into(), None, text.into()).unwrap();
        assert_eq!(f.value_pos("name"), Some(Pos { line: 1, col: 7 }));
        assert_eq!(f.key_pos("network.cidr"), Some(Pos { line: 3, col: 3 }));
        assert_eq!(f.value_pos("network.cidr"), Some(Pos { line: 3, col: 9 }));
        assert_eq!(f.key_pos("nodes[0].memory"), Some(Pos { line: 6, col: 5 }));
        assert_eq!(f.value_pos("nodes[1].cpus").map(|p| p.line), Some(7));
        assert_eq!(f.nearest_value_pos("nodes[1].cpus.deeper").map(|p| p.line), Some(7));
    }

    #[test]
    fn a_repeated_key_is_reported_where_it_repeats() {
        let text = "nodes:\n  - name: a\nnetwork:\n  cidr: 10.0.0.0/24\nnetwork:\n  cidr: 10.1.0.0/24\n";
        let err = SourceFile::parse("t.yaml".into(), None, text.into()).unwrap_err();
        assert_eq!(err.pos, Some(Pos { line: 5, col: 1 }), "{err}");
        assert!(err.message.contains("`network` is given twice (first on line 3)"), "{err}");
        let nested = SourceFile::parse("t.yaml".into(), None, "nodes:\n  - name: a\n    cpus: 1\n    cpus: 2\n".into()).unwrap_err();
        assert_eq!(nested.pos.map(|p| p.line), Some(4));
        assert_eq!(nested.field.as_deref(), Some("nodes[0].cpus"));
        // The same key in two different mappings is fine.
        assert!(SourceFile::parse("t.yaml".into(), None, "nodes:\n  - name: a\n  - name: b\n".into()).is_ok());
    }

    #[test]
    fn a_second_document_is_reported_at_its_start() {
        let err = SourceFile::parse("t.yaml".into(), None, "nodes: []\n---\nnodes: []\n".into()).unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(2), "{err}");
        assert!(SourceFile::parse("t.yaml".into(), None, "---\nnodes: []\n".into()).is_ok(), "one document with a leading ---");
    }

    #[test]
    fn syntax_error_has_position() {
        let err = SourceFile::parse("t.yaml".into(), None, "a: [1, 2\nb: 3\n".into()).unwrap_err();
        assert!(err.pos.is_some(), "{err:?}");
        assert!(err.to_string().contains("t.yaml:"), "{err}");
    }
}
