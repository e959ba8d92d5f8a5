//! `mlab up`: create what is missing, start what is stopped, wait until every node answers
//! SSH with its pinned host key.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::spec::{ensure_keys, network_spec, node_spec, ssh_target};
use super::{Connected, LifecycleError, NodeProgress};
use crate::boxes::BoxStore;
use crate::lab::ResolvedLab;
use crate::provider::{NodeState, create_nodes};
use crate::provision::{ProvisionOptions, ProvisionReport};
use crate::render::Provisioners;
use crate::ssh::Session;
use crate::state::{LabDir, LabLock, LabState, now};

pub struct UpOptions {
    /// The lab as the user named it (recorded in the state so later commands can re-plan it).
    pub source: String,
    /// How long a node may take to answer SSH.
    pub ssh_timeout: Duration,
    /// Provision after boot with these templates and options (`None`: `--no-provision`).
    pub provision: Option<(Provisioners, ProvisionOptions)>,
    /// Also write the lab's block into this hosts file of the host (`--host-entries`).
    pub host_entries: Option<std::path::PathBuf>,
    /// How long services may take to answer after provisioning.
    pub ready_timeout: Duration,
    /// The subnet chosen for a new instance whose lab file's overlapped another lab's.
    pub network: Option<ipnet::Ipv4Net>,
}

/// What `up` did, for the summary table and `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub lab: String,
    /// Nothing was created or started: the lab was already up.
    pub already_up: bool,
    pub nodes: Vec<UpNode>,
    /// Wall time of the whole command, provisioning included.
    pub total_s: f64,
    /// Wall time until every node answered SSH (what compares with the guests' boot).
    pub booted_s: f64,
    /// The slowest node's time from start to SSH answer.
    pub slowest_boot_s: f64,
    pub created: Vec<String>,
    pub started: Vec<String>,
    /// What provisioning did, step by step (absent with `--no-provision`).
    pub provision: Option<ProvisionReport>,
    /// Each service, checked live after provisioning (absent with `--no-provision`).
    pub readiness: Option<super::readiness::ReadinessReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpNode {
    pub name: String,
    pub ip: String,
    pub state: String,
    /// Seconds from start to SSH answer, for nodes this run started.
    pub boot_s: Option<f64>,
}

