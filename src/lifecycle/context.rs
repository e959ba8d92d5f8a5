//! The context every action of a command works on: the provider connection, the lab
//! directory, its lock, its state, its plan, the sessions to its nodes, the progress lines, and
//! what the command has done so far.
//!
//! A context is opened once per command. Opening takes the lab's lock and holds it until the
//! context is dropped, loads the state under it, plans the lab once and connects to the
//! provider the lab was made with, so no other command can change the lab in between and no
//! save can overwrite newer state.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::readiness::ReadinessReport;
use super::{LifecycleError, Planner};
use crate::artifacts::{ArtifactCache, Availability};
use crate::lab::{Node, ResolvedLab};
use crate::progress::NodeProgress;
use crate::provider::{Connected, ProviderOptions, connect};
use crate::provision::{ProvisionOptions, ProvisionReport};
use crate::provisioners::Provisioners;
use crate::ssh::Session;
use crate::state::{LabDir, LabLock, LabState, now};

/// How a command wants its actions to behave.
#[derive(Clone)]
pub struct Settings {
    pub provisioners: Provisioners,
    /// Provision with these options; `None` only creates and boots (`--no-provision`).
    pub provision: Option<ProvisionOptions>,
    /// How long a node may take to answer SSH.
    pub ssh_timeout: Duration,
    /// How long services may take to answer after provisioning.
    pub ready_timeout: Duration,
    /// How artifact builds and downloads show progress.
    pub artifact_progress: crate::boxes::Progress,
}

impl Settings {
    pub fn new(provisioners: Provisioners) -> Settings {
        Settings {
            provisioners,
            provision: Some(ProvisionOptions::default()),
            ssh_timeout: Duration::from_secs(300),
            ready_timeout: Duration::from_secs(180),
            artifact_progress: crate::boxes::Progress::Hide,
        }
    }
}

/// What the command has done, for its report.
#[derive(Default)]
pub struct Record {
    pub created: Vec<String>,
    pub started: Vec<String>,
    /// When each node this command started was started.
    pub start_times: HashMap<String, Instant>,
    /// Seconds from start to SSH answer, for the nodes this command started.
    pub boot_s: HashMap<String, f64>,
    /// Wall time until every node answered SSH.
    pub booted_s: f64,
    pub provision: Option<ProvisionReport>,
    pub readiness: Option<ReadinessReport>,
    /// add-agent: spares of the lab file started now, and agents added beyond it.
    pub started_spares: Vec<String>,
    pub added: Vec<String>,
    /// remove-agent: the node removed and its FQDN (how the Mesos master knows it).
    pub removed: Option<(String, String)>,
    /// remove-agent: the agent id the leading master now records as gone, or why it could not.
    pub marked_gone: Option<Result<String, String>>,
    /// snapshot save: what was saved, and how long the nodes were paused for it.
    pub snapshot: Option<super::snapshot::LabSnapshot>,
    pub paused_s: f64,
    /// snapshot restore: nodes made after the snapshot and removed; seconds until the nodes
    /// that ran then run again.
    pub removed_nodes: Vec<String>,
    pub resumed_s: f64,
    /// up: artifacts the lab stages that could not be had before the nodes booted, each with
    /// why and the command that gets it (the roles that need them wait; the rest comes up).
    pub missing_artifacts: Vec<String>,
}

/// The shared context of one command's actions.
pub struct LabContext {
    pub planner: Planner,
    pub conn: Connected,
    pub dir: LabDir,
    pub state: LabState,
    pub lab: ResolvedLab,
    pub settings: Settings,
    pub progress: NodeProgress,
    /// The nodes the command brings up or provisions.
    pub targets: Vec<String>,
    pub sessions: HashMap<String, Arc<Session>>,
    pub record: Record,
    pub began: Instant,
    availability: Option<BTreeMap<String, Availability>>,
    lines: HashMap<String, crate::progress::NodeLine>,
    _lock: LabLock,
}

impl LabContext {
    /// An existing lab, for `command` (named in the lock for whoever waits on it).
    pub async fn open(
        planner: Planner,
        name: &str,
        provider: &ProviderOptions,
        command: &str,
        settings: Settings,
        progress: NodeProgress,
    ) -> Result<LabContext, LifecycleError> {
        let dir = planner.dir(name);
        if !dir.exists() {
            return Err(LifecycleError::NoSuchLab(name.to_string()));
        }
        let lock = LabLock::acquire(&dir, command)?;
        let state = LabState::load(&dir)?.ok_or_else(|| LifecycleError::NoSuchLab(name.to_string()))?;
        let lab = planner.plan(&state.source, Some(name), Some(&state))?;
        let conn = connect(&provider.or_saved(&state.provider, &state.uri)?).await?;
        Ok(LabContext::assemble(planner, conn, dir, state, lab, settings, progress, lock))
    }

