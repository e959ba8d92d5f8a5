//! `MLAB_NETNS=NAME`: mlab joins the network namespace `ip netns add NAME` made (where
//! `scripts/mlab-netns` runs libvirtd), before anything else starts, so every command reaches
//! the labs' guests without a wrapper process. `scripts/mlab` sets it once it has seen the
//! namespace's libvirtd running; it starts the namespace (the slow path) only when it has not.

/// Where `ip netns` keeps its named namespaces.
const NETNS_DIR: &str = "/run/netns";

/// Join the namespace named by `MLAB_NETNS`, if set. Must run while the process has one
/// thread: `setns` moves only the calling thread, and every later thread inherits it.
pub fn join_from_env() -> Result<(), String> {
    let Some(name) = std::env::var_os("MLAB_NETNS").filter(|v| !v.is_empty()) else { return Ok(()) };
    let name = name.to_string_lossy().into_owned();
    if name.contains('/') || name.starts_with('.') {
        return Err(format!("MLAB_NETNS=`{name}` is not a namespace name"));
    }
    let path = std::path::Path::new(NETNS_DIR).join(&name);
    let namespace = std::fs::File::open(&path).map_err(|e| {
        format!(
            "cannot open the network namespace {} ({e}); start it with `scripts/mlab-netns --ns {name} -- true` (as root), or unset MLAB_NETNS",
            path.display()
        )
    })?;
    mlab::netns::join(&namespace).map_err(|err| format!("cannot join the network namespace {name}: {err} (joining one needs root)"))?;
    tracing::debug!(namespace = %name, "joined the network namespace");
    Ok(())
}
