//! The VirtualBox provider, driving `VBoxManage` (the interface Vagrant's VirtualBox provider
//! uses too): one host-only interface per lab, one VM per node (`mlab-<lab>-<node>`), the
//! node disk a differencing VDI on the box (converted to VDI once), the cloud-init seed an
//! ISO 9660 image on a DVD drive, NAT as a second adapter for egress in `nat` labs.
//!
//! mlab's VMs are found by their extradata (`mlab/lab`, `mlab/node`, `mlab/ip`), and a lab's
//! host-only interface by the global extradata `mlab/network/<lab>`, so `destroy` finds
//! everything without the lab's state, as with libvirt.
//!
//! VirtualBox cannot be installed on the machines mlab is built on: this provider is tested
//! against a fake VBoxManage that checks each call against VBoxManage's documented syntax
//! (tests/fakes/VBoxManage), not against a real VirtualBox.

pub mod doctor;
pub mod manage;
mod network;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use self::manage::{NOT_FOUND, VBoxManage, machine_readable};
use crate::cloudinit::SeedFormat;
use crate::provider::{NetworkSpec, NodeInfo, NodeSpec, NodeState, Provider, ProviderError, StopOutcome, remove_if_exists, vm_name};

pub use network::HOST_ONLY_RANGE;

/// The storage controller mlab adds: port 0 the disk, port 1 the seed.
const CONTROLLER: &str = "SATA";

pub struct VirtualBoxProvider {
    manage: VBoxManage,
    /// Nodes are created concurrently; the box is converted to VDI by the first of them.
    converting: tokio::sync::Mutex<()>,
}

impl VirtualBoxProvider {
    /// Check that VBoxManage answers, and remember it.
    pub async fn connect(manage: VBoxManage) -> Result<VirtualBoxProvider, ProviderError> {
        let version = manage.run("run", "VBoxManage --version", &["--version"]).await?;
        tracing::debug!(program = %manage.program.display(), version = version.trim(), "found VBoxManage");
        Ok(VirtualBoxProvider { manage, converting: tokio::sync::Mutex::new(()) })
    }

    /// The VM's `--machinereadable` facts, or `None` if VirtualBox has no VM of that name.
    async fn vm_info(&self, name: &str) -> Result<Option<std::collections::BTreeMap<String, String>>, ProviderError> {
        match self.manage.try_run(&["showvminfo", name, "--machinereadable"]).await? {
            Ok(text) => Ok(Some(machine_readable(&text))),
            Err(f) if f.is(NOT_FOUND) => Ok(None),
            Err(f) => Err(manage::backend("read", name, &f)),
        }
    }

