//! The three NoCloud documents, as serde structs.
//!
//! They are written as JSON, which every YAML parser reads as YAML. cloud-init parses them
//! with PyYAML, a YAML 1.1 reader, where an unquoted `52:54:00:03:29:44` is a base-60 integer
//! and `no`, `on`, `null` or `0777` are not strings either; a YAML 1.2 emitter leaves those
//! plain. In JSON every string is quoted, so the guest reads exactly what mlab meant.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{SeedConfig, SeedError};

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct MetaData<'a> {
    instance_id: &'a str,
    local_hostname: &'a str,
}

#[derive(Serialize)]
struct UserData<'a> {
    hostname: &'a str,
    fqdn: &'a str,
    /// `localhost`: at every boot cloud-init only updates the `127.0.1.1 fqdn hostname` line
    /// (so `hostname -f` and sudo work without DNS) and leaves the rest of /etc/hosts alone,
    /// including the lab block mlab provisioning writes. (`true` would re-render the whole file
    /// from cloud-init's template at every boot and drop that block.)
    manage_etc_hosts: &'static str,
    users: Vec<User<'a>>,
    /// `false` keeps the box's locale. cloud-init's default (en_US.UTF-8) needs the `locales`
    /// package, which debootstrap-built boxes lack; the failure would mark cloud-init as failed.
    locale: bool,
    ssh_pwauth: bool,
    disable_root: bool,
    /// Drop any host keys baked into the image and generate none: ours come from `ssh_keys`.
    ssh_deletekeys: bool,
    ssh_genkeytypes: Vec<String>,
    ssh_keys: SshKeys,
    /// Commands of the init stage (every boot, before sshd starts): the later stages, where
    /// `runcmd` runs, are masked in mlab's boxes. argv lists, not shell strings: values are
    /// passed as arguments, never spliced into code.
    bootcmd: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct User<'a> {
    name: &'a str,
    sudo: &'a str,
    shell: &'a str,
    lock_passwd: bool,
    ssh_authorized_keys: &'a [String],
}

#[derive(Serialize)]
struct SshKeys {
    ed25519_private: String,
    ed25519_public: String,
}

#[derive(Serialize)]
struct NetworkConfig {
    version: u8,
    ethernets: BTreeMap<String, Ethernet>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Ethernet {
    #[serde(rename = "match")]
    match_: MatchMac,
    set_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dhcp4: Option<bool>,
    /// `gateway4` rather than a `routes:` default: cloud-init 22.4 (Debian 12) renders it for
    /// ifupdown as well as netplan.
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nameservers: Option<Nameservers>,
}

#[derive(Serialize)]
struct MatchMac {
    macaddress: String,
}

#[derive(Serialize)]
struct Nameservers {
    addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    search: Vec<String>,
}

fn to_document<T: Serialize>(document: &'static str, value: &T) -> Result<String, SeedError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| SeedError::Serialize { document, reason: e.to_string() })?;
    text.push('\n');
    Ok(text)
}

/// `meta-data`: the instance id and local hostname.
pub fn meta_data_yaml(cfg: &SeedConfig) -> Result<String, SeedError> {
    to_document("meta-data", &MetaData { instance_id: &cfg.instance_id, local_hostname: &cfg.hostname })
}

/// `user-data`: a `#cloud-config` document.
pub fn user_data_yaml(cfg: &SeedConfig) -> Result<String, SeedError> {
    let user_data = UserData {
        hostname: &cfg.hostname,
        fqdn: &cfg.fqdn,
        manage_etc_hosts: "localhost",
        users: vec![User { name: &cfg.user, sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: &cfg.authorized_keys }],
        locale: false,
        ssh_pwauth: false,
        disable_root: true,
        ssh_deletekeys: true,
        ssh_genkeytypes: Vec::new(),
        ssh_keys: SshKeys { ed25519_private: cfg.host_key.private_openssh()?, ed25519_public: cfg.host_key.public_openssh()? },
        bootcmd: resolv_conf_command(cfg).into_iter().collect(),
    };
    Ok(format!("#cloud-config\n{}", to_document("user-data", &user_data)?))
}

/// `network-config`: version 2, the NIC matched by MAC, a static address.
pub fn network_config_yaml(cfg: &SeedConfig) -> Result<String, SeedError> {
    let nameservers = (!cfg.nameservers.is_empty())
        .then(|| Nameservers { addresses: cfg.nameservers.iter().map(|a| a.to_string()).collect(), search: cfg.search_domain.iter().cloned().collect() });
    let lab_nic = Ethernet {
        match_: MatchMac { macaddress: cfg.mac.to_ascii_lowercase() },
        set_name: "eth0".to_string(),
        addresses: vec![cfg.address.to_string()],
        dhcp4: None,
        // With a NIC of its own for the way out, the lab network carries no default route.
        gateway4: cfg.egress_mac.is_none().then(|| cfg.gateway.to_string()),
        nameservers,
    };
    let mut ethernets = BTreeMap::from([("eth0".to_string(), lab_nic)]);
    if let Some(mac) = &cfg.egress_mac {
        let egress = Ethernet {
            match_: MatchMac { macaddress: mac.to_ascii_lowercase() },
            set_name: "eth1".to_string(),
            addresses: Vec::new(),
            dhcp4: Some(true),
            gateway4: None,
            nameservers: None,
        };
        ethernets.insert("eth1".to_string(), egress);
    }
    to_document("network-config", &NetworkConfig { version: 2, ethernets })
}

/// With ifupdown and no `resolvconf` (debootstrap boxes), the `nameservers` of the network
/// config never reach `/etc/resolv.conf`, which then still holds whatever the box was built
/// with. Write it, unless something manages it (then it is a symlink: systemd-resolved,
/// resolvconf), in which case the network config already took effect.
fn resolv_conf_command(cfg: &SeedConfig) -> Option<Vec<String>> {
    let nameserver = cfg.nameservers.first()?;
    let script = r#"[ -L /etc/resolv.conf ] && exit 0
{ echo "nameserver $1"; if [ -n "$2" ]; then echo "search $2"; fi; } > /etc/resolv.conf"#;
    Some(vec!["sh".into(), "-c".into(), script.into(), "mlab-resolv-conf".into(), nameserver.to_string(), cfg.search_domain.clone().unwrap_or_default()])
}
