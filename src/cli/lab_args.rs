//! Arguments shared by the commands that act on a lab on this host.

use mlab::lifecycle::{self, Instance, LabContext, Settings};
use mlab::progress::NodeProgress;
use mlab::provider::{Accel, Connected, ProviderKind, ProviderOptions};

use super::{Context, Failure};

/// Which lab on this host, and how to reach its hypervisor.
#[derive(Debug, Clone, clap::Args)]
pub struct LabArgs {
    /// The lab to act on (default: the only lab on this host)
    #[arg(long, env = "MLAB_LAB", value_name = "NAME", value_parser = super::names::lab, add = clap_complete::engine::ArgValueCandidates::new(super::complete::instance_names))]
    pub lab: Option<String>,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

/// How to reach the hypervisor (a lab's own is remembered: these override it).
#[derive(Debug, Clone, clap::Args)]
pub struct ProviderArgs {
    /// Hypervisor backend (default: the lab's own, else libvirt)
    #[arg(long, env = "MLAB_PROVIDER", value_enum, value_name = "PROVIDER")]
    pub provider: Option<ProviderKind>,
    /// libvirt connection URI, e.g. qemu:///system, qemu:///session or qemu+ssh://host/system
    #[arg(long = "connect", env = "MLAB_LIBVIRT_URI", value_name = "URI")]
    pub uri: Option<String>,
    /// Hardware acceleration: KVM only when it really works here, else TCG software emulation
    #[arg(long, value_enum, default_value_t = Accel::Auto)]
    pub accel: Accel,
}

impl ProviderArgs {
    pub fn options(&self) -> ProviderOptions {
        ProviderOptions { kind: self.provider, uri: self.uri.clone(), accel: self.accel }
    }
}

impl LabArgs {
    /// The chosen lab as its state records it, without asking the hypervisor anything (what
    /// SSH needs: addresses, keys, pinned host keys).
    pub fn instance(&self, ctx: &Context) -> Result<Instance, Failure> {
        let planner = ctx.planner()?;
        let name = planner.choose(self.lab.as_deref()).map_err(lifecycle_failure)?;
        planner.open(&name).map_err(lifecycle_failure)
    }

    /// Open the chosen lab to look at it, connected to the provider it was made with.
    pub async fn open(&self, ctx: &Context) -> Result<(Connected, Instance), Failure> {
        let instance = self.instance(ctx)?;
        let opts = self.provider.options().or_saved(&instance.state.provider, &instance.state.uri).map_err(|e| Failure::Other(e.into()))?;
        let conn = mlab::provider::connect(&opts).await.map_err(|e| Failure::Other(e.into()))?;
        Ok((conn, instance))
    }

    /// Open the chosen lab to change it: locked for `command` until the context is dropped.
    pub async fn lock(&self, ctx: &Context, command: &str, settings: Settings, progress: NodeProgress) -> Result<LabContext, Failure> {
        let planner = ctx.planner()?;
        let name = planner.choose(self.lab.as_deref()).map_err(lifecycle_failure)?;
        LabContext::open(planner, &name, &self.provider.options(), command, settings, progress).await.map_err(lifecycle_failure)
    }
}

/// Progress on stderr; none for `--json` or `--quiet`.
pub fn progress_for(json: bool) -> NodeProgress {
    if json || super::output::quiet() { NodeProgress::hidden() } else { NodeProgress::stderr() }
}

/// Lab-file diagnostics keep their own formatting; everything else is a plain error.
pub fn lifecycle_failure(e: lifecycle::LifecycleError) -> Failure {
    match e {
        lifecycle::LifecycleError::Lab(d) => Failure::Lab(d),
        other => Failure::Other(other.into()),
    }
}

/// Run a future on a fresh multi-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    Ok(rt.block_on(f))
}

/// The node to log in to when none is named: one a person picks from the running ones (off a
/// terminal, the command must name it).
pub async fn pick_running_node(conn: &Connected, instance: &Instance) -> Result<String, Failure> {
    let running = instance.running_nodes(conn).await.map_err(lifecycle_failure)?;
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(anyhow::anyhow!("name the node: `mlab ssh NODE` (running: {})", running.join(", ")).into());
    }
    let picked = mlab::progress::pick("Which node?", &running).map_err(|e| anyhow::anyhow!("no node chosen: {e}"))?;
    Ok(running[picked.ok_or_else(|| anyhow::anyhow!("no node chosen; name one: `mlab ssh NODE`"))?].clone())
}