    /// The VM's mlab extradata (`mlab/...` keys), empty for a VM mlab did not make.
    async fn marker(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>, ProviderError> {
        let text = self.manage.run("read the extradata of", name, &["getextradata", name, "enumerate"]).await?;
        Ok(text
            .lines()
            .filter_map(|l| {
                let (key, value) = l.strip_prefix("Key: ")?.split_once(", Value: ")?;
                key.starts_with("mlab/").then(|| (key.to_string(), value.trim().to_string()))
            })
            .collect())
    }

    /// The VM of `lab`'s `node`, if there is one and mlab made it for that lab.
    async fn own_vm(&self, lab: &str, node: &str) -> Result<Option<std::collections::BTreeMap<String, String>>, ProviderError> {
        let name = vm_name(lab, node);
        let Some(info) = self.vm_info(&name).await? else { return Ok(None) };
        let marker = self.marker(&name).await?;
        if marker.get("mlab/lab").map(String::as_str) != Some(lab) {
            return Err(ProviderError::Unsupported(format!(
                "VirtualBox has a VM named {name} that mlab did not make for lab {lab}; rename or remove it (`VBoxManage unregistervm {name}`), or give this lab another name with `--name`"
            )));
        }
        Ok(Some(info))
    }

    /// The box disk as a VDI, converted once with qemu-img and kept beside the box.
    async fn box_vdi(&self, spec: &NodeSpec) -> Result<PathBuf, ProviderError> {
        let image = &spec.box_image;
        if image.meta.cmdline.is_some() {
            return Err(ProviderError::Unsupported(format!(
                "the box {} boots its kernel directly (as `mlab box build` makes boxes for libvirt), which VirtualBox cannot do; add a box with its own boot loader, e.g. a Debian 12 genericcloud image: `mlab box add NAME URL --sha256 H`",
                image.meta.name
            )));
        }
        let sum = image.meta.sha256.get(..16).unwrap_or(&image.meta.sha256);
        let vdi = image.dir.join("virtualbox").join(format!("disk-{sum}.vdi"));
        let _converting = self.converting.lock().await;
        if vdi.is_file() {
            return Ok(vdi);
        }
        let dir = vdi.parent().unwrap_or(&image.dir).to_path_buf();
        tokio::fs::create_dir_all(&dir).await.map_err(|e| ProviderError::Io { what: "create", path: dir.clone(), source: e })?;
        let partial = dir.join(format!(".partial-{}-{sum}.vdi", std::process::id()));
        let out = tokio::process::Command::new("qemu-img").args(["convert", "-q", "-O", "vdi"]).arg(&image.disk).arg(&partial).output().await.map_err(|e| {
            ProviderError::Disk { path: vdi.clone(), reason: format!("could not run qemu-img ({e}); install it with `apt-get install qemu-utils`") }
        })?;
        if !out.status.success() {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(ProviderError::Disk { path: vdi, reason: format!("qemu-img convert failed: {}", String::from_utf8_lossy(&out.stderr).trim()) });
        }
        tokio::fs::rename(&partial, &vdi).await.map_err(|e| ProviderError::Io { what: "move into place", path: vdi.clone(), source: e })?;
        tracing::info!(vdi = %vdi.display(), "converted the box to VDI");
        Ok(vdi)
    }

    /// Define the VM from its disk and seed, which exist.
    async fn define(&self, spec: &NodeSpec, name: &str, disk: &Path, seed: &Path, host_only: &str, egress_mac: Option<&str>) -> Result<(), ProviderError> {
        let m = &self.manage;
        let base = spec.disk_path.parent().unwrap_or(Path::new(".")).to_string_lossy().into_owned();
        let created = m.try_run(&["createvm", "--name", name, "--ostype", "Debian_64", "--register", "--basefolder", &base]).await?;
        if let Err(f) = created {
            // A settings file left by a killed run (no VM registered under the name, or the
            // lookup above would have found it): it is in this lab's directory, so remove it
            // and register anew.
            let folder = Path::new(&base).join(name);
            if f.message.contains("already exists") && folder.starts_with(&base) && folder.is_dir() {
                tracing::info!(folder = %folder.display(), "removing a VM folder a killed run left behind");
                tokio::fs::remove_dir_all(&folder).await.map_err(|e| ProviderError::Io { what: "remove", path: folder.clone(), source: e })?;
                m.run("create", name, &["createvm", "--name", name, "--ostype", "Debian_64", "--register", "--basefolder", &base]).await?;
            } else {
                return Err(manage::backend("create", name, &f));
            }
        }
        let cpus = spec.cpus.to_string();
        let memory = spec.memory_mib.to_string();
        let mac = spec.mac.replace(':', "").to_ascii_uppercase();
        let console = spec.console_log.to_string_lossy().into_owned();
        let description = format!("mlab lab {} node {}", spec.lab, spec.name);
        let mut modify = vec![
            "modifyvm",
            name,
            "--cpus",
            &cpus,
            "--memory",
            &memory,
            "--ioapic",
            "on",
            "--rtcuseutc",
            "on",
            "--boot1",
            "disk",
            "--boot2",
            "dvd",
            "--boot3",
            "none",
            "--boot4",
            "none",
            "--nic1",
            "hostonly",
            "--hostonlyadapter1",
            host_only,
            "--macaddress1",
            &mac,
            "--cableconnected1",
            "on",
            "--uart1",
            "0x3F8",
            "4",
            "--uartmode1",
            "file",
            &console,
            "--description",
            &description,
        ];
        let egress = egress_mac.map(|mac| mac.replace(':', "").to_ascii_uppercase());
        if let Some(mac) = &egress {
            modify.extend(["--nic2", "nat", "--macaddress2", mac, "--cableconnected2", "on"]);
        }
        m.run("configure", name, &modify).await?;
        for (key, value) in
            [("mlab/lab", spec.lab.clone()), ("mlab/node", spec.name.clone()), ("mlab/ip", spec.ip.to_string()), ("mlab/owner", spec.owner.clone())]
        {
            m.run("mark", name, &["setextradata", name, key, &value]).await?;
        }
        m.run("add a storage controller to", name, &["storagectl", name, "--name", CONTROLLER, "--add", "sata", "--portcount", "2", "--hostiocache", "on"])
            .await?;
        let disk = disk.to_string_lossy().into_owned();
        let seed = seed.to_string_lossy().into_owned();
        m.run(
            "attach the disk to",
            name,
            &["storageattach", name, "--storagectl", CONTROLLER, "--port", "0", "--device", "0", "--type", "hdd", "--medium", &disk],
        )
        .await?;
        m.run(
            "attach the seed to",
            name,
            &["storageattach", name, "--storagectl", CONTROLLER, "--port", "1", "--device", "0", "--type", "dvddrive", "--medium", &seed],
        )
        .await?;
        Ok(())
    }

    /// Remove a VM and what it was made of, whether or not it is complete.
    async fn remove(&self, name: &str, disk: &Path, seed: &Path) -> Result<(), ProviderError> {
        if self.vm_info(name).await?.is_some() {
            // `--delete` removes the VM's folder and its attached hard disks (the differencing
            // VDI; the box's VDI is its parent, never attached itself).
            self.manage.run("remove", name, &["unregistervm", name, "--delete"]).await?;
        }
        for (kind, medium) in [("disk", disk), ("dvd", seed)] {
            if let Ok(Err(f)) = self.manage.try_run(&["closemedium", kind, &medium.to_string_lossy()]).await {
                tracing::debug!(medium = %medium.display(), failure = ?f, "medium not registered");
            }
            remove_if_exists(medium).await?;
        }
        Ok(())
    }

    async fn state_of(&self, name: &str) -> Result<NodeState, ProviderError> {
        Ok(match self.vm_info(name).await? {
            None => NodeState::Missing,
            Some(info) => map_state(info.get("VMState").map(String::as_str).unwrap_or("")),
        })
    }
}

/// VBoxManage's `VMState`.
fn map_state(state: &str) -> NodeState {
    match state {
        "running" => NodeState::Running,
        "poweroff" | "aborted" => NodeState::Stopped,
        other => NodeState::Other(other.to_string()),
    }
}

/// The node's files as VirtualBox has them: disk `.vdi`, seed `.iso`, beside libvirt's names.
fn node_files(spec: &NodeSpec) -> (PathBuf, PathBuf) {
    (spec.disk_path.with_extension("vdi"), spec.seed_path.with_extension("iso"))
}

/// The NAT adapter's MAC: the lab MAC with its fourth byte's low bit flipped (still
/// locally administered, unique per node, stable across runs).
fn egress_mac(mac: &str) -> String {
    let mut parts: Vec<String> = mac.split(':').map(str::to_string).collect();
    if let Some(byte) = parts.get_mut(3).and_then(|p| u8::from_str_radix(p, 16).ok().map(|b| (p, b))) {
        *byte.0 = format!("{:02x}", byte.1 ^ 1);
    }
    parts.join(":")
}

#[async_trait::async_trait]
impl Provider for VirtualBoxProvider {
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), ProviderError> {
        network::ensure(&self.manage, spec).await
    }

