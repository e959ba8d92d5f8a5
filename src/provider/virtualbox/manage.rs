//! Running `VBoxManage`, reading its `--machinereadable` output, and telling its failures apart.
//!
//! VBoxManage reports an API failure on stderr as lines starting `VBoxManage: error:`, one of
//! them `Details: code VBOX_E_... (0x...)`, and exits 1; a syntax error exits 2. Those codes,
//! not the prose, say what happened. A machine whose session is locked (another VBoxManage or
//! the VM process still holds it, typically just after a power-off) is retried a few times, as
//! Vagrant's driver does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::provider::ProviderError;

/// `VBOX_E_OBJECT_NOT_FOUND`: no such VM, medium or interface.
pub const NOT_FOUND: &str = "VBOX_E_OBJECT_NOT_FOUND";
/// `VBOX_E_INVALID_OBJECT_STATE`: among others, a session already locked.
pub const INVALID_STATE: &str = "VBOX_E_INVALID_OBJECT_STATE";

const LOCK_RETRIES: u32 = 5;
const LOCK_RETRY_WAIT: Duration = Duration::from_secs(1);

/// A failed VBoxManage call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VBoxFailure {
    /// The `VBOX_E_...`/`NS_ERROR_...` code, if VBoxManage printed one.
    pub code: Option<String>,
    /// The first error line, without the `VBoxManage: error:` prefix.
    pub message: String,
    pub status: i32,
}

impl VBoxFailure {
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    fn is_locked(&self) -> bool {
        self.is(INVALID_STATE) && self.message.contains("locked")
    }

    /// Read VBoxManage's stderr.
    pub fn parse(status: i32, stderr: &str) -> VBoxFailure {
        let errors: Vec<&str> = stderr.lines().filter_map(|l| l.trim().strip_prefix("VBoxManage: error:").map(str::trim)).collect();
        let code = errors.iter().find_map(|l| l.strip_prefix("Details: code ")).and_then(|rest| rest.split_whitespace().next()).map(str::to_string);
        let message = errors
            .iter()
            .find(|l| !l.starts_with("Details:") && !l.starts_with("Context:"))
            .map(|l| l.to_string())
            .unwrap_or_else(|| stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string());
        VBoxFailure { code, message, status }
    }
}

/// The VBoxManage program mlab drives.
#[derive(Debug, Clone)]
pub struct VBoxManage {
    pub program: PathBuf,
}

impl VBoxManage {
    /// `$MLAB_VBOXMANAGE`, else `VBoxManage` on PATH.
    pub fn from_env() -> VBoxManage {
        let program = std::env::var_os("MLAB_VBOXMANAGE").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("VBoxManage"));
        VBoxManage { program }
    }

    /// Run `VBoxManage ARGS`; its stdout, or how it failed. A locked session is retried.
    pub async fn try_run(&self, args: &[&str]) -> Result<Result<String, VBoxFailure>, ProviderError> {
        let mut attempt = 0;
        loop {
            let output = tokio::process::Command::new(&self.program)
                .args(args)
                // Messages in English, as parsed here.
                .env("LC_ALL", "C")
                .kill_on_drop(true)
                .output()
                .await
                .map_err(|e| {
                    ProviderError::Unsupported(format!(
                        "cannot run {} ({e}); install VirtualBox 6.1.28 or later, or set MLAB_VBOXMANAGE",
                        self.program.display()
                    ))
                })?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            if output.status.success() && !stderr.contains("VBoxManage: error:") {
                return Ok(Ok(String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n")));
            }
            let failure = VBoxFailure::parse(output.status.code().unwrap_or(-1), &stderr);
            tracing::debug!(?args, ?failure, "VBoxManage failed");
            if failure.is_locked() && attempt < LOCK_RETRIES {
                attempt += 1;
                tokio::time::sleep(LOCK_RETRY_WAIT).await;
                continue;
            }
            return Ok(Err(failure));
        }
    }

    /// Run `VBoxManage ARGS`, any failure being an error about doing `action` to `object`.
    pub async fn run(&self, action: &'static str, object: &str, args: &[&str]) -> Result<String, ProviderError> {
        self.try_run(args).await?.map_err(|f| backend(action, object, &f))
    }
}

pub fn backend(action: &'static str, object: &str, failure: &VBoxFailure) -> ProviderError {
    let code = failure.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    ProviderError::Backend { action, object: object.to_string(), reason: format!("VBoxManage: {}{code}", failure.message) }
}

/// `key="value"` lines of `--machinereadable` output (keys may be quoted too, values may
/// contain `\"` and `\\`); lines of another shape are skipped.
pub fn machine_readable(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim().trim_matches('"');
        let value = value.trim();
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
            None => value.to_string(),
        };
        out.insert(key.to_string(), value);
    }
    out
}

/// The blocks of `list hostonlyifs` (and other `list` commands): `Key:   value` lines, blocks
/// separated by blank lines.
pub fn list_blocks(text: &str) -> Vec<BTreeMap<String, String>> {
    text.split("\n\n")
        .map(|block| block.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect::<BTreeMap<_, _>>())
        .filter(|b| !b.is_empty())
        .collect()
}

/// `"name" {uuid}` lines of `list vms`.
pub fn vm_names(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.strip_prefix('"')?.rsplit_once("\" {").map(|(name, _)| name.to_string())).collect()
}

/// The version `VBoxManage --version` printed (`7.0.14r161095`, `6.1.50_Debianr161033`) as
/// (major, minor, patch).
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let core: String = text.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_told_apart_by_their_code() {
        let stderr = "VBoxManage: error: Could not find a registered machine named 'mlab-demo-master1'\n\
VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports\n\
VBoxManage: error: Context: \"FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())\" at line 2621 of file VBoxManageInfo.cpp\n";
        let f = VBoxFailure::parse(1, stderr);
        assert!(f.is(NOT_FOUND));
        assert_eq!(f.message, "Could not find a registered machine named 'mlab-demo-master1'");
        let locked = VBoxFailure::parse(
            1,
            "VBoxManage: error: The machine 'x' is already locked for a session (or being unlocked)\nVBoxManage: error: Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine\n",
        );
        assert!(locked.is_locked());
        assert_eq!(VBoxFailure::parse(2, "Syntax error: Unknown option: --bogus\n").message, "Syntax error: Unknown option: --bogus");
    }

    #[test]
    fn machine_readable_output_and_listings_parse() {
        let info = machine_readable("name=\"mlab-demo-master1\"\nVMState=\"poweroff\"\n\"SATA-0-0\"=\"/home/u/a \\\"b\\\".vdi\"\ncpus=2\n");
        assert_eq!(info["VMState"], "poweroff");
        assert_eq!(info["SATA-0-0"], "/home/u/a \"b\".vdi");
        assert_eq!(info["cpus"], "2");
        let ifs = list_blocks("Name:            vboxnet0\nIPAddress:       192.168.56.1\n\nName:            vboxnet1\nIPAddress:       192.168.57.1\n");
        assert_eq!(ifs.len(), 2);
        assert_eq!(ifs[1]["IPAddress"], "192.168.57.1");
        assert_eq!(vm_names("\"mlab-demo-master1\" {0b1e...}\n\"my vm\" {1234}\n"), ["mlab-demo-master1", "my vm"]);
        assert_eq!(parse_version("7.0.14r161095\n"), Some((7, 0, 14)));
        assert_eq!(parse_version("6.1.50_Debianr161033"), Some((6, 1, 50)));
        assert_eq!(parse_version("garbage"), None);
    }
}
