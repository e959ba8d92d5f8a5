//! `mlab forward` and `mlab open`: a listener on the host carrying connections into the lab
//! through one SSH session to a node (the lab's own pinned keys), so the lab's pages open from
//! the host even when its network lives in a namespace the host cannot route to.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::{Instance, LifecycleError, ssh_target};
use crate::ssh::{ForwardTarget, Session, serve_forward};

/// `[LOCAL:]NODE:PORT`, as `mlab forward` takes it (LOCAL 0: any free port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    pub local: u16,
    pub node: String,
    pub port: u16,
}

impl std::str::FromStr for ForwardSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ForwardSpec, String> {
        let port_of = |word: &str, what: &str| -> Result<u16, String> {
            word.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("{what} `{word}` is not a port (1 to 65535)"))
        };
        let parts: Vec<&str> = text.split(':').collect();
        let (local, node, port) = match parts.as_slice() {
            [node, port] => (0, *node, port_of(port, "the node's port")?),
            [local, node, port] => (port_of(local, "the local port")?, *node, port_of(port, "the node's port")?),
            _ => return Err("write NODE:PORT or LOCAL:NODE:PORT, e.g. master1:5050 or 8080:master1:5050".into()),
        };
        if node.is_empty() {
            return Err("the node name is empty; write NODE:PORT, e.g. master1:5050".into());
        }
        Ok(ForwardSpec { local, node: node.to_string(), port })
    }
}

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

#[cfg(test)]
mod tests {
    use super::ForwardSpec;

    #[test]
    fn specs_parse_with_and_without_a_local_port() {
        assert_eq!("master1:5050".parse(), Ok(ForwardSpec { local: 0, node: "master1".into(), port: 5050 }));
        assert_eq!("8080:agent2:80".parse(), Ok(ForwardSpec { local: 8080, node: "agent2".into(), port: 80 }));
        for bad in ["master1", "master1:", "master1:0", "master1:70000", ":80", "x:master1:80", "1:2:3:4"] {
            assert!(bad.parse::<ForwardSpec>().is_err(), "{bad} should be refused");
        }
    }
}
