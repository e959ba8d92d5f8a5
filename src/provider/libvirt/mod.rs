//! The libvirt provider: one libvirt network per lab (`mlab-<lab>`), one domain per node
//! (`mlab-<lab>-<node>`), qcow2 linked clones of the box, a cloud-init seed disk.
//!
//! The connection URI is whatever the caller passes (`qemu:///system`, `qemu:///session`,
//! `qemu+ssh://...`, `test:///default` in tests). Over a local URI node disks and seeds are
//! files in the lab's directory; over any other they are volumes of the server's `mlab`
//! storage pool ([`pool`]), so every operation works wherever the daemon runs.
//! libvirt calls block, so each runs in `tokio::task::spawn_blocking`.

pub mod accel;
pub mod connect;
pub mod disk;
pub mod doctor;
pub mod domain_xml;
pub mod network_xml;
pub mod overlap;
pub mod pool;
pub mod snapshot;
mod xml;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::{Domain, DomainState};
use virt::enumutil::Enum;

use self::accel::AccelChoice;
use self::connect::{backend, is_local_uri, is_not_found, network_name};
use self::domain_xml::{DomainFacts, domain_facts};
use crate::provider::{Accel, NetworkSpec, NodeInfo, NodeSpec, NodeState, Provider, ProviderError, StopOutcome, remove_if_exists, vm_name};

/// The URI to use: the explicit one (`--connect`), else `$MLAB_LIBVIRT_URI`, else `qemu:///system`.
pub fn resolve_uri(explicit: Option<&str>) -> String {
    explicit
        .map(str::to_string)
        .or_else(|| std::env::var("MLAB_LIBVIRT_URI").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| connect::DEFAULT_URI.to_string())
}

/// A libvirt connection plus the accelerator decision.
pub struct LibvirtProvider {
    uri: String,
    local: bool,
    accel: AccelChoice,
    conn: Arc<Connect>,
}

impl LibvirtProvider {
    /// Connect to `uri` and decide the accelerator (`Accel::Auto` probes KVM for local URIs).
    pub async fn connect(uri: &str, accel: Accel) -> Result<LibvirtProvider, ProviderError> {
        let local = is_local_uri(uri);
        // libvirt's default handler prints every error (even an expected "domain not found")
        // to stderr; errors reach the caller as values instead.
        virt::error::clear_error_callback();
        let owned_uri = uri.to_string();
        let (conn, accel) = tokio::task::spawn_blocking(move || {
            let conn = connect::open(&owned_uri)?;
            Ok::<_, ProviderError>((conn, accel::choose(accel, local)))
        })
        .await
        .map_err(|e| ProviderError::Task(e.to_string()))??;
        tracing::debug!(uri, kvm = accel.kvm, "connected to libvirt");
        Ok(LibvirtProvider { uri: uri.to_string(), local, accel, conn: Arc::new(conn) })
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// KVM or TCG, and the notice for the user if TCG was chosen automatically.
    pub fn accel(&self) -> &AccelChoice {
        &self.accel
    }

    /// Run a blocking libvirt call on the blocking pool.
    async fn blocking<T, F>(&self, f: F) -> Result<T, ProviderError>
    where
        T: Send + 'static,
        F: FnOnce(&Connect) -> Result<T, ProviderError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || f(&conn)).await.map_err(|e| ProviderError::Task(e.to_string()))?
    }

    /// The node's domain and what mlab recorded in it, or `None` if there is no such domain.
    async fn lookup_node(&self, lab: &str, node: &str) -> Result<Option<DomainFacts>, ProviderError> {
        let name = vm_name(lab, node);
        self.blocking(move |conn| match lookup_domain(conn, &name)? {
            None => Ok(None),
            Some(domain) => {
                let xml = domain.xml_desc(0).map_err(|e| backend("read the XML of", name.clone(), e))?;
                Ok(domain_facts(&xml))
            }
        })
        .await
    }
}

