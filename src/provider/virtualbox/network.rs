//! A lab's host-only interface: made with `hostonlyif create` (VirtualBox names it `vboxnetN`
//! itself), given the lab's gateway address, and remembered in the global extradata
//! `mlab/network/<lab>` so that later commands, and `destroy` without the lab's state, find it.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::manage::{NOT_FOUND, VBoxManage, backend, list_blocks};
use crate::provider::{NetworkSpec, ProviderError};

/// What VirtualBox 6.1.28 and later allow for host-only networks without
/// `/etc/vbox/networks.conf`.
pub const HOST_ONLY_RANGE: &str = "192.168.56.0/21";

pub fn host_only_range() -> Ipv4Net {
    HOST_ONLY_RANGE.parse().expect("a valid CIDR")
}

fn extradata_key(lab: &str) -> String {
    format!("mlab/network/{lab}")
}

/// A host-only interface as `list hostonlyifs` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOnlyInterface {
    pub name: String,
    pub network: Option<Ipv4Net>,
}

/// Every host-only interface of this host.
pub async fn interfaces(manage: &VBoxManage) -> Result<Vec<HostOnlyInterface>, ProviderError> {
    let text = manage.run("list", "host-only interfaces", &["list", "hostonlyifs"]).await?;
    Ok(parse_interfaces(&text))
}

pub fn parse_interfaces(text: &str) -> Vec<HostOnlyInterface> {
    list_blocks(text)
        .into_iter()
        .filter_map(|block| {
            let name = block.get("Name")?.clone();
            // An interface not yet addressed shows 0.0.0.0, which is no network.
            let ip: Option<Ipv4Addr> = block.get("IPAddress").and_then(|a| a.parse().ok()).filter(|a: &Ipv4Addr| !a.is_unspecified());
            let mask: Option<Ipv4Addr> = block.get("NetworkMask").and_then(|m| m.parse().ok());
            let network = ip.zip(mask).and_then(|(ip, mask)| Ipv4Net::with_netmask(ip, mask).ok()).map(|n| n.trunc());
            Some(HostOnlyInterface { name, network })
        })
        .collect()
}

/// The name mlab recorded for the lab's interface, whether or not it still exists.
async fn recorded(manage: &VBoxManage, lab: &str) -> Result<Option<String>, ProviderError> {
    let text = manage.run("read the extradata of", "VirtualBox", &["getextradata", "global", &extradata_key(lab)]).await?;
    // `Value: vboxnet3`, or `No value set!`.
    Ok(text.lines().find_map(|l| l.strip_prefix("Value: ")).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
}

/// The lab's host-only interface, if mlab made one and it is still there.
pub async fn interface(manage: &VBoxManage, lab: &str) -> Result<Option<String>, ProviderError> {
    let Some(name) = recorded(manage, lab).await? else { return Ok(None) };
    Ok(interfaces(manage).await?.into_iter().any(|i| i.name == name).then_some(name))
}

/// Make the lab's interface unless it exists; refuse a network outside the host-only range or
/// overlapping another interface.
pub async fn ensure(manage: &VBoxManage, spec: &NetworkSpec) -> Result<(), ProviderError> {
    let range = host_only_range();
    if !range.contains(&spec.cidr) {
        return Err(ProviderError::Unsupported(format!(
            "the lab network {} is outside {HOST_ONLY_RANGE}, the only host-only range VirtualBox 6.1.28 and later allow without /etc/vbox/networks.conf; choose a /24 inside it as `network.cidr` in the lab file (e.g. 192.168.60.0/24), or leave `network.cidr` out and mlab picks one",
            spec.cidr
        )));
    }
    let present = interfaces(manage).await?;
    let ours = recorded(manage, &spec.lab).await?;
    if let Some(name) = &ours {
        if let Some(existing) = present.iter().find(|i| &i.name == name) {
            if existing.network == Some(spec.cidr) {
                return Ok(());
            }
            // Readdressed behind mlab's back: give it the lab's address again.
            return configure(manage, name, spec).await;
        }
    }
    if let Some(conflict) = present.iter().find(|i| i.network.is_some_and(|n| n.contains(&spec.cidr) || spec.cidr.contains(&n))) {
        return Err(ProviderError::NetworkOverlap { cidr: spec.cidr, conflict: format!("VirtualBox's host-only interface {}", conflict.name) });
    }
    let created = manage.run("create", &format!("the host-only network of lab {}", spec.lab), &["hostonlyif", "create"]).await?;
    let name = created_name(&created).ok_or_else(|| ProviderError::Backend {
        action: "create",
        object: format!("the host-only network of lab {}", spec.lab),
        reason: format!("VBoxManage did not name the interface it made: {}", created.trim()),
    })?;
    if let Err(e) = configure(manage, &name, spec).await {
        // An unaddressed interface is of no use to anyone: take it away again.
        let _ = manage.try_run(&["hostonlyif", "remove", &name]).await;
        return Err(e);
    }
    manage.run("record", &name, &["setextradata", "global", &extradata_key(&spec.lab), &name]).await?;
    tracing::info!(interface = %name, cidr = %spec.cidr, "created host-only network");
    Ok(())
}

async fn configure(manage: &VBoxManage, name: &str, spec: &NetworkSpec) -> Result<(), ProviderError> {
    let ip = spec.gateway.to_string();
    let mask = spec.cidr.netmask().to_string();
    manage.run("address", name, &["hostonlyif", "ipconfig", name, "--ip", &ip, "--netmask", &mask]).await?;
    Ok(())
}

/// `Interface 'vboxnet0' was successfully created`.
fn created_name(output: &str) -> Option<String> {
    output.lines().find_map(|l| l.trim().strip_prefix("Interface '")?.strip_suffix("' was successfully created").map(str::to_string))
}

/// Remove the lab's interface and its record; no error if either is gone.
pub async fn destroy(manage: &VBoxManage, lab: &str) -> Result<(), ProviderError> {
    if let Some(name) = recorded(manage, lab).await? {
        match manage.try_run(&["hostonlyif", "remove", &name]).await? {
            Ok(_) => tracing::info!(interface = %name, "removed host-only network"),
            Err(f) if f.is(NOT_FOUND) || f.message.contains("could not be found") => {}
            Err(f) => return Err(backend("remove", &name, &f)),
        }
        // Setting no value deletes the key.
        manage.run("forget", &name, &["setextradata", "global", &extradata_key(lab)]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_and_created_names_parse() {
        let text = "Name:            vboxnet0\nGUID:            786f6276-656e-4074-8000-0a0027000000\nDHCP:            Disabled\nIPAddress:       192.168.56.1\nNetworkMask:     255.255.255.0\n\nName:            vboxnet1\nIPAddress:       0.0.0.0\nNetworkMask:     0.0.0.0\n";
        let ifs = parse_interfaces(text);
        assert_eq!(ifs[0], HostOnlyInterface { name: "vboxnet0".into(), network: Some("192.168.56.0/24".parse().expect("net")) });
        assert_eq!(ifs[1], HostOnlyInterface { name: "vboxnet1".into(), network: None });
        assert_eq!(created_name("0%...10%...100%\nInterface 'vboxnet2' was successfully created\n").as_deref(), Some("vboxnet2"));
        assert_eq!(created_name("something else"), None);
        assert!(host_only_range().contains(&"192.168.63.0/24".parse::<Ipv4Net>().expect("net")));
        assert!(!host_only_range().contains(&"192.168.64.0/24".parse::<Ipv4Net>().expect("net")));
    }
}
