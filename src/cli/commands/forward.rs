//! `mlab forward [LOCAL:]NODE:PORT`: a port on the host's loopback carried to a node's port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::Forwarding;

use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure};

/// Listen on the host (127.0.0.1 unless told otherwise) and carry each connection to a port of
/// a node through the lab's SSH connection, until Ctrl-C; prints `LOCAL_ADDRESS NODE:PORT`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to forward: `NODE:PORT` (any free local port) or `LOCAL:NODE:PORT`, e.g. `8080:master1:5050`
    #[arg(value_name = "[LOCAL:]NODE:PORT", value_parser = parse_spec)]
    pub spec: ForwardSpec,
    /// The host address to listen on; anything but loopback lets other machines in
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_name = "ADDRESS")]
    pub address: IpAddr,
    /// Seconds to wait for the node to answer SSH (1 to 86400)
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    #[command(flatten)]
    pub target: LabArgs,
}

/// A parsed `[LOCAL:]NODE:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    /// 0: any free port.
    pub local: u16,
    pub node: String,
    pub port: u16,
}

fn parse_spec(text: &str) -> Result<ForwardSpec, String> {
    let port_of = |word: &str, what: &str| -> Result<u16, String> {
        word.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("{what} `{word}` is not a port (1 to 65535)"))
    };
    let parts: Vec<&str> = text.split(':').collect();
    let (local, node, port) = match parts.as_slice() {
        [node, port] => (0, *node, port_of(port, "the node's port")?),
        [local, node, port] => (port_of(local, "the local port")?, *node, port_of(port, "the node's port")?),
        _ => return Err("write NODE:PORT or LOCAL:NODE:PORT, e.g. master1:5050 or 8080:master1:5050".into()),
    };
    if node.is_empty() {
        return Err("the node name is empty; write NODE:PORT, e.g. master1:5050".into());
    }
    Ok(ForwardSpec { local, node: node.to_string(), port })
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    block_on(async {
        let bind = SocketAddr::new(args.address, args.spec.local);
        let forwarding =
            Forwarding::open(&instance, &args.spec.node, args.spec.port, bind, Duration::from_secs(args.timeout)).await.map_err(lifecycle_failure)?;
        let interrupt = Interrupt::listen()?;
        // Rust's stdout flushes each line, so a script waiting for this line gets it at once.
        println!("{} {}:{}", forwarding.local, forwarding.node, forwarding.target.port);
        if !crate::cli::output::quiet() {
            eprintln!(
                "forwarding {} to {}:{} ({}:{} in the lab); Ctrl-C stops",
                forwarding.local, forwarding.node, args.spec.port, forwarding.target.host, forwarding.target.port
            );
        }
        serve_until_interrupted(forwarding, interrupt).await
    })??;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, listened for before the address is printed: a script that reads the line and
/// interrupts at once must find the handler in place, not the default that kills.
pub struct Interrupt(tokio::signal::unix::Signal);

impl Interrupt {
    pub fn listen() -> Result<Interrupt, Failure> {
        Ok(Interrupt(tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?))
    }
}

/// Serve a forward until Ctrl-C (a normal end) or a failure.
pub async fn serve_until_interrupted(forwarding: Forwarding, mut interrupt: Interrupt) -> Result<(), Failure> {
    tokio::select! {
        served = forwarding.serve() => served.map_err(lifecycle_failure),
        _ = interrupt.0.recv() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_and_without_a_local_port() {
        assert_eq!(parse_spec("master1:5050"), Ok(ForwardSpec { local: 0, node: "master1".into(), port: 5050 }));
        assert_eq!(parse_spec("8080:agent2:80"), Ok(ForwardSpec { local: 8080, node: "agent2".into(), port: 80 }));
        for bad in ["master1", "master1:", "master1:0", "master1:70000", ":80", "x:master1:80", "1:2:3:4"] {
            assert!(parse_spec(bad).is_err(), "{bad} should be refused");
        }
    }
}
