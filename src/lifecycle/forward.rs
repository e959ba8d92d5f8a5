//! `mlab forward` and `mlab open`: a listener on the host carrying connections into the lab
//! through one SSH session to a node (the lab's own pinned keys), so the lab's pages open from
//! the host even when its network lives in a namespace the host cannot route to.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::{Instance, LifecycleError, ssh_target};
use crate::ssh::{ForwardTarget, Session, serve_forward};

/// A forward that is listening; [`Forwarding::serve`] carries its connections.
pub struct Forwarding {
    /// The address connections are accepted on.
    pub local: SocketAddr,
    /// The node whose sshd opens each connection.
    pub node: String,
    /// Where, as seen from that node: its own lab address and `port`.
    pub target: ForwardTarget,
    session: Arc<Session>,
    listener: TcpListener,
}

impl Forwarding {
    /// Log in to `node` (waiting up to `timeout`) and listen on `bind` (port 0: any free port)
    /// for connections to `port` on that node's lab address.
    pub async fn open(instance: &Instance, node: &str, port: u16, bind: SocketAddr, timeout: Duration) -> Result<Forwarding, LifecycleError> {
        let node = instance.node(node)?;
        // Listen first: a port already taken fails at once, before any waiting for SSH.
        // On the host's side when mlab joined the lab's namespace: that is where the browser is.
        let listener = crate::netns::listen_where_started(bind)
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .and_then(TcpListener::from_std)
            .map_err(|e| LifecycleError::Other(format!("cannot listen on {bind}: {e}; choose another local port")))?;
        let local = listener.local_addr().map_err(|e| LifecycleError::Other(format!("listening on {bind}: {e}")))?;
        let session = Session::connect(&ssh_target(&instance.dir, node), timeout).await.map_err(|e| LifecycleError::Other(e.to_string()))?;
        Ok(Forwarding { local, node: node.name.clone(), target: ForwardTarget { host: node.ip.to_string(), port }, session: Arc::new(session), listener })
    }

    /// Carry connections until the task is cancelled (Ctrl-C) or the listener fails.
    pub async fn serve(self) -> Result<(), LifecycleError> {
        serve_forward(self.session, self.listener, self.target).await.map_err(|e| LifecycleError::Other(format!("forwarding from {}: {e}", self.local)))
    }
}
