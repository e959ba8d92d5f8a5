//! Arguments shared by the commands that act on a lab on this host.

use mlab::lifecycle::{self, Connected, Instance, ProviderOptions};
use mlab::provider::Accel;

use super::{Context, Failure};

/// Which lab on this host, and how to reach its hypervisor.
#[derive(Debug, Clone, clap::Args)]
pub struct LabArgs {
    /// The lab to act on (default: the only lab on this host)
    #[arg(long, env = "MLAB_LAB", value_name = "NAME")]
    pub lab: Option<String>,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

/// How to reach the hypervisor.
#[derive(Debug, Clone, clap::Args)]
pub struct ProviderArgs {
    /// libvirt connection URI, e.g. qemu:///system, qemu:///session or qemu+ssh://host/system
    #[arg(long = "connect", env = "MLAB_LIBVIRT_URI", value_name = "URI")]
    pub uri: Option<String>,
    /// Hardware acceleration: KVM only when it really works here, else TCG software emulation
    #[arg(long, value_enum, default_value_t = Accel::Auto)]
    pub accel: Accel,
}

impl ProviderArgs {
    pub fn options(&self) -> ProviderOptions {
        ProviderOptions { uri: self.uri.clone(), accel: self.accel }
    }
}

impl LabArgs {
    /// Connect to the provider and open the chosen lab.
    pub async fn open(&self, ctx: &Context) -> Result<(Connected, Instance), Failure> {
        let name = lifecycle::choose_instance(self.lab.as_deref()).map_err(anyhow::Error::from)?;
        let catalog = ctx.catalog()?;
        let instance = lifecycle::open_instance(&ctx.library, &catalog, &name).map_err(lifecycle_failure)?;
        let conn = lifecycle::connect(&self.provider.options()).await.map_err(lifecycle_failure)?;
        Ok((conn, instance))
    }
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