/// Bring the lab up. The lock is held throughout; state is saved before anything is created,
/// so an interrupted run is continued by the next `up` and cleaned by `destroy`.
pub async fn up(conn: &Connected, dir: &LabDir, lab: &ResolvedLab, opts: &UpOptions, progress: &NodeProgress) -> Result<UpReport, LifecycleError> {
    let began = Instant::now();
    // The one step that may need privileges is checked before anything is created.
    if let Some(path) = &opts.host_entries {
        crate::hostfile::check_writable(path).map_err(LifecycleError::Other)?;
    }
    dir.create()?;
    let _lock = LabLock::acquire(dir, "mlab up")?;
    let mut state = LabState::load(dir)?.unwrap_or_else(|| LabState {
        source: opts.source.clone(),
        provider: "libvirt".into(),
        uri: conn.uri.clone(),
        created_at: now(),
        ..Default::default()
    });
    if opts.host_entries.is_some() {
        state.host_entries = opts.host_entries.clone();
    }
    if opts.network.is_some() && state.network.is_none() {
        state.network = opts.network;
    }
    state.save(dir)?;

    let box_image = BoxStore::open_default().get(&lab.box_name)?;
    let keys = ensure_keys(dir, lab)?;
    let provider = Arc::clone(&conn.provider);
    provider.ensure_network(&network_spec(&dir.name, lab)).await?;

    // Which nodes should run: autostart ones (the plan counts spares started on demand as such).
    let wanted: Vec<_> = lab.nodes.iter().filter(|n| n.autostart).collect();
    let existing: HashMap<String, NodeState> = provider.list_nodes(&dir.name).await?.into_iter().map(|n| (n.name, n.state)).collect();
    let state_of = |name: &str| existing.get(name).cloned().unwrap_or(NodeState::Missing);

    let lines: HashMap<String, indicatif::ProgressBar> = wanted.iter().map(|n| (n.name.clone(), progress.line(&n.name))).collect();
    let to_create: Vec<_> = wanted.iter().filter(|n| state_of(&n.name) == NodeState::Missing).collect();
    let mut specs = Vec::new();
    for node in &to_create {
        lines[&node.name].set_message("creating disk and seed");
        specs.push(node_spec(dir, lab, node, &box_image, &keys)?);
    }
    create_nodes(Arc::clone(&provider), specs).await?;
    let created: Vec<String> = to_create.iter().map(|n| n.name.clone()).collect();

    let to_start: Vec<String> = wanted.iter().filter(|n| state_of(&n.name) != NodeState::Running).map(|n| n.name.clone()).collect();
    let mut booting = tokio::task::JoinSet::new();
    for node in wanted.iter().copied() {
        let starts = to_start.contains(&node.name);
        let provider = Arc::clone(&provider);
        let line = lines[&node.name].clone();
        let target = ssh_target(dir, node);
        let lab_name = dir.name.clone();
        let console = dir.console_log(&node.name);
        let timeout = opts.ssh_timeout;
        booting.spawn(async move {
            let t0 = Instant::now();
            if starts {
                line.set_message("starting");
                provider.start_node(&lab_name, &target.node).await?;
            }
            line.set_message(format!("waiting for SSH on {}", target.host));
            match Session::connect(&target, timeout).await {
                Ok(session) => {
                    let secs = t0.elapsed().as_secs_f64();
                    line.finish_with_message(format!("answers SSH at {}", target.host));
                    Ok::<_, LifecycleError>((target.node.clone(), starts.then_some(secs), session))
                }
                Err(e) => {
                    line.finish_with_message("no SSH answer");
                    let tail = std::fs::read_to_string(&console)
                        .map(|t| {
                            let last: Vec<&str> = t.lines().rev().take(8).collect();
                            let last: Vec<&str> = last.into_iter().rev().collect();
                            format!("\n  last console lines:\n    {}", last.join("\n    "))
                        })
                        .unwrap_or_default();
                    Err(LifecycleError::SshTimeout {
                        node: target.node.clone(),
                        address: target.host.clone(),
                        waited_s: timeout.as_secs(),
                        reason: e.to_string(),
                        console: console.display().to_string(),
                        tail,
                    })
                }
            }
        });
    }
    let (booted, first_error) = crate::tasks::join_all(booting, super::task_failed).await;
    let mut boot_times: HashMap<String, f64> = HashMap::new();
    let mut sessions = HashMap::new();
    for (name, secs, session) in booted {
        if let Some(secs) = secs {
            boot_times.insert(name.clone(), secs);
        }
        sessions.insert(name, Arc::new(session));
    }
    state.save(dir)?;
    if let Some(e) = first_error {
        return Err(e);
    }
    let booted_s = began.elapsed().as_secs_f64();

    let provision = match &opts.provision {
        Some((provisioners, popts)) => Some(super::provision_lab(dir, &mut state, lab, provisioners, &sessions, popts, progress).await?),
        None => None,
    };
    if let Some(path) = &state.host_entries {
        crate::hostfile::update(path, &dir.name, Some(&crate::render::hosts_block(lab))).map_err(LifecycleError::Other)?;
    }
    let readiness = match &opts.provision {
        Some((provisioners, _)) => {
            let cache = crate::artifacts::ArtifactCache::default_location();
            let availability = crate::artifacts::availability(&cache, provisioners, &lab.artifacts, &lab.artifacts);
            let line = progress.line("services");
            line.set_message("checking what is ready");
            let report = super::readiness::check(lab, &sessions, &availability, opts.ready_timeout).await;
            line.finish_and_clear();
            Some(report)
        }
        None => None,
    };
    super::close_sessions(sessions).await;

    let nodes = lab
        .nodes
        .iter()
        .map(|n| UpNode {
            name: n.name.clone(),
            ip: n.ip.to_string(),
            state: if wanted.iter().any(|w| w.name == n.name) { "running".into() } else { "on demand".into() },
            boot_s: boot_times.get(&n.name).copied(),
        })
        .collect();
    Ok(UpReport {
        lab: dir.name.clone(),
        already_up: created.is_empty() && to_start.is_empty() && provision.as_ref().is_none_or(|p| p.count(crate::provision::StepStatus::Done) == 0),
        nodes,
        total_s: began.elapsed().as_secs_f64(),
        booted_s,
        slowest_boot_s: boot_times.values().copied().fold(0.0, f64::max),
        created,
        started: to_start,
        provision,
        readiness,
    })
}