    async fn network_exists(&self, lab: &str) -> Result<bool, ProviderError> {
        Ok(network::interface(&self.manage, lab).await?.is_some())
    }

    async fn destroy_network(&self, lab: &str) -> Result<(), ProviderError> {
        network::destroy(&self.manage, lab).await
    }

    async fn create_node(&self, spec: &NodeSpec) -> Result<(), ProviderError> {
        let name = vm_name(&spec.lab, &spec.name);
        if self.own_vm(&spec.lab, &spec.name).await?.is_some() {
            tracing::debug!(vm = %name, "node already defined");
            return Ok(());
        }
        let host_only = network::interface(&self.manage, &spec.lab)
            .await?
            .ok_or_else(|| ProviderError::Missing { object: format!("the host-only network of lab {}", spec.lab) })?;
        let (disk, seed_path) = node_files(spec);
        for path in [&disk, &seed_path, &spec.console_log] {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(|e| ProviderError::Io { what: "create", path: parent.to_path_buf(), source: e })?;
            }
        }
        let box_vdi = self.box_vdi(spec).await?;
        let mut seed = spec.seed_config()?;
        // No DNS server of the host's on a host-only network: names come from /etc/hosts,
        // which mlab writes on every node; a NAT adapter brings its own by DHCP.
        seed.nameservers.clear();
        // A nat lab reaches out through a second adapter, VirtualBox's NAT.
        let egress = (spec.network_mode == crate::provider::NetworkMode::Nat).then(|| egress_mac(&spec.mac));
        seed.egress_mac = egress.clone();
        let made = async {
            self.remove(&name, &disk, &seed_path).await?;
            let disk_text = disk.to_string_lossy().into_owned();
            let parent = box_vdi.to_string_lossy().into_owned();
            self.manage
                .run("create the disk of", &name, &["createmedium", "disk", "--filename", &disk_text, "--diffparent", &parent, "--format", "VDI"])
                .await?;
            let seed_file = seed_path.clone();
            tokio::task::spawn_blocking(move || seed.write_image(&seed_file, SeedFormat::Iso)).await.map_err(|e| ProviderError::Task(e.to_string()))??;
            self.define(spec, &name, &disk, &seed_path, &host_only, egress.as_deref()).await
        }
        .await;
        if let Err(e) = made {
            // Leave nothing half-made behind.
            let _ = self.remove(&name, &disk, &seed_path).await;
            return Err(e);
        }
        tracing::info!(vm = %name, "defined node");
        Ok(())
    }

    async fn start_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        let info = self.own_vm(lab, node).await?.ok_or_else(|| ProviderError::Missing { object: name.clone() })?;
        if map_state(info.get("VMState").map(String::as_str).unwrap_or("")) == NodeState::Running {
            return Ok(());
        }
        // The lab's interface may have been made again under another name (VirtualBox names
        // them vboxnetN in order): point the VM at the current one.
        let host_only =
            network::interface(&self.manage, lab).await?.ok_or_else(|| ProviderError::Missing { object: format!("the host-only network of lab {lab}") })?;
        if info.get("hostonlyadapter1") != Some(&host_only) {
            self.manage.run("reconnect", &name, &["modifyvm", &name, "--hostonlyadapter1", &host_only]).await?;
        }
        let started = self.manage.try_run(&["startvm", &name, "--type", "headless"]).await?;
        match started {
            Ok(_) => Ok(()),
            Err(f) if f.message.contains("Nonexistent host networking interface") => Err(ProviderError::Backend {
                action: "start",
                object: name,
                reason: format!("VBoxManage: {}; run `mlab up` again, which makes the lab's host-only network anew", f.message),
            }),
            Err(f) => Err(manage::backend("start", &name, &f)),
        }
    }

    async fn stop_node(&self, lab: &str, node: &str, grace: Duration) -> Result<StopOutcome, ProviderError> {
        let name = vm_name(lab, node);
        if self.state_of(&name).await? != NodeState::Running {
            return Ok(StopOutcome::AlreadyStopped);
        }
        let started = Instant::now();
        // A guest that ignores ACPI is forced off below, so a refusal here is not fatal.
        if let Ok(Err(f)) = self.manage.try_run(&["controlvm", &name, "acpipowerbutton"]).await {
            tracing::debug!(vm = %name, failure = ?f, "ACPI shutdown request failed");
        }
        while started.elapsed() < grace {
            if matches!(self.state_of(&name).await?, NodeState::Stopped | NodeState::Missing) {
                return Ok(StopOutcome::ShutDown);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::info!(vm = %name, grace_s = grace.as_secs(), "guest did not shut down in time; forcing it off");
        self.manage.run("force off", &name, &["controlvm", &name, "poweroff"]).await?;
        Ok(StopOutcome::ForcedOff)
    }

    async fn destroy_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        // Only a VM carrying this lab's marker is touched (own_vm refuses any other).
        let Some(info) = self.own_vm(lab, node).await? else { return Ok(()) };
        if map_state(info.get("VMState").map(String::as_str).unwrap_or("")) != NodeState::Stopped {
            if let Ok(Err(f)) = self.manage.try_run(&["controlvm", &name, "poweroff"]).await {
                tracing::debug!(vm = %name, failure = ?f, "power-off before removal failed");
            }
        }
        let disk = info.get(&format!("{CONTROLLER}-0-0")).map(PathBuf::from);
        let seed = info.get(&format!("{CONTROLLER}-1-0")).map(PathBuf::from);
        self.manage.run("remove", &name, &["unregistervm", &name, "--delete"]).await?;
        for (kind, medium) in [("disk", disk), ("dvd", seed)] {
            let Some(medium) = medium.filter(|m| m.is_absolute()) else { continue };
            let _ = self.manage.try_run(&["closemedium", kind, &medium.to_string_lossy()]).await?;
            remove_if_exists(&medium).await?;
        }
        tracing::info!(vm = %name, "removed node");
        Ok(())
    }

    async fn node_state(&self, lab: &str, node: &str) -> Result<NodeState, ProviderError> {
        self.state_of(&vm_name(lab, node)).await
    }

    async fn list_nodes(&self, lab: &str) -> Result<Vec<NodeInfo>, ProviderError> {
        self.mlab_vms(Some(lab)).await
    }

    async fn list_all_nodes(&self) -> Result<Vec<NodeInfo>, ProviderError> {
        self.mlab_vms(None).await
    }

    async fn pause_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        if self.vm_state(lab, node).await? == "running" {
            self.manage.run("pause", &name, &["controlvm", &name, "pause"]).await?;
        }
        Ok(())
    }

    async fn resume_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        match self.vm_state(lab, node).await?.as_str() {
            "paused" => self.manage.run("resume", &name, &["controlvm", &name, "resume"]).await.map(drop),
            // A VM restored to a snapshot taken while it ran is `saved`: starting it resumes it.
            "saved" => self.manage.run("resume", &name, &["startvm", &name, "--type", "headless"]).await.map(drop),
            _ => Ok(()),
        }
    }

    async fn save_snapshot(&self, lab: &str, node: &str, snapshot: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        self.vm_state(lab, node).await?;
        // Without --live VirtualBox holds the VM still while it saves its memory.
        self.manage.run("snapshot", &name, &["snapshot", &name, "take", snapshot, "--description", "mlab whole-lab snapshot"]).await.map(drop)
    }

    async fn revert_snapshot(&self, lab: &str, node: &str, snapshot: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        let info = self.own_vm(lab, node).await?.ok_or_else(|| ProviderError::Missing { object: format!("the VM {name}") })?;
        if !snapshot_names(&info).iter().any(|s| s == snapshot) {
            return Err(ProviderError::Missing { object: format!("snapshot {snapshot} of the VM {name}") });
        }
        // VirtualBox restores only a VM that is not running; the snapshot's saved memory then
        // leaves it `saved`, and resume_node starts it from there.
        if matches!(info.get("VMState").map(String::as_str), Some("running" | "paused")) {
            self.manage.run("power off", &name, &["controlvm", &name, "poweroff"]).await?;
        }
        self.manage.run("restore", &name, &["snapshot", &name, "restore", snapshot]).await.map(drop)
    }

    async fn delete_snapshot(&self, lab: &str, node: &str, snapshot: &str) -> Result<(), ProviderError> {
        if !self.snapshots(lab, node).await?.iter().any(|s| s == snapshot) {
            return Ok(());
        }
        let name = vm_name(lab, node);
        self.manage.run("delete a snapshot of", &name, &["snapshot", &name, "delete", snapshot]).await.map(drop)
    }

    async fn snapshots(&self, lab: &str, node: &str) -> Result<Vec<String>, ProviderError> {
        let Some(info) = self.own_vm(lab, node).await? else { return Ok(Vec::new()) };
        Ok(snapshot_names(&info))
    }
}

