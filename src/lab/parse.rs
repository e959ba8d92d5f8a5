//! From a [`SourceFile`] to a [`LabFile`], collecting every schema error with its location
//! instead of stopping at the first: each top-level section and each node is read on its own.

use serde::de::DeserializeOwned;
use serde_yaml_ng::Value;

use super::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use super::model::LabFile;
use super::source::{SourceFile, join_index, join_key};

/// Read a lab file's fields. All problems are reported together.
pub fn parse_lab_file(file: &SourceFile) -> Result<LabFile, Diagnostics> {
    let mut errors = Vec::new();
    let root: Value = match serde_yaml_ng::from_str(&file.text) {
        Ok(v) => v,
        Err(e) => {
            let mut d = Diagnostic::new(format!("cannot read YAML: {}", strip_location(&e.to_string())));
            if let Some(loc) = e.location() {
                d = d.at(file, super::source::Pos { line: loc.line(), col: loc.column() });
            } else {
                d.file = Some(file.display.clone());
            }
            return Err(d.into());
        }
    };
    let mapping = match root {
        Value::Mapping(m) => m,
        Value::Null => {
            return Err(Diagnostic::new("the lab file is empty")
                .at_value(file, "")
                .help("a lab needs at least `nodes:`; see `mlab schema` or the README for an example")
                .into());
        }
        _ => {
            return Err(Diagnostic::new("a lab file must be a mapping of fields such as `name:` and `nodes:`").at_value(file, "").into());
        }
    };

    let known = top_level_fields();
    let mut lab = LabFile::default();
    for (key, value) in mapping {
        let Some(key) = key.as_str().map(str::to_string) else {
            errors.push(Diagnostic::new("field names must be plain text").at_value(file, ""));
            continue;
        };
        let path = key.clone();
        match key.as_str() {
            "name" => lab.name = read(file, value, &path, &mut errors),
            "description" => lab.description = read(file, value, &path, &mut errors),
            "extends" => lab.extends = read(file, value, &path, &mut errors),
            "box" => lab.box_name = read(file, value, &path, &mut errors),
            "provider" => lab.provider = read(file, value, &path, &mut errors),
            "network" => lab.network = read(file, value, &path, &mut errors).unwrap_or_default(),
            "defaults" => lab.defaults = read(file, value, &path, &mut errors).unwrap_or_default(),
            "settings" => lab.settings = read(file, value, &path, &mut errors).unwrap_or_default(),
            "artifacts" => lab.artifacts = read(file, value, &path, &mut errors).unwrap_or_default(),
            "nodes" => match value {
                Value::Sequence(items) => {
                    for (i, item) in items.into_iter().enumerate() {
                        if let Some(node) = read(file, item, &join_index(&path, i), &mut errors) {
                            lab.nodes.push(node);
                        }
                    }
                }
                Value::Null => {}
                _ => errors.push(Diagnostic::new("`nodes` must be a list").at_value(file, &path).help("write each node as a list item: `- name: master1`")),
            },
            other => errors.push(unknown_field(file, "", other, known.iter().map(String::as_str))),
        }
    }
    if errors.is_empty() { Ok(lab) } else { Err(Diagnostics(errors)) }
}

/// The top-level fields of the format, taken from its JSON Schema so the two cannot drift.
fn top_level_fields() -> Vec<String> {
    let schema = schemars::schema_for!(LabFile);
    schema.get("properties").and_then(|p| p.as_object()).map(|props| props.keys().cloned().collect()).unwrap_or_default()
}

/// Deserialize `value` (found at `path`) into `T`, turning a failure into a located diagnostic.
fn read<T: DeserializeOwned>(file: &SourceFile, value: Value, path: &str, errors: &mut Vec<Diagnostic>) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(err) => {
            let inner = err.path().to_string();
            let full = if inner == "." { path.to_string() } else { join_serde_path(path, &inner) };
            errors.push(from_serde_message(file, &full, &err.inner().to_string()));
            None
        }
    }
}

/// `nodes[0]` + `roles[1]` = `nodes[0].roles[1]`; serde_path_to_error writes `?` for map keys
/// it cannot name.
fn join_serde_path(parent: &str, inner: &str) -> String {
    if inner.starts_with('[') { format!("{parent}{inner}") } else { join_key(parent, inner) }
}

