//! `mlab open [SERVICE]`: a lab page (the portal by default) on the host's loopback.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use mlab::lifecycle::Forwarding;
use mlab::lifecycle::endpoints;

use crate::cli::lab_args::{LabArgs, block_on};
use crate::cli::{Context, Failure, print_report};

/// Open a lab page from the host: the portal, or a service's UI (`mesos`, `mesos-dns`,
/// `spark`...), forwarded to 127.0.0.1 through the lab's SSH connection until Ctrl-C; prints
/// the URL and starts a browser when there is a desktop
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page (default: the lab portal); `--list` shows them
    #[arg(value_name = "SERVICE")]
    pub service: Option<String>,
    /// List the lab's pages instead of opening one
    #[arg(long, conflicts_with = "service")]
    pub list: bool,
    /// With `--list`: as JSON
    #[arg(long, requires = "list")]
    pub json: bool,
    /// The local port (default: any free one)
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    pub port: u16,
    /// Print the URL only; do not start a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Seconds to wait for the node to answer SSH (1 to 86400)
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    #[command(flatten)]
    pub target: LabArgs,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let instance = args.target.instance(ctx)?;
    if args.list {
        let pages = endpoints::endpoints(&instance.lab);
        print_report(args.json, &pages, crate::cli::reports::pages)?;
        return Ok(ExitCode::SUCCESS);
    }
    let page = endpoints::endpoint(&instance.lab, args.service.as_deref()).map_err(|e| Failure::Other(e.into()))?;
    block_on(async {
        let bind = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), args.port);
        let forwarding = Forwarding::open(&instance, &page.node, page.port, bind, Duration::from_secs(args.timeout))
            .await
            .map_err(crate::cli::lab_args::lifecycle_failure)?;
        let interrupt = crate::cli::forwarding::Interrupt::listen()?;
        let url = format!("http://{}{}", forwarding.local, page.path);
        println!("{url}");
        if !crate::cli::output::quiet() {
            eprintln!("{} of lab `{}` (through {}); Ctrl-C stops", page.title, instance.name(), page.node);
        }
        if !args.no_browser {
            crate::cli::forwarding::start_browser(&url);
        }
        crate::cli::forwarding::serve_until_interrupted(forwarding, interrupt).await
    })??;
    Ok(ExitCode::SUCCESS)
}
