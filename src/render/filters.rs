//! The escaping filters of the provisioner templates: one per context a value can land in, so
//! a template says where a value goes and the filter makes it mean exactly its text there.
//!
//! - `shell_quote`: a word of a POSIX shell script.
//! - `env_value`: the value of a `KEY=VALUE` line in an environment file read by systemd's
//!   `EnvironmentFile=` (and by a shell's `.`): the two agree on what is written here.
//! - `systemd_arg`: one argument of a systemd `ExecStart=` line (`%` specifiers and `$`
//!   expansion escaped).
//! - `tojson` (minijinja's own): a JSON value.
//! - HTML: templates ending in `.html` are auto-escaped.
//!
//! Values with control characters are refused in line-based formats rather than escaped: a
//! newline has no safe spelling there, and lab values never need one (validation refuses them
//! first; this is the second line of defence).

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

use crate::ssh::is_plain_word;

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("shell_quote", |v: &Value| text_of("shell_quote", v).and_then(shell_quote));
    env.add_filter("env_value", |v: &Value| text_of("env_value", v).and_then(env_value));
    env.add_filter("systemd_arg", |v: &Value| text_of("systemd_arg", v).and_then(systemd_arg));
}

/// A string, number or boolean as its text; anything else (a missing value, a list) is a
/// template bug, not something to print.
fn text_of(filter: &str, value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(value.as_str().unwrap_or_default().to_string()),
        ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
        kind => Err(Error::new(ErrorKind::InvalidOperation, format!("{filter} takes a string or a number, not {kind}"))),
    }
}

/// One word for POSIX sh, quoted as mlab quotes every remote command (`ssh::shell_quote`).
pub fn shell_quote(value: String) -> Result<String, Error> {
    if value.contains('\0') {
        return Err(refused("shell_quote", &value, "a NUL byte"));
    }
    Ok(crate::ssh::shell_quote(&[value]))
}

/// An environment file value: plain values as they are, anything else double-quoted with
/// `\`, `"`, `$` and `` ` `` backslash-escaped (the escapes systemd and sh both undo there).
pub fn env_value(value: String) -> Result<String, Error> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(refused("env_value", &value, &format!("the control character {c:?}")));
    }
    if is_plain_word(&value) {
        return Ok(value);
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// One `ExecStart=` argument: `%` doubled (specifiers), `$` doubled (variable expansion),
/// and, unless plain, double-quoted with `\` and `"` escaped.
pub fn systemd_arg(value: String) -> Result<String, Error> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(refused("systemd_arg", &value, &format!("the control character {c:?}")));
    }
    let expanded = value.replace('%', "%%").replace('$', "$$");
    if is_plain_word(&value.replace('$', "")) {
        return Ok(expanded);
    }
    Ok(format!("\"{}\"", expanded.replace('\\', r"\\").replace('"', "\\\"")))
}

fn refused(filter: &str, value: &str, what: &str) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{filter}: `{}` contains {what}, which has no safe form here", value.escape_debug()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What sh makes of `word`: run `printf %s WORD`.
    fn sh_reads(assignment: &str, var: &str) -> String {
        let out = std::process::Command::new("sh").arg("-c").arg(format!("{assignment}\nprintf %s \"${var}\"")).output().expect("sh");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    const HOSTILE: &[&str] = &["plain", "it's", "a \"b\" c", "$(touch /tmp/mlab-pwned)", "`id`", "back\\slash", "100%", "semi;colon & amp", "ünï", ""];

    #[test]
    fn shell_quote_round_trips_through_sh() {
        for v in HOSTILE {
            assert_eq!(sh_reads(&format!("x={}", shell_quote(v.to_string()).unwrap()), "x"), *v);
        }
        assert!(shell_quote("a\0b".into()).is_err());
    }

    #[test]
    fn env_values_read_back_verbatim() {
        for v in HOSTILE {
            let line = env_value(v.to_string()).unwrap();
            assert_eq!(sh_reads(&format!("X={line}"), "X"), *v, "{line}");
        }
        assert_eq!(env_value("mini-cluster".into()).unwrap(), "mini-cluster", "plain values stay readable");
        for bad in ["a\nLD_PRELOAD=/tmp/x.so", "tab\there", "cr\r"] {
            let err = env_value(bad.into()).unwrap_err().to_string();
            assert!(err.contains("control character"), "{err}");
        }
    }

    #[test]
    fn systemd_args_escape_specifiers_and_variables() {
        assert_eq!(systemd_arg("/opt/chronos/chronos.jar".into()).unwrap(), "/opt/chronos/chronos.jar");
        assert_eq!(systemd_arg("100%".into()).unwrap(), "100%%");
        assert_eq!(systemd_arg("$HOME".into()).unwrap(), "$$HOME");
        assert_eq!(systemd_arg("a \"b\"".into()).unwrap(), r#""a \"b\"""#);
        assert!(systemd_arg("a\nb".into()).is_err());
    }
}
