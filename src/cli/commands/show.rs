//! `mlab show LAB`: the resolved topology.

use std::process::ExitCode;

use crate::cli::{Context, Failure, print_json, table};

/// Show a lab's resolved topology: nodes, roles, addresses, resources
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A lab name (see `mlab labs`) or a path to a lab file
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(crate::cli::complete::lab_names))]
    pub lab: String,
    /// Print the whole resolved plan as JSON
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode, Failure> {
    let (_, lab) = ctx.load_lab(&args.lab)?;
    if args.json {
        print_json(&lab)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}: {}", lab.name, lab.description);
    println!("network {} ({}), domain {}, box {}", lab.network.cidr, lab.network.mode.name(), lab.network.domain, lab.box_name);
    let mut table = table(&["NODE", "ROLES", "IP", "CPUS", "MEMORY", "AUTOSTART"]);
    for n in &lab.nodes {
        let roles: Vec<&str> = n.roles.iter().map(|r| r.name()).collect();
        table.add_row([
            n.name.clone(),
            roles.join(", "),
            n.ip.to_string(),
            n.cpus.to_string(),
            format!("{} MiB", n.memory_mib),
            if n.autostart { "yes".into() } else { "on demand".into() },
        ]);
    }
    println!("{table}");
    if !lab.zookeeper.servers.is_empty() {
        println!("zookeeper: {}", lab.zookeeper.mesos_url);
    }
    println!("mesos masters: {} (quorum {})", lab.mesos.masters.join(", "), lab.mesos.quorum);
    for s in &lab.services {
        if let Some(route) = &s.route {
            println!("{:<10} {} on {} (admin router: {route})", s.name, s.port, s.nodes.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}