impl LibvirtProvider {
    /// `create_node` for a daemon elsewhere: the box, the node disk and the seed become volumes
    /// of the server's `mlab` pool (see [`pool`]), and the domain names their server paths.
    async fn create_node_in_pool(&self, spec: &NodeSpec) -> Result<(), ProviderError> {
        let name = vm_name(&spec.lab, &spec.name);
        // The seed is built here, beside the lab's other files, and then uploaded.
        let seed = spec.seed_config()?;
        let local_seed = spec.seed_path.clone();
        disk::ensure_parent(&local_seed).await?;
        {
            let local_seed = local_seed.clone();
            tokio::task::spawn_blocking(move || seed.write_image(&local_seed, crate::cloudinit::SeedFormat::Fat))
                .await
                .map_err(|e| ProviderError::Task(e.to_string()))??;
        }
        let mut remote = spec.clone();
        let accel = self.accel.clone();
        self.blocking(move |conn| {
            let pool = pool::ensure_pool(conn)?;
            let image = remote.box_image.clone();
            let sum = image.meta.sha256.get(..16).unwrap_or("unsummed");
            let base = format!("box-{}-{sum}", image.meta.name);
            let box_disk = pool::upload_once(conn, &pool, &format!("{base}.qcow2"), &image.disk)?;
            if let Some(kernel) = &image.kernel {
                remote.box_image.kernel = Some(pool::upload_once(conn, &pool, &format!("{base}-vmlinuz"), kernel)?);
            }
            if let Some(initrd) = &image.initrd {
                remote.box_image.initrd = Some(pool::upload_once(conn, &pool, &format!("{base}-initrd.img"), initrd)?);
            }
            let disk_volume = format!("{name}.qcow2");
            let seed_volume = format!("{name}-seed.img");
            let made = (|| {
                remote.disk_path = pool::create_clone(&pool, &disk_volume, &box_disk, remote.disk_gib)?;
                remote.seed_path = pool::upload_replacing(conn, &pool, &seed_volume, &local_seed)?;
                // virtlogd writes the console log on the server, where libvirt keeps its own.
                remote.console_log = PathBuf::from(format!("/var/log/libvirt/qemu/{name}-console.log"));
                let xml = domain_xml::domain_xml(&remote, &accel)?;
                conn.define_domain_xml(&xml).map(|_| ()).map_err(|e| backend("define", name.clone(), e))
            })();
            if made.is_err() {
                // Leave nothing half-made behind.
                let _ = pool::delete(&pool, &disk_volume);
                let _ = pool::delete(&pool, &seed_volume);
            }
            made?;
            tracing::info!(domain = %name, pool = pool::POOL, "defined node on its volumes");
            Ok(())
        })
        .await
    }
}

impl LibvirtProvider {
    /// The domains carrying mlab's marker, of one lab or of all, sorted by lab and node.
    async fn mlab_nodes(&self, lab: Option<String>) -> Result<Vec<NodeInfo>, ProviderError> {
        let local = self.local;
        self.blocking(move |conn| {
            let domains = conn.list_all_domains(0).map_err(|e| backend("list", "libvirt domains", e))?;
            let mut nodes = Vec::new();
            for domain in domains {
                let name = domain.name().map_err(|e| backend("read the name of", "a domain", e))?;
                if !name.starts_with("mlab-") {
                    continue;
                }
                let xml = domain.xml_desc(0).map_err(|e| backend("read the XML of", name.clone(), e))?;
                let Some(facts) = domain_facts(&xml).filter(|f| lab.as_ref().is_none_or(|lab| f.lab == *lab)) else { continue };
                // Files are looked at where they live: on this host, or as the server's volumes.
                let mut missing_files = Vec::new();
                for file in &facts.disk_files {
                    let there = if local { file.exists() } else { pool::exists_path(conn, file)? };
                    if !there {
                        missing_files.push(file.clone());
                    }
                }
                nodes.push(NodeInfo {
                    lab: facts.lab,
                    name: facts.node,
                    state: domain_state(&domain, &name)?,
                    ip: facts.ip,
                    files: facts.disk_files,
                    missing_files,
                    owner: facts.owner,
                });
            }
            nodes.sort_by(|a, b| (&a.lab, &a.name).cmp(&(&b.lab, &b.name)));
            Ok(nodes)
        })
        .await
    }
}