    /// The lab `reference` as instance `name` for `mlab up`: opened if it exists here (it must
    /// come from the same source), made otherwise, on a subnet of its own if its file's overlaps
    /// another lab's (a note says which). `source` is what later commands re-plan it from.
    pub async fn open_or_create(
        planner: Planner,
        reference: &str,
        source: &str,
        name: Option<&str>,
        provider: &ProviderOptions,
        settings: Settings,
        progress: NodeProgress,
    ) -> Result<LabContext, LifecycleError> {
        let instance = planner.instance_name(reference, name)?;
        let dir = planner.dir(&instance);
        dir.create()?;
        let lock = LabLock::acquire(&dir, "mlab up")?;
        let (state, lab, conn) = match LabState::load(&dir)? {
            Some(state) if state.source != source => {
                return Err(LifecycleError::Other(format!(
                    "a lab named `{instance}` already exists on this host, made from {}; give this one another name with `--name`, or `mlab destroy --lab {instance}` first",
                    state.source
                )));
            }
            Some(state) => {
                let lab = planner.plan(reference, Some(&instance), Some(&state))?;
                let conn = connect(&provider.or_saved(&state.provider, &state.uri)?).await?;
                (state, lab, conn)
            }
            None => {
                // Connected first: the subnet is chosen beside the networks the hypervisor has.
                let conn = connect(&provider.or_lab(planner.plan(reference, Some(&instance), None)?.provider)).await?;
                let in_use = conn.provider.subnets_in_use(&instance).await?;
                let (lab, moved) = planner.plan_new(reference, Some(&instance), &in_use)?;
                let network = moved.map(|(cidr, why)| {
                    progress.note(&why);
                    cidr
                });
                let state = LabState {
                    source: source.to_string(),
                    provider: conn.kind.name().into(),
                    uri: conn.uri.clone(),
                    created_at: now(),
                    network,
                    ..Default::default()
                };
                // Saved before anything is made, so an interrupted `up` is finished by the next
                // one and undone by `destroy`.
                state.save(&dir)?;
                (state, lab, conn)
            }
        };
        Ok(LabContext::assemble(planner, conn, dir, state, lab, settings, progress, lock))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        planner: Planner,
        conn: Connected,
        dir: LabDir,
        state: LabState,
        lab: ResolvedLab,
        settings: Settings,
        progress: NodeProgress,
        lock: LabLock,
    ) -> LabContext {
        if let Some(notice) = &conn.notice {
            progress.note(notice);
        }
        LabContext {
            planner,
            conn,
            dir,
            state,
            lab,
            settings,
            progress,
            targets: Vec::new(),
            sessions: HashMap::new(),
            record: Record::default(),
            began: Instant::now(),
            availability: None,
            lines: HashMap::new(),
            _lock: lock,
        }
    }

    pub fn name(&self) -> &str {
        &self.dir.name
    }

    /// Save the state (only ever through here, under the lock).
    pub fn save(&self) -> Result<(), LifecycleError> {
        Ok(self.state.save(&self.dir)?)
    }

    /// Plan the lab again from its state, after an action changed which nodes it has.
    pub fn replan(&mut self) -> Result<(), LifecycleError> {
        self.lab = self.planner.plan(&self.state.source, Some(&self.dir.name), Some(&self.state))?;
        Ok(())
    }

