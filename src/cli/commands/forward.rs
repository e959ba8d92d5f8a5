//! `mlab forward [LOCAL:]NODE:PORT`: a port on the host's loopback carried to a node's port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::{ForwardSpec, Forwarding};

use crate::cli::forwarding::{Interrupt, serve_until_interrupted};
use crate::cli::lab_args::{LabArgs, block_on, lifecycle_failure};
use crate::cli::{Context, Failure};

/// Listen on the host (127.0.0.1 unless told otherwise) and carry each connection to a port of
/// a node through the lab's SSH connection, until Ctrl-C; prints `LOCAL_ADDRESS NODE:PORT`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to forward: `NODE:PORT` (any free local port) or `LOCAL:NODE:PORT`, e.g. `8080:master1:5050`
    #[arg(value_name = "[LOCAL:]NODE:PORT", value_parser = clap::value_parser!(ForwardSpec))]
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
