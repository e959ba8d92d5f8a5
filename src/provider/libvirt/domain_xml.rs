//! The libvirt domain XML of a node, and reading back what mlab put in it.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use super::accel::AccelChoice;
use super::connect::network_name;
use super::xml::{XmlResult, XmlWriter, document, empty_element, text_element};
use crate::provider::vm_name;
use crate::provider::{NodeSpec, ProviderError};

/// XML namespace of mlab's `<metadata>` element, which marks a domain as mlab's and records
/// which lab and node it is (domain names alone are ambiguous: lab `a` node `b-c` vs lab `a-b`).
pub const METADATA_NS: &str = "https://mlab.invalid/xmlns/node/1";

/// The `<domain>` definition of a node.
pub fn domain_xml(spec: &NodeSpec, accel: &AccelChoice) -> Result<String, ProviderError> {
    document(vm_name(&spec.lab, &spec.name), |w| write_domain(w, spec, accel))
}

fn path_str(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

fn write_domain(w: &mut XmlWriter, spec: &NodeSpec, accel: &AccelChoice) -> XmlResult {
    w.create_element("domain").with_attribute(("type", accel.domain_type())).write_inner_content(|w| {
        text_element(w, "name", &[], &vm_name(&spec.lab, &spec.name))?;
        text_element(w, "title", &[], &format!("mlab lab {} node {}", spec.lab, spec.name))?;
        w.create_element("metadata").write_inner_content(|w| {
            empty_element(
                w,
                "mlab:node",
                &[("xmlns:mlab", METADATA_NS), ("lab", &spec.lab), ("node", &spec.name), ("ip", &spec.ip.to_string()), ("owner", &spec.owner)],
            )
        })?;
        text_element(w, "memory", &[("unit", "MiB")], &spec.memory_mib.to_string())?;
        text_element(w, "vcpu", &[], &spec.cpus.to_string())?;
        w.create_element("os").write_inner_content(|w| {
            text_element(w, "type", &[("arch", "x86_64")], "hvm")?;
            match (&spec.box_image.kernel, &spec.box_image.meta.cmdline) {
                (Some(kernel), cmdline) => {
                    text_element(w, "kernel", &[], &path_str(kernel))?;
                    if let Some(initrd) = &spec.box_image.initrd {
                        text_element(w, "initrd", &[], &path_str(initrd))?;
                    }
                    let cmdline = cmdline.as_deref().unwrap_or("root=/dev/vda rw console=ttyS0 net.ifnames=0");
                    text_element(w, "cmdline", &[], cmdline)?;
                }
                (None, _) => empty_element(w, "boot", &[("dev", "hd")])?,
            }
            Ok(())
        })?;
        w.create_element("features").write_inner_content(|w| {
            empty_element(w, "acpi", &[])?;
            empty_element(w, "apic", &[])
        })?;
        if accel.kvm {
            empty_element(w, "cpu", &[("mode", "host-passthrough")])?;
        }
        empty_element(w, "clock", &[("offset", "utc")])?;
        text_element(w, "on_poweroff", &[], "destroy")?;
        text_element(w, "on_reboot", &[], "restart")?;
        text_element(w, "on_crash", &[], "destroy")?;
        w.create_element("devices").write_inner_content(|w| write_devices(w, spec))?;
        Ok(())
    })?;
    Ok(())
}

fn write_devices(w: &mut XmlWriter, spec: &NodeSpec) -> XmlResult {
    w.create_element("disk").with_attributes([("type", "file"), ("device", "disk")]).write_inner_content(|w| {
        empty_element(w, "driver", &[("name", "qemu"), ("type", "qcow2"), ("discard", "unmap")])?;
        empty_element(w, "source", &[("file", &path_str(&spec.disk_path))])?;
        empty_element(w, "target", &[("dev", "vda"), ("bus", "virtio")])
    })?;
    // The seed is a virtio disk, not a cdrom: the Debian cloud kernel has no AHCI driver.
    w.create_element("disk").with_attributes([("type", "file"), ("device", "disk")]).write_inner_content(|w| {
        empty_element(w, "driver", &[("name", "qemu"), ("type", "raw")])?;
        empty_element(w, "source", &[("file", &path_str(&spec.seed_path))])?;
        empty_element(w, "target", &[("dev", "vdb"), ("bus", "virtio")])?;
        empty_element(w, "readonly", &[])
    })?;
    w.create_element("interface").with_attribute(("type", "network")).write_inner_content(|w| {
        empty_element(w, "mac", &[("address", &spec.mac.to_ascii_lowercase())])?;
        empty_element(w, "source", &[("network", &network_name(&spec.lab))])?;
        empty_element(w, "model", &[("type", "virtio")])
    })?;
    // A pty serial (so `virsh console` works) whose output virtlogd also writes to a file.
    w.create_element("serial").with_attribute(("type", "pty")).write_inner_content(|w| {
        empty_element(w, "log", &[("file", &path_str(&spec.console_log)), ("append", "off")])?;
        empty_element(w, "target", &[("port", "0")])
    })?;
    // Entropy for sshd and cloud-init early in boot; TCG guests otherwise wait for it.
    w.create_element("rng").with_attribute(("model", "virtio")).write_inner_content(|w| text_element(w, "backend", &[("model", "random")], "/dev/urandom"))?;
    empty_element(w, "memballoon", &[("model", "none")])
}

/// What mlab recorded in a domain's XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainFacts {
    pub lab: String,
    pub node: String,
    pub ip: Option<Ipv4Addr>,
    /// `<source file>` of every file-backed disk (node disk and seed), for deletion.
    pub disk_files: Vec<PathBuf>,
    pub console_log: Option<PathBuf>,
    pub owner: Option<String>,
}

/// Read [`DomainFacts`] from a domain's XML; `None` if the domain is not mlab's.
pub fn domain_facts(xml: &str) -> Option<DomainFacts> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let marker = doc.descendants().find(|n| n.tag_name().namespace() == Some(METADATA_NS) && n.tag_name().name() == "node")?;
    let disk_files = doc
        .descendants()
        .filter(|n| n.has_tag_name("disk") && n.attribute("type") == Some("file"))
        .filter_map(|disk| disk.children().find(|c| c.has_tag_name("source")))
        .filter_map(|source| source.attribute("file"))
        .map(PathBuf::from)
        .collect();
    let console_log = doc
        .descendants()
        .filter(|n| n.has_tag_name("serial"))
        .flat_map(|serial| serial.children())
        .find(|c| c.has_tag_name("log") || (c.has_tag_name("source") && c.attribute("path").is_some()))
        .and_then(|c| c.attribute("file").or_else(|| c.attribute("path")))
        .map(PathBuf::from);
    Some(DomainFacts {
        lab: marker.attribute("lab")?.to_string(),
        node: marker.attribute("node")?.to_string(),
        ip: marker.attribute("ip").and_then(|ip| ip.parse().ok()),
        owner: marker.attribute("owner").map(str::to_string),
        disk_files,
        console_log,
    })
}
