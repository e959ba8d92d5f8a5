//! The host programs boxes are made with (qemu-img, debootstrap, mkfs.ext4), run as child
//! processes with their output captured so a failure can say what the program said.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use tracing::debug;

use super::error::{BoxError, Result};

/// Find `program` on `$PATH` (plus the sbin directories, which a non-login root shell may lack).
pub fn require(program: &str, package: &str) -> Result<PathBuf> {
    crate::check::find_program(program).ok_or_else(|| BoxError::MissingTool { program: program.to_string(), package: package.to_string() })
}

/// Run a command to completion; on failure, the error carries the tail of its output.
pub fn run(mut command: Command) -> Result<String> {
    let shown = format!("{command:?}");
    debug!(command = %shown, "running");
    let output = command.stdin(Stdio::null()).output().map_err(|e| BoxError::Command {
        command: shown.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(BoxError::Command { command: shown, status: output.status.to_string(), output: tail(&format!("{stdout}{stderr}"), 25) })
}

/// The last `lines` lines of `text`, for error messages that stay readable.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What `qemu-img info --output=json` says about an image (the fields mlab needs).
#[derive(Debug, Deserialize)]
pub struct ImageInfo {
    pub format: String,
    #[serde(rename = "virtual-size")]
    pub virtual_size: u64,
    #[serde(rename = "backing-filename", default)]
    pub backing_filename: Option<String>,
}

pub fn qemu_img_info(path: &Path) -> Result<ImageInfo> {
    let qemu_img = require("qemu-img", "qemu-utils")?;
    let mut command = Command::new(qemu_img);
    command.args(["info", "--output=json"]).arg(path);
    let json = run(command)?;
    serde_json::from_str(&json).map_err(|e| BoxError::QemuImgInfo { path: path.to_path_buf(), message: e.to_string() })
}

/// Convert any image qemu-img reads into a standalone qcow2.
pub fn convert_to_qcow2(input: &Path, input_format: &str, output: &Path) -> Result<()> {
    let qemu_img = require("qemu-img", "qemu-utils")?;
    let mut command = Command::new(qemu_img);
    command.args(["convert", "-f", input_format, "-O", "qcow2"]).arg(input).arg(output);
    run(command).map(drop)
}
