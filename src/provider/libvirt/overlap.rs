//! Refusing a lab CIDR that collides with something already there.
//!
//! Two sources: the IPv4 ranges of existing libvirt networks (from their XML) and the host's
//! routing table (`/proc/net/route`). The routing table is the one of the network namespace
//! mlab runs in, which is the namespace libvirtd creates bridges in only if both run in the
//! same one; for remote URIs it says nothing about the remote host and is not consulted.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// A route of the host's main table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    pub interface: String,
    pub destination: Ipv4Net,
}

/// Parse `/proc/net/route` (addresses are hex in host byte order). Default routes are left out:
/// they overlap everything and do not stop a bridge from working.
pub fn parse_proc_net_route(text: &str) -> Vec<HostRoute> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let interface = fields.first()?;
            let destination = u32::from_str_radix(fields.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(fields.get(7)?, 16).ok()?;
            let destination = Ipv4Addr::from(destination.to_le_bytes());
            let mask = Ipv4Addr::from(mask.to_le_bytes());
            let prefix = ipnet::ipv4_mask_to_prefix(mask).ok()?;
            if prefix == 0 {
                return None;
            }
            let destination = Ipv4Net::new(destination, prefix).ok()?.trunc();
            Some(HostRoute { interface: interface.to_string(), destination })
        })
        .filter(|r| r.interface != "lo")
        .collect()
}

/// True if the two networks share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The first conflict, described for an error message, or `None`.
pub fn find_conflict(cidr: &Ipv4Net, networks: &[(String, Vec<Ipv4Net>)], routes: &[HostRoute]) -> Option<String> {
    for (name, ranges) in networks {
        if let Some(range) = ranges.iter().find(|r| overlaps(cidr, r)) {
            return Some(format!("libvirt network '{name}' ({range})"));
        }
    }
    routes.iter().find(|r| overlaps(cidr, &r.destination)).map(|r| format!("host route {} on {}", r.destination, r.interface))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
        eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
        eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
        virbr0\t007AA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
        docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

    #[test]
    fn parses_routes_without_default() {
        let routes = parse_proc_net_route(ROUTES);
        let shown: Vec<String> = routes.iter().map(|r| format!("{} {}", r.interface, r.destination)).collect();
        assert_eq!(shown, ["eth0 192.168.0.0/24", "virbr0 192.168.122.0/24", "docker0 172.17.0.0/16"]);
    }

    #[test]
    fn finds_route_conflicts() {
        let routes = parse_proc_net_route(ROUTES);
        let cidr: Ipv4Net = "172.17.3.0/24".parse().expect("net");
        assert_eq!(find_conflict(&cidr, &[], &routes), Some("host route 172.17.0.0/16 on docker0".into()));
        let free: Ipv4Net = "192.168.124.0/24".parse().expect("net");
        assert_eq!(find_conflict(&free, &[], &routes), None);
    }

    #[test]
    fn libvirt_networks_are_checked_first() {
        let cidr: Ipv4Net = "10.0.0.0/8".parse().expect("net");
        let nets = vec![("other".to_string(), vec!["10.20.0.0/16".parse().expect("net")])];
        assert_eq!(find_conflict(&cidr, &nets, &[]), Some("libvirt network 'other' (10.20.0.0/16)".into()));
    }

    #[test]
    fn overlap_is_symmetric_and_exact() {
        let a: Ipv4Net = "192.168.124.0/24".parse().expect("net");
        let b: Ipv4Net = "192.168.124.128/25".parse().expect("net");
        let c: Ipv4Net = "192.168.125.0/24".parse().expect("net");
        assert!(overlaps(&a, &b) && overlaps(&b, &a));
        assert!(!overlaps(&a, &c));
    }
}
