//! An OpenSSH client config for the lab, so users can run plain `ssh <node>`.

use std::path::Path;

use super::SshTarget;

/// Render `Host` blocks for `targets`, one per node, aliased by the node name.
///
/// Host keys are checked strictly against the lab's own known_hosts file, and only the lab's key
/// is offered. OpenSSH looks host keys up by `HostName` (as `[ip]:port` off port 22), so the
/// lab's known_hosts lines must list the address, not only the node name.
pub fn ssh_config_block(targets: &[SshTarget]) -> Result<String, String> {
    let mut out = String::new();
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("Host {}\n", config_word(&target.node)?));
        let options = [
            ("HostName", config_word(&target.host)?),
            ("Port", target.port.to_string()),
            ("User", config_word(&target.user)?),
            ("IdentityFile", config_path(&target.key_path)?),
            ("UserKnownHostsFile", config_path(&target.known_hosts)?),
            ("StrictHostKeyChecking", "yes".into()),
            ("IdentitiesOnly", "yes".into()),
        ];
        for (key, value) in options {
            out.push_str(&format!("    {key} {value}\n"));
        }
    }
    Ok(out)
}

/// ssh_config splits arguments on whitespace but honours double quotes.
/// One value as ssh_config reads it: quoted when it has spaces or `#`. A value OpenSSH cannot
/// read as one word (a control character, a double quote) is refused, never written.
fn config_word(word: &str) -> Result<String, String> {
    if word.chars().any(|c| c.is_control() || c == '"') {
        return Err(format!("`{}` cannot be written into an ssh_config as one value (it holds a control character or a double quote)", word.escape_debug()));
    }
    Ok(if word.is_empty() || word.contains(char::is_whitespace) || word.contains('#') { format!("\"{word}\"") } else { word.to_owned() })
}

fn config_path(path: &Path) -> Result<String, String> {
    config_word(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn target(node: &str, ip: &str) -> SshTarget {
        SshTarget {
            node: node.into(),
            host: ip.into(),
            port: 22,
            user: "root".into(),
            key_path: PathBuf::from("/home/u/my labs/demo/id_ed25519"),
            known_hosts: PathBuf::from("/home/u/labs/demo/known_hosts"),
            host_key_aliases: vec![node.into()],
        }
    }

    #[test]
    fn renders_one_block_per_node() {
        let text = ssh_config_block(&[target("master1", "10.0.0.11"), target("agent1", "10.0.0.21")]).expect("block");
        insta::assert_snapshot!(text, @r#"
        Host master1
            HostName 10.0.0.11
            Port 22
            User root
            IdentityFile "/home/u/my labs/demo/id_ed25519"
            UserKnownHostsFile /home/u/labs/demo/known_hosts
            StrictHostKeyChecking yes
            IdentitiesOnly yes

        Host agent1
            HostName 10.0.0.21
            Port 22
            User root
            IdentityFile "/home/u/my labs/demo/id_ed25519"
            UserKnownHostsFile /home/u/labs/demo/known_hosts
            StrictHostKeyChecking yes
            IdentitiesOnly yes
        "#);
    }

    #[test]
    fn a_value_ssh_config_cannot_hold_is_refused() {
        let mut bad = target("master1", "10.0.0.11");
        bad.key_path = PathBuf::from("/home/u/labs\nProxyCommand touch /tmp/x/id");
        assert!(ssh_config_block(&[bad]).is_err());
        let mut quote = target("master1", "10.0.0.11");
        quote.user = "a\"b".into();
        assert!(ssh_config_block(&[quote]).is_err());
    }
}