impl VirtualBoxProvider {
    /// The VMState of the node's VM (mlab's own only), or an error if it has none.
    async fn vm_state(&self, lab: &str, node: &str) -> Result<String, ProviderError> {
        let info = self.own_vm(lab, node).await?.ok_or_else(|| ProviderError::Missing { object: format!("the VM {}", vm_name(lab, node)) })?;
        Ok(info.get("VMState").cloned().unwrap_or_default())
    }
}

/// The snapshot names `showvminfo --machinereadable` lists: `SnapshotName` for the first,
/// `SnapshotName-1`, `SnapshotName-1-1`, `SnapshotName-2`... for the rest of the tree.
fn snapshot_names(info: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    let is_path = |rest: &str| rest.split('-').all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let is_name_key = |key: &str| key.strip_prefix("SnapshotName").is_some_and(|rest| rest.is_empty() || rest.strip_prefix('-').is_some_and(is_path));
    let mut names: Vec<String> = info.iter().filter(|(key, _)| is_name_key(key)).map(|(_, name)| name.clone()).collect();
    names.sort();
    names.dedup();
    names
}

impl VirtualBoxProvider {
    /// The VMs carrying mlab's marker, of one lab or of all, sorted by lab and node.
    async fn mlab_vms(&self, lab: Option<&str>) -> Result<Vec<NodeInfo>, ProviderError> {
        let listed = self.manage.run("list", "VirtualBox VMs", &["list", "vms"]).await?;
        // Only names that can be this lab's are asked about (one VBoxManage call each).
        let prefix = lab.map_or_else(|| "mlab-".to_string(), |lab| vm_name(lab, ""));
        let mut nodes = Vec::new();
        for name in manage::vm_names(&listed).into_iter().filter(|n| n.starts_with(&prefix)) {
            let marker = self.marker(&name).await?;
            let Some(vm_lab) = marker.get("mlab/lab").filter(|l| lab.is_none_or(|lab| lab == l.as_str())).cloned() else { continue };
            let Some(info) = self.vm_info(&name).await? else { continue };
            let files: Vec<PathBuf> = [format!("{CONTROLLER}-0-0"), format!("{CONTROLLER}-1-0")]
                .iter()
                .filter_map(|k| info.get(k))
                .filter(|p| p.starts_with('/'))
                .map(PathBuf::from)
                .collect();
            let missing_files = files.iter().filter(|f| !f.exists()).cloned().collect();
            let node = marker.get("mlab/node").cloned().unwrap_or_else(|| name[vm_name(&vm_lab, "").len().min(name.len())..].to_string());
            nodes.push(NodeInfo {
                lab: vm_lab,
                name: node,
                state: map_state(info.get("VMState").map(String::as_str).unwrap_or("")),
                ip: marker.get("mlab/ip").and_then(|ip| ip.parse().ok()),
                files,
                missing_files,
                owner: marker.get("mlab/owner").cloned(),
            });
        }
        nodes.sort_by(|a, b| (&a.lab, &a.name).cmp(&(&b.lab, &b.name)));
        Ok(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nat_adapter_gets_a_mac_of_its_own() {
        assert_eq!(egress_mac("52:54:00:ab:cd:ef"), "52:54:00:aa:cd:ef");
        assert_eq!(egress_mac("52:54:00:00:cd:ef"), "52:54:00:01:cd:ef");
    }

    #[test]
    fn snapshot_names_come_from_the_whole_tree() {
        let info: std::collections::BTreeMap<String, String> = [
            ("SnapshotName", "clean"),
            ("SnapshotUUID", "u1"),
            ("SnapshotName-1", "kafka"),
            ("SnapshotName-1-1", "spark"),
            ("SnapshotName-2", "monday"),
            ("CurrentSnapshotName", "monday"),
            ("SnapshotNameX", "not one"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(snapshot_names(&info), ["clean", "kafka", "monday", "spark"]);
    }

    #[test]
    fn vm_states_map_to_node_states() {
        assert_eq!(map_state("running"), NodeState::Running);
        assert_eq!(map_state("poweroff"), NodeState::Stopped);
        assert_eq!(map_state("aborted"), NodeState::Stopped);
        assert_eq!(map_state("saved"), NodeState::Other("saved".into()));
    }
}