fn lookup_domain(conn: &Connect, name: &str) -> Result<Option<Domain>, ProviderError> {
    match conn.lookup_domain_by_name(name) {
        Ok(domain) => Ok(Some(domain)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(backend("look up", name, e)),
    }
}

fn lookup_network(conn: &Connect, name: &str) -> Result<Option<virt::network::Network>, ProviderError> {
    match conn.lookup_network_by_name(name) {
        Ok(network) => Ok(Some(network)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(backend("look up", name, e)),
    }
}

fn map_state(state: Enum<DomainState, u32>) -> NodeState {
    match state {
        Enum::Known(DomainState::Running | DomainState::Blocked) => NodeState::Running,
        Enum::Known(DomainState::Shutoff) => NodeState::Stopped,
        Enum::Known(DomainState::Paused) => NodeState::Other("paused".into()),
        Enum::Known(DomainState::Shutdown) => NodeState::Other("shutting down".into()),
        Enum::Known(DomainState::Crashed) => NodeState::Other("crashed".into()),
        Enum::Known(DomainState::PMSuspended) => NodeState::Other("suspended".into()),
        Enum::Known(DomainState::NoState) => NodeState::Other("no state".into()),
        Enum::Unknown(raw) => NodeState::Other(format!("unknown state {raw}")),
    }
}

fn domain_state(domain: &Domain, name: &str) -> Result<NodeState, ProviderError> {
    let (state, _reason) = domain.state().map_err(|e| backend("read the state of", name, e))?;
    Ok(map_state(state))
}

/// The `(name, IPv4 ranges)` of every libvirt network except `skip`.
fn existing_network_ranges(conn: &Connect, skip: &str) -> Result<Vec<(String, Vec<ipnet::Ipv4Net>)>, ProviderError> {
    let networks = conn.list_all_networks(0).map_err(|e| backend("list", "libvirt networks", e))?;
    let mut ranges = Vec::new();
    for network in networks {
        let name = network.name().map_err(|e| backend("read the name of", "a libvirt network", e))?;
        if name == skip {
            continue;
        }
        let xml = network.xml_desc(0).map_err(|e| backend("read the XML of", name.clone(), e))?;
        ranges.push((name, network_xml::ipv4_ranges(&xml)));
    }
    Ok(ranges)
}

#[async_trait::async_trait]
impl Provider for LibvirtProvider {
    async fn ensure_network(&self, spec: &NetworkSpec) -> Result<(), ProviderError> {
        let name = network_name(&spec.lab);
        if !spec.cidr.contains(&spec.gateway) || spec.gateway == spec.cidr.network() || spec.gateway == spec.cidr.broadcast() {
            return Err(ProviderError::Unsupported(format!(
                "the gateway {} is not a host address of the lab network {}; pick one inside it (usually .1)",
                spec.gateway, spec.cidr
            )));
        }
        let xml = network_xml::network_xml(spec)?;
        let cidr = spec.cidr;
        let local = self.local;
        self.blocking(move |conn| {
            if let Some(network) = lookup_network(conn, &name)? {
                if !network.is_active().map_err(|e| backend("check", name.clone(), e))? {
                    network.create().map_err(|e| backend("start", name.clone(), e))?;
                }
                return Ok(());
            }
            let networks = existing_network_ranges(conn, &name)?;
            let routes = if local {
                std::fs::read_to_string("/proc/net/route").map(|text| overlap::parse_proc_net_route(&text)).unwrap_or_default()
            } else {
                Vec::new()
            };
            if let Some(conflict) = overlap::find_conflict(&cidr, &networks, &routes) {
                return Err(ProviderError::NetworkOverlap { cidr, conflict });
            }
            let network = conn.define_network_xml(&xml).map_err(|e| backend("define", name.clone(), e))?;
            if let Err(e) = network.create() {
                let _ = network.undefine();
                return Err(backend("start", name, e));
            }
            tracing::info!(network = %name, %cidr, "created lab network");
            Ok(())
        })
        .await
    }

    async fn network_exists(&self, lab: &str) -> Result<bool, ProviderError> {
        let name = network_name(lab);
        self.blocking(move |conn| Ok(lookup_network(conn, &name)?.is_some())).await
    }

    async fn destroy_network(&self, lab: &str) -> Result<(), ProviderError> {
        let name = network_name(lab);
        self.blocking(move |conn| {
            let Some(network) = lookup_network(conn, &name)? else {
                return Ok(());
            };
            if network.is_active().map_err(|e| backend("check", name.clone(), e))? {
                network.destroy().map_err(|e| backend("stop", name.clone(), e))?;
            }
            if network.is_persistent().map_err(|e| backend("check", name.clone(), e))? {
                network.undefine().map_err(|e| backend("undefine", name.clone(), e))?;
            }
            tracing::info!(network = %name, "removed lab network");
            Ok(())
        })
        .await
    }

    async fn create_node(&self, spec: &NodeSpec) -> Result<(), ProviderError> {
        let name = vm_name(&spec.lab, &spec.name);
        if let Some(existing) = self.lookup_node(&spec.lab, &spec.name).await? {
            tracing::debug!(domain = %name, ?existing, "node already defined");
            return Ok(());
        }
        if !self.local {
            return self.create_node_in_pool(spec).await;
        }
        let xml = domain_xml::domain_xml(spec, &self.accel)?;
        let seed = spec.seed_config()?;
        let seed_path = spec.seed_path.clone();
        for path in [&spec.seed_path, &spec.console_log] {
            disk::ensure_parent(path).await?;
        }
        remove_if_exists(&spec.disk_path).await?;
        disk::create_linked_clone(&spec.box_image.disk, &spec.disk_path, spec.disk_gib).await?;
        let defined = async {
            tokio::task::spawn_blocking(move || seed.write_image(&seed_path, crate::cloudinit::SeedFormat::Fat))
                .await
                .map_err(|e| ProviderError::Task(e.to_string()))??;
            let domain_name = name.clone();
            self.blocking(move |conn| conn.define_domain_xml(&xml).map(|_| ()).map_err(|e| backend("define", domain_name, e))).await
        }
        .await;
        if let Err(e) = defined {
            // Leave nothing half-made behind.
            let _ = remove_if_exists(&spec.disk_path).await;
            let _ = remove_if_exists(&spec.seed_path).await;
            return Err(e);
        }
        tracing::info!(domain = %name, "defined node");
        Ok(())
    }

    async fn start_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        self.blocking(move |conn| {
            let domain = lookup_domain(conn, &name)?.ok_or_else(|| ProviderError::Missing { object: name.clone() })?;
            if !domain.is_active().map_err(|e| backend("check", name.clone(), e))? {
                domain.create().map_err(|e| backend("start", name.clone(), e))?;
            }
            Ok(())
        })
        .await
    }

    async fn stop_node(&self, lab: &str, node: &str, grace: Duration) -> Result<StopOutcome, ProviderError> {
        let name = vm_name(lab, node);
        let started = Instant::now();
        let asked = {
            let name = name.clone();
            self.blocking(move |conn| {
                let Some(domain) = lookup_domain(conn, &name)? else { return Ok(false) };
                if !domain.is_active().map_err(|e| backend("check", name.clone(), e))? {
                    return Ok(false);
                }
                // A guest that ignores ACPI is forced off below, so a refusal here is not fatal.
                if let Err(e) = domain.shutdown() {
                    tracing::debug!(domain = %name, error = %e, "graceful shutdown request failed");
                }
                Ok(true)
            })
            .await?
        };
        if !asked {
            return Ok(StopOutcome::AlreadyStopped);
        }
        while started.elapsed() < grace {
            if matches!(self.node_state(lab, node).await?, NodeState::Stopped | NodeState::Missing) {
                tracing::debug!(domain = %name, secs = started.elapsed().as_secs_f64(), "guest shut down");
                return Ok(StopOutcome::ShutDown);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::info!(domain = %name, grace_s = grace.as_secs(), "guest did not shut down in time; forcing it off");
        self.blocking(move |conn| {
            if let Some(domain) = lookup_domain(conn, &name)?
                && domain.is_active().map_err(|e| backend("check", name.clone(), e))?
            {
                domain.destroy().map_err(|e| backend("force off", name.clone(), e))?;
            }
            Ok(StopOutcome::ForcedOff)
        })
        .await
    }

    async fn destroy_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let name = vm_name(lab, node);
        let local = self.local;
        let facts = self
            .blocking(move |conn| {
                let Some(domain) = lookup_domain(conn, &name)? else {
                    return Ok(None);
                };
                let xml = domain.xml_desc(0).map_err(|e| backend("read the XML of", name.clone(), e))?;
                if domain.is_active().map_err(|e| backend("check", name.clone(), e))? {
                    domain.destroy().map_err(|e| backend("force off", name.clone(), e))?;
                }
                if domain.is_persistent().map_err(|e| backend("check", name.clone(), e))? {
                    // The node's snapshots live in its disk, which goes next; libvirt refuses to
                    // undefine a domain that has any unless told to drop their metadata too.
                    domain.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA).map_err(|e| backend("undefine", name.clone(), e))?;
                }
                tracing::info!(domain = %name, "removed node");
                Ok(domain_facts(&xml))
            })
            .await?;
        // Only a domain carrying mlab's marker has its disks deleted: never delete files of a
        // domain that merely happens to have a matching name.
        if let Some(facts) = facts {
            if local {
                for file in &facts.disk_files {
                    remove_if_exists(file).await?;
                }
            } else {
                // On a server they are volumes of its pool (the box's stay for the next lab).
                self.blocking(move |conn| facts.disk_files.iter().try_for_each(|file| pool::delete_path(conn, file))).await?;
            }
        }
        Ok(())
    }

    async fn node_state(&self, lab: &str, node: &str) -> Result<NodeState, ProviderError> {
        let name = vm_name(lab, node);
        self.blocking(move |conn| match lookup_domain(conn, &name)? {
            None => Ok(NodeState::Missing),
            Some(domain) => domain_state(&domain, &name),
        })
        .await
    }

    async fn list_nodes(&self, lab: &str) -> Result<Vec<NodeInfo>, ProviderError> {
        self.mlab_nodes(Some(lab.to_string())).await
    }

    async fn list_all_nodes(&self) -> Result<Vec<NodeInfo>, ProviderError> {
        self.mlab_nodes(None).await
    }

    async fn subnets_in_use(&self, except_lab: &str) -> Result<Vec<(String, ipnet::Ipv4Net)>, ProviderError> {
        let own = network_name(except_lab);
        self.blocking(move |conn| {
            Ok(existing_network_ranges(conn, &own)?.into_iter().flat_map(|(name, ranges)| ranges.into_iter().map(move |r| (name.clone(), r))).collect())
        })
        .await
    }

    async fn pause_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let vm = vm_name(lab, node);
        self.blocking(move |conn| snapshot::pause(conn, &vm)).await
    }

    async fn resume_node(&self, lab: &str, node: &str) -> Result<(), ProviderError> {
        let vm = vm_name(lab, node);
        self.blocking(move |conn| snapshot::resume(conn, &vm)).await
    }

    async fn save_snapshot(&self, lab: &str, node: &str, name: &str) -> Result<(), ProviderError> {
        let (vm, name) = (vm_name(lab, node), name.to_string());
        self.blocking(move |conn| snapshot::save(conn, &vm, &name)).await
    }

    async fn revert_snapshot(&self, lab: &str, node: &str, name: &str) -> Result<(), ProviderError> {
        let (vm, name) = (vm_name(lab, node), name.to_string());
        self.blocking(move |conn| snapshot::revert(conn, &vm, &name)).await
    }

    async fn delete_snapshot(&self, lab: &str, node: &str, name: &str) -> Result<(), ProviderError> {
        let (vm, name) = (vm_name(lab, node), name.to_string());
        self.blocking(move |conn| snapshot::delete(conn, &vm, &name)).await
    }

    async fn snapshots(&self, lab: &str, node: &str) -> Result<Vec<String>, ProviderError> {
        let vm = vm_name(lab, node);
        self.blocking(move |conn| snapshot::names(conn, &vm)).await
    }
}