/// Turn serde's messages into ones that name the field and say what to do.
fn from_serde_message(file: &SourceFile, path: &str, message: &str) -> Diagnostic {
    let message = strip_location(message);
    if let Some((field, expected)) = parse_unknown(&message, "unknown field `") {
        // serde_path_to_error's path already ends with the unknown field's name.
        let parent = path.strip_suffix(&field).map(|p| p.trim_end_matches('.')).unwrap_or(path);
        return unknown_field(file, parent, &field, expected.iter().map(String::as_str));
    }
    if let Some((value, expected)) = parse_unknown(&message, "unknown variant `") {
        let what = if path.contains("roles") { "role" } else { "value" };
        let hint = did_you_mean(&value, expected.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
        return Diagnostic::new(format!("unknown {what} `{value}`")).at_value(file, path).help(format!("{hint}expected one of: {}", expected.join(", ")));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return Diagnostic::new(format!("missing field `{field}`")).at_value(file, path).help(format!("add `{field}:` here"));
    }
    if let Some((found, expected)) = parse_invalid_type(&message) {
        return Diagnostic::new(format!("`{}` must be {}, not {}", last_segment(path), expected_in_words(&expected), found_in_words(&found)))
            .at_value(file, path)
            .help("see `mlab schema` for every field, or the README's lab file example");
    }
    Diagnostic::new(format!("invalid `{}`: {message}", last_segment(path))).at_value(file, path)
}

/// serde's "invalid type: integer `5`, expected struct NetworkSection" as (found, expected).
fn parse_invalid_type(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("invalid type: ")?;
    let (found, expected) = rest.split_once(", expected ")?;
    Some((found.to_string(), expected.to_string()))
}

/// What serde expected, as the lab format's user knows it: a struct is a mapping with the
/// fields its JSON Schema lists, an integer type a whole number, and so on.
fn expected_in_words(expected: &str) -> String {
    if let Some(name) = expected.strip_prefix("struct ") {
        let schema = super::json_schema();
        let fields: Vec<String> = schema
            .get("$defs")
            .and_then(|d| d.get(name))
            .and_then(|d| d.get("properties"))
            .and_then(|p| p.as_object())
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default();
        return if fields.is_empty() { "a mapping".into() } else { format!("a mapping with fields {}", fields.join(", ")) };
    }
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" => "text".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" | "map" => "a mapping".into(),
        other => other.into(),
    }
}

/// What the file had instead, in the same words.
fn found_in_words(found: &str) -> String {
    let replaced = [("integer ", "the number "), ("floating point ", "the number "), ("string ", "the text "), ("boolean ", "")]
        .iter()
        .find_map(|(serde, words)| found.strip_prefix(serde).map(|v| format!("{words}{v}")));
    replaced.unwrap_or_else(|| match found {
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        "unit value" => "an empty value".into(),
        other => other.into(),
    })
}

/// A field that the format does not have, with a suggestion.
fn unknown_field<'a>(file: &SourceFile, parent: &str, field: &str, known: impl IntoIterator<Item = &'a str>) -> Diagnostic {
    let known: Vec<&str> = known.into_iter().collect();
    let help = match did_you_mean(field, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("known fields here: {}", known.join(", ")),
    };
    let place = if parent.is_empty() { String::new() } else { format!(" in `{parent}`") };
    Diagnostic::new(format!("unknown field `{field}`{place}")).at_key(file, &join_key(parent, field)).help(help)
}

/// Parse serde's "unknown X `name`, expected one of `a`, `b`" into (name, [a, b]).
fn parse_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    let (name, tail) = rest.split_once('`')?;
    let expected = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((name.to_string(), expected))
}

fn last_segment(path: &str) -> &str {
    path.rsplit(['.']).next().unwrap_or(path)
}

/// serde_yaml appends " at line L column C"; the diagnostic shows the location itself.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn type_errors_speak_the_format_not_rust() {
        let file = super::SourceFile::parse("lab.yaml".into(), None, "network: 5\nnodes:\n  - name: a\n    cpus: many\n".into()).unwrap();
        let err = super::parse_lab_file(&file).unwrap_err().to_string();
        assert!(err.contains("`network` must be a mapping with fields any_range, cidr, domain, mode, not the number `5`"), "{err}");
        assert!(err.contains("`cpus` must be a whole number, not the text \"many\""), "{err}");
        assert!(!err.contains("struct") && !err.contains("u32"), "{err}");
    }

    use super::*;

    fn parse(text: &str) -> Result<LabFile, Diagnostics> {
        let f = SourceFile::parse("lab.yaml".into(), None, text.into()).map_err(Diagnostics::from)?;
        parse_lab_file(&f)
    }

    #[test]
    fn reports_every_schema_error_with_location() {
        let err = parse("nme: x\nnodes:\n  - name: a\n    memroy: 1G\n  - name: b\n    roles: [mesos-mastr]\n").unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 3, "{text}");
        assert!(text.contains("unknown field `nme`") && text.contains("did you mean `name`?"), "{text}");
        assert!(text.contains("unknown field `memroy` in `nodes[0]`"), "{text}");
        assert!(text.contains("lab.yaml:4:5"), "{text}");
        assert!(text.contains("unknown role `mesos-mastr`") && text.contains("did you mean `mesos-master`?"), "{text}");
        assert!(text.contains("lab.yaml:6:13"), "{text}");
    }

    #[test]
    fn top_level_fields_come_from_schema() {
        let fields = top_level_fields();
        for f in ["name", "box", "nodes", "network", "extends", "artifacts", "settings", "defaults", "description"] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        let text = parse("nodes:\n  - name: a\n    cpus: many\n").unwrap_err().to_string();
        assert!(text.contains("`cpus` must be a whole number"), "{text}");
        assert!(text.contains("lab.yaml:3:11"), "{text}");
    }
}
