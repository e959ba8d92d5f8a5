//! Quoting an argv for the remote shell.
//!
//! SSH carries a command as one string that the remote user's shell parses, so each word must be
//! quoted for a POSIX shell — the same thing `ssh host -- a b` users do by hand and
//! `kubectl exec` avoids needing.

/// Quote each word for a POSIX shell and join them with spaces, so the remote shell sees exactly
/// these words: `["sh", "-c", "exit 7"]` becomes `sh -c 'exit 7'`.
///
/// Words made only of characters no shell treats specially are left bare for readability;
/// everything else is single-quoted (inside single quotes nothing is special except the quote
/// itself, written as `'\''`). An empty word becomes `''`.
pub fn shell_quote(args: &[String]) -> String {
    args.iter().map(|word| quote_word(word)).collect::<Vec<_>>().join(" ")
}

/// A word no POSIX shell treats specially: letters, digits and `_@%+=:,./-` only (systemd's
/// environment files and command lines read it as it is, too).
pub fn is_plain_word(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
}

fn quote_word(word: &str) -> String {
    if is_plain_word(word) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn readable_output_for_common_cases() {
        assert_eq!(shell_quote(&words(&["sh", "-c", "exit 7"])), "sh -c 'exit 7'");
        assert_eq!(shell_quote(&words(&["echo", "it's"])), r"echo 'it'\''s'");
        assert_eq!(shell_quote(&words(&["", "a=b", "/x/y.z"])), "'' a=b /x/y.z");
        assert_eq!(shell_quote(&words(&["$HOME", "*", "~"])), "'$HOME' '*' '~'");
    }

    /// Run the quoted line through a real `sh` and return the words it printed, one per line.
    fn round_trip_through_sh(args: &[String]) -> Vec<String> {
        let script = format!("printf '%s\\n' {}", shell_quote(args));
        let output = std::process::Command::new("sh").arg("-c").arg(&script).output().expect("sh runs");
        assert!(output.status.success(), "sh failed on {script:?}: {output:?}");
        let text = String::from_utf8(output.stdout).expect("utf8 back");
        // Split on '\n' only: `str::lines` would also eat a '\r' that ends a word.
        let text = text.strip_suffix('\n').unwrap_or(&text);
        text.split('\n').map(str::to_owned).collect()
    }

    #[test]
    fn control_and_non_ascii_words_round_trip() {
        let args = words(&["\r", "a\tb", "é ü", "\\", "-n"]);
        assert_eq!(round_trip_through_sh(&args), args);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        // Words without newlines (printf '%s\n' separates words by newline) and without NUL
        // (no C string, so no shell, can hold it). Everything else, including quotes, `$`,
        // backslashes, globs, spaces, tabs and non-ASCII, must survive unchanged.
        #[test]
        fn words_survive_a_posix_shell(args in prop::collection::vec("[^\n\u{0}]{0,12}", 1..6)) {
            prop_assert_eq!(round_trip_through_sh(&args), args);
        }

        #[test]
        fn shell_metacharacters_survive(args in prop::collection::vec(r#"[ '"$`\\*?~#;&|<>(){}\[\]!a-z=-]{0,10}"#, 1..6)) {
            prop_assert_eq!(round_trip_through_sh(&args), args);
        }
    }
}