    /// The plan's node named `node`, or an error listing the nodes.
    pub fn node(&self, node: &str) -> Result<&Node, LifecycleError> {
        self.lab.node(node).ok_or_else(|| LifecycleError::NoSuchNode {
            lab: self.dir.name.clone(),
            node: node.to_string(),
            known: self.lab.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// The plan's nodes the command targets.
    pub fn target_nodes(&self) -> impl Iterator<Item = &Node> {
        self.lab.nodes.iter().filter(|n| self.targets.contains(&n.name))
    }

    /// Target every node that runs in the lab (autostart ones and spares started on demand).
    pub fn target_running_nodes(&mut self) {
        self.targets = self.lab.autostart_nodes().map(|n| n.name.clone()).collect();
    }

    /// Where each of the lab's artifacts stands in this host's cache (asked once per command,
    /// or again after [`LabContext::forget_availability`]).
    pub fn availability(&mut self) -> &BTreeMap<String, Availability> {
        let (provisioners, artifacts) = (&self.settings.provisioners, &self.lab.artifacts);
        self.availability.get_or_insert_with(|| crate::artifacts::availability(&ArtifactCache::default_location(), provisioners, artifacts, artifacts))
    }

    /// The cache changed (an artifact was built or fetched): ask again next time.
    pub fn forget_availability(&mut self) {
        self.availability = None;
    }

    /// The progress line of `node`, one per node for the whole command.
    pub fn line(&mut self, node: &str) -> crate::progress::NodeLine {
        let progress = &self.progress;
        self.lines.entry(node.to_string()).or_insert_with(|| progress.line(node)).clone()
    }

    /// Close the SSH sessions the command opened (those no task still holds).
    pub async fn close_sessions(&mut self) {
        super::close_sessions(std::mem::take(&mut self.sessions)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Catalog, LabLibrary};

    fn planner(labs_dir: &std::path::Path) -> Planner {
        let catalog = Catalog::parse("artifacts.yaml", include_str!("../../provisioners/artifacts.yaml")).expect("catalog");
        Planner { library: LabLibrary { user_dir: None }, catalog, labs_dir: labs_dir.to_path_buf() }
    }

    fn provider() -> ProviderOptions {
        ProviderOptions { uri: Some("test:///default".into()), ..Default::default() }
    }

    /// Open the lab, retrying while another command holds it (as a user would rerun).
    async fn open_when_free(planner: Planner, name: &str) -> LabContext {
        loop {
            match LabContext::open(planner.clone(), name, &provider(), "test", Settings::new(Provisioners::builtin()), NodeProgress::hidden()).await {
                Ok(ctx) => return ctx,
                Err(LifecycleError::State(crate::state::StateError::Locked { .. })) => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(e) => panic!("open: {e}"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_commands_lose_no_state() {
        let root = tempfile::tempdir().expect("tmp");
        let planner = planner(root.path());
        let dir = planner.dir("mini-cluster");
        dir.create().expect("dir");
        LabState { source: "mini-cluster".into(), provider: "libvirt".into(), uri: "test:///default".into(), ..Default::default() }.save(&dir).expect("save");

        // Each command reads the state, changes it a little later, and saves it; without the
        // lock held from load to save, one would overwrite another's change.
        let mut commands = tokio::task::JoinSet::new();
        for i in 0..8 {
            let planner = planner.clone();
            commands.spawn(async move {
                let mut ctx = open_when_free(planner, "mini-cluster").await;
                let seen = ctx.state.started_on_demand.len();
                tokio::time::sleep(Duration::from_millis(10)).await;
                ctx.state.started_on_demand.push(format!("command{i}"));
                ctx.save().expect("save");
                seen
            });
        }
        let mut seen: Vec<usize> = commands.join_all().await;
        seen.sort();
        assert_eq!(seen, (0..8).collect::<Vec<_>>(), "each command saw every change made before it");
        let state = LabState::load(&dir).expect("load").expect("state");
        let mut names = state.started_on_demand.clone();
        names.sort();
        assert_eq!(names, (0..8).map(|i| format!("command{i}")).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_new_instance_is_given_a_subnet_beside_the_hypervisors_networks() {
        // A shared server has networks no home knows of: here the test driver's `default`,
        // on 192.168.122.0/24, which this lab file asks for too.
        let root = tempfile::tempdir().expect("tmp");
        let file = root.path().join("clash.yaml");
        std::fs::write(&file, "name: clash\nnetwork: {cidr: 192.168.122.0/24}\nnodes:\n  - {name: m1, roles: [zookeeper, mesos-master]}\n").expect("lab");
        let file = file.display().to_string();
        let ctx =
            LabContext::open_or_create(planner(root.path()), &file, &file, None, &provider(), Settings::new(Provisioners::builtin()), NodeProgress::hidden())
                .await
                .expect("made");
        let cidr = ctx.lab.network.cidr;
        assert!(!cidr.contains(&"192.168.122.1".parse::<std::net::Ipv4Addr>().expect("ip")), "{cidr} overlaps the server's default network");
        assert_eq!(ctx.state.network, Some(cidr), "the chosen subnet is saved with the instance");
    }

    #[tokio::test]
    async fn a_second_instance_gets_its_own_name_and_subnet() {
        let root = tempfile::tempdir().expect("tmp");
        let planner = planner(root.path());
        let settings = || Settings::new(Provisioners::builtin());
        let first = LabContext::open_or_create(planner.clone(), "mini-cluster", "mini-cluster", None, &provider(), settings(), NodeProgress::hidden())
            .await
            .expect("first");
        let first_cidr = first.lab.network.cidr;
        drop(first);
        let second =
            LabContext::open_or_create(planner.clone(), "mini-cluster", "mini-cluster", Some("monday"), &provider(), settings(), NodeProgress::hidden())
                .await
                .expect("second");
        assert_eq!(second.name(), "monday");
        assert_eq!(second.lab.network.domain, "monday.test");
        assert_eq!(second.lab.mesos.cluster, "monday");
        assert_ne!(second.lab.network.cidr, first_cidr, "the lab file's subnet is taken by the first instance");
        assert_eq!(second.state.network, Some(second.lab.network.cidr), "the chosen subnet is saved with the instance");
        assert_eq!(second.state.uri, "test:///default", "the provider is saved with the instance");
        drop(second);

        // Reopened, each keeps what it was made with; both are validated labs on this host.
        let again = LabContext::open(planner.clone(), "monday", &ProviderOptions::default(), "test", settings(), NodeProgress::hidden()).await.expect("reopen");
        assert_eq!(again.conn.uri, "test:///default", "a plain command reaches the lab where it was made");
        assert_ne!(again.lab.network.cidr, first_cidr);
        assert_eq!(crate::state::known_labs(root.path()), ["mini-cluster", "monday"]);
        drop(again);
        let clash = LabContext::open_or_create(planner, "single-node", "single-node", Some("monday"), &provider(), settings(), NodeProgress::hidden()).await;
        let err = clash.err().expect("a name taken by another lab file").to_string();
        assert!(err.contains("--name"), "{err}");
    }
}
