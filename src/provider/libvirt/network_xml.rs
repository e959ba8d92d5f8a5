//! The libvirt network XML of a lab, and reading the IPv4 ranges of existing networks.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::connect::{bridge_name, network_name};
use super::xml::{XmlResult, XmlWriter, document, empty_element, text_element};
use crate::provider::{NetworkMode, NetworkSpec, ProviderError};

/// The `<network>` definition for a lab: one bridge, the gateway address, static DHCP
/// reservations and DNS names for every node, NAT forwarding only in `nat` mode.
pub fn network_xml(spec: &NetworkSpec) -> Result<String, ProviderError> {
    document(network_name(&spec.lab), |w| write_network(w, spec))
}

fn write_network(w: &mut XmlWriter, spec: &NetworkSpec) -> XmlResult {
    let netmask = spec.cidr.netmask().to_string();
    let gateway = spec.gateway.to_string();
    w.create_element("network").write_inner_content(|w| {
        text_element(w, "name", &[], &network_name(&spec.lab))?;
        empty_element(w, "bridge", &[("name", &bridge_name(&spec.lab)), ("stp", "on"), ("delay", "0")])?;
        if spec.mode == NetworkMode::Nat {
            empty_element(w, "forward", &[("mode", "nat")])?;
        }
        if !spec.domain.is_empty() {
            empty_element(w, "domain", &[("name", &spec.domain), ("localOnly", "yes")])?;
        }
        // Nodes use static addresses (cloud-init), so dnsmasq never hands out leases and would
        // not know their names: list them explicitly.
        if !spec.hosts.is_empty() {
            w.create_element("dns").write_inner_content(|w| {
                for host in &spec.hosts {
                    w.create_element("host").with_attribute(("ip", host.ip.to_string().as_str())).write_inner_content(|w| {
                        text_element(w, "hostname", &[], &host.fqdn)?;
                        text_element(w, "hostname", &[], &host.hostname)
                    })?;
                }
                Ok(())
            })?;
        }
        w.create_element("ip").with_attributes([("address", gateway.as_str()), ("netmask", netmask.as_str())]).write_inner_content(|w| {
            if spec.hosts.is_empty() {
                return Ok(());
            }
            w.create_element("dhcp").write_inner_content(|w| {
                for host in &spec.hosts {
                    empty_element(w, "host", &[("mac", &host.mac.to_ascii_lowercase()), ("ip", &host.ip.to_string()), ("name", &host.hostname)])?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

/// The IPv4 networks a libvirt `<network>` XML occupies (one per IPv4 `<ip>` element).
pub fn ipv4_ranges(xml: &str) -> Vec<Ipv4Net> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("ip"))
        .filter(|n| n.attribute("family").is_none_or(|f| f == "ipv4"))
        .filter_map(|n| {
            let address: Ipv4Addr = n.attribute("address")?.parse().ok()?;
            let prefix = match (n.attribute("prefix"), n.attribute("netmask")) {
                (Some(p), _) => p.parse().ok()?,
                (None, Some(mask)) => ipnet::ipv4_mask_to_prefix(mask.parse().ok()?).ok()?,
                (None, None) => 24,
            };
            Ipv4Net::new(address, prefix).ok().map(|n| n.trunc())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NetworkHost;

    fn spec(mode: NetworkMode) -> NetworkSpec {
        NetworkSpec {
            lab: "demo".into(),
            cidr: "192.168.124.0/24".parse().expect("cidr"),
            gateway: Ipv4Addr::new(192, 168, 124, 1),
            mode,
            domain: "demo.test".into(),
            hosts: vec![NetworkHost {
                mac: "52:54:00:AA:00:0B".into(),
                ip: Ipv4Addr::new(192, 168, 124, 11),
                hostname: "master1".into(),
                fqdn: "master1.demo.test".into(),
            }],
        }
    }

    #[test]
    fn isolated_network_has_no_forward_and_lists_hosts() {
        let xml = network_xml(&spec(NetworkMode::Isolated)).expect("xml");
        let doc = roxmltree::Document::parse(&xml).expect("parse");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "network");
        let child = |name: &str| root.children().find(|n| n.has_tag_name(name));
        assert_eq!(child("name").and_then(|n| n.text()), Some("mlab-demo"));
        assert!(child("forward").is_none(), "isolated must not forward");
        let bridge = child("bridge").and_then(|n| n.attribute("name")).expect("bridge");
        assert!(bridge.len() <= 15);
        assert_eq!(child("domain").and_then(|n| n.attribute("name")), Some("demo.test"));
        let ip = child("ip").expect("ip");
        assert_eq!(ip.attribute("address"), Some("192.168.124.1"));
        assert_eq!(ip.attribute("netmask"), Some("255.255.255.0"));
        let host = ip.descendants().find(|n| n.has_tag_name("host")).expect("dhcp host");
        assert_eq!(host.attribute("mac"), Some("52:54:00:aa:00:0b"));
        assert_eq!(host.attribute("ip"), Some("192.168.124.11"));
        assert_eq!(host.attribute("name"), Some("master1"));
        let dns_names: Vec<&str> = child("dns").expect("dns").descendants().filter(|n| n.has_tag_name("hostname")).filter_map(|n| n.text()).collect();
        assert_eq!(dns_names, ["master1.demo.test", "master1"]);
        assert_eq!(ipv4_ranges(&xml), vec!["192.168.124.0/24".parse::<Ipv4Net>().expect("net")]);
    }

    #[test]
    fn nat_network_forwards() {
        let xml = network_xml(&spec(NetworkMode::Nat)).expect("xml");
        let doc = roxmltree::Document::parse(&xml).expect("parse");
        let forward = doc.descendants().find(|n| n.has_tag_name("forward")).expect("forward");
        assert_eq!(forward.attribute("mode"), Some("nat"));
    }

    #[test]
    fn names_are_escaped() {
        let mut s = spec(NetworkMode::Isolated);
        s.domain = "a'b\"<c>&".into();
        let xml = network_xml(&s).expect("xml");
        let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
        let domain = doc.descendants().find(|n| n.has_tag_name("domain")).expect("domain");
        assert_eq!(domain.attribute("name"), Some("a'b\"<c>&"));
    }

    #[test]
    fn reads_ranges_of_prefix_and_netmask_forms_and_skips_ipv6() {
        let xml = "<network><name>x</name><ip address='10.1.2.1' prefix='16'/>\
                   <ip family='ipv6' address='fd00::1' prefix='64'/>\
                   <ip address='172.16.5.1' netmask='255.255.255.128'/></network>";
        let ranges: Vec<String> = ipv4_ranges(xml).iter().map(|n| n.to_string()).collect();
        assert_eq!(ranges, ["10.1.0.0/16", "172.16.5.0/25"]);
    }
}
