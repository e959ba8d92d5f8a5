//! What `mlab forward` and `mlab open` share on the command line: serving a forward until
//! Ctrl-C, and starting a browser on a desktop.

use std::io::IsTerminal;

use mlab::lifecycle::Forwarding;

use super::Failure;
use super::lab_args::lifecycle_failure;

/// Ctrl-C, listened for before the address is printed: a script that reads the line and
/// interrupts at once must find the handler in place, not the default that kills.
pub struct Interrupt(tokio::signal::unix::Signal);

impl Interrupt {
    pub fn listen() -> Result<Interrupt, Failure> {
        Ok(Interrupt(tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?))
    }
}

pub async fn serve_until_interrupted(forwarding: Forwarding, mut interrupt: Interrupt) -> Result<(), Failure> {
    tokio::select! {
        served = forwarding.serve() => served.map_err(lifecycle_failure),
        _ = interrupt.0.recv() => Ok(()),
    }
}

/// Start the desktop's browser when there is a desktop to show it on; otherwise the printed
/// URL is the whole answer (an SSH session, a CI job, a root shell on a server).
pub fn start_browser(url: &str) {
    let desktop = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !desktop || !std::io::stdout().is_terminal() {
        return;
    }
    match std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(_) => tracing::debug!(url, "started xdg-open"),
        Err(e) => tracing::debug!(error = %e, "no browser started"),
    }
}
