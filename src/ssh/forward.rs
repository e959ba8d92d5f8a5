//! Carrying TCP connections from the host to a node's network through an SSH session
//! (`direct-tcpip` channels, what `ssh -L` uses). It reaches the lab wherever the lab's network
//! lives, a network namespace included, and needs nothing on the guest but sshd.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::{debug, info, warn};

use super::{Result, Session};

impl Session {
    /// Open a TCP connection from the node to `host:port` (as the node resolves and routes it),
    /// as one byte stream. `from` is reported to the node's sshd as the connection's origin.
    pub async fn open_tcp(&self, host: &str, port: u16, from: SocketAddr) -> Result<russh::ChannelStream<russh::client::Msg>> {
        let channel = self
            .handle
            .channel_open_direct_tcpip(host, u32::from(port), from.ip().to_string(), u32::from(from.port()))
            .await
            .map_err(|e| self.protocol_error(&format!("opening a connection to {host}:{port}"), e))?;
        Ok(channel.into_stream())
    }
}

/// Where [`serve_forward`] sends each connection: `host:port` as seen from the session's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    pub host: String,
    pub port: u16,
}

/// Accept connections on `listener` until the task is dropped or cancelled, and carry each
/// one to `target` through `session`, both directions, concurrently. A connection the node
/// refuses is closed and logged; the listener keeps serving.
pub async fn serve_forward(session: Arc<Session>, listener: TcpListener, target: ForwardTarget) -> std::io::Result<()> {
    loop {
        let (mut local, from) = listener.accept().await?;
        let session = Arc::clone(&session);
        let target = target.clone();
        tokio::spawn(async move {
            let _ = local.set_nodelay(true);
            match session.open_tcp(&target.host, target.port, from).await {
                Ok(mut remote) => {
                    info!(node = %session.node(), %from, host = %target.host, port = target.port, "forwarding a connection");
                    match tokio::io::copy_bidirectional(&mut local, &mut remote).await {
                        Ok((up, down)) => debug!(%from, up, down, "forwarded connection closed"),
                        Err(e) => debug!(%from, error = %e, "forwarded connection ended"),
                    }
                }
                Err(e) => warn!(%from, error = %e, "the node could not open the forwarded connection"),
            }
        });
    }
}
