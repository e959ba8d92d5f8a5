//! Connecting to a node: waiting for it to boot, pinning its host key, logging in.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client;
use russh::keys::PublicKeyOrCertificate;
use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use tokio::time::Instant;
use tracing::{debug, info};

use super::known_hosts::{HostKeyVerdict, KnownHosts, fingerprint};
use super::{Result, SshError, SshTarget};

/// Longest a single connection attempt may take; a node that accepts TCP but never speaks SSH
/// must not eat the whole deadline.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(3);

/// An authenticated SSH connection to one node. Cheap operations (`exec`, `upload_*`) each open
/// their own channel, so several can run at once over one `Session`.
pub struct Session {
    pub(super) handle: client::Handle<PinnedHostKey>,
    pub(super) node: String,
    pub(super) address: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("node", &self.node).field("address", &self.address).finish()
    }
}

impl Session {
    /// Connect and log in, waiting up to `deadline` for a node that is still booting.
    ///
    /// Connection refused/reset/timeouts, handshakes cut short and a login the node rejects
    /// (cloud-init may not have installed the key yet) are retried with backoff. A host key that
    /// does not match the lab's known_hosts, or is not listed there, fails at once: waiting
    /// cannot fix it, and accepting it could hand the session to an impostor.
    pub async fn connect(target: &SshTarget, deadline: Duration) -> Result<Session> {
        let key = russh::keys::load_secret_key(&target.key_path, None).map_err(|source| SshError::PrivateKey { path: target.key_path.clone(), source })?;
        let key = Arc::new(key);
        let known_hosts = Arc::new(KnownHosts::load(&target.known_hosts)?);
        let names = target.known_host_names();
        let config = Arc::new(client_config(known_hosts.keys_for(&names)));

        let started = Instant::now();
        let give_up_at = started + deadline;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0u32;
        let mut last_error: Option<String> = None;
        loop {
            attempt += 1;
            let remaining = give_up_at.saturating_duration_since(Instant::now());
            let attempt_limit = remaining.min(ATTEMPT_TIMEOUT);
            let outcome = tokio::time::timeout(attempt_limit, try_connect(target, &key, &known_hosts, &names, config.clone())).await;
            match outcome {
                Ok(Ok(handle)) => {
                    info!(node = %target.node, address = %target.address(), attempt, "ssh connected");
                    return Ok(Session { handle, node: target.node.clone(), address: target.address() });
                }
                Ok(Err(Attempt::Fatal(error))) => return Err(error),
                Ok(Err(Attempt::Retry(reason))) => last_error = Some(reason),
                // Cut short by the overall deadline: the previous attempt's reason says more.
                Err(_) if attempt_limit < ATTEMPT_TIMEOUT && last_error.is_some() => {}
                Err(_) => {
                    last_error = Some(format!("no SSH handshake within {attempt_limit:.1?}"));
                }
            }
            let remaining = give_up_at.saturating_duration_since(Instant::now());
            debug!(node = %target.node, attempt, ?last_error, ?remaining, "ssh not ready yet");
            if remaining.is_zero() {
                return Err(SshError::Deadline {
                    node: target.node.clone(),
                    address: target.address(),
                    waited: started.elapsed(),
                    last_error: last_error.unwrap_or_else(|| "no attempt finished".into()),
                });
            }
            // The last attempt may be cut short by the deadline; it then keeps the reason above.
            tokio::time::sleep(backoff.min(remaining)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// The node this session is connected to.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Close the connection politely. Dropping a `Session` also closes it, less politely.
    pub async fn close(self) -> Result<()> {
        self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await.map_err(|source| self.protocol_error("disconnecting", source))
    }

    pub(super) fn protocol_error(&self, action: &str, source: russh::Error) -> SshError {
        SshError::Protocol { node: self.node.clone(), action: action.to_owned(), source: Box::new(source) }
    }
}

/// Outcome of one failed connection attempt.
enum Attempt {
    /// Worth trying again (the node may still be booting); the reason for the final message.
    Retry(String),
    /// Waiting will not help.
    Fatal(SshError),
}

async fn try_connect(
    target: &SshTarget,
    key: &Arc<PrivateKey>,
    known_hosts: &Arc<KnownHosts>,
    names: &[String],
    config: Arc<client::Config>,
) -> Result<client::Handle<PinnedHostKey>, Attempt> {
    let socket = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await.map_err(|e| Attempt::Retry(format!("TCP connect: {e}")))?;
    let _ = socket.set_nodelay(true);

    let host_key_problem = Arc::new(Mutex::new(None));
    let checker = PinnedHostKey { names: names.to_vec(), known_hosts: known_hosts.clone(), problem: host_key_problem.clone() };
    let handshake = client::connect_stream(config, socket, checker).await;
    let mut handle = match handshake {
        Ok(handle) => handle,
        Err(error) => {
            let problem = host_key_problem.lock().ok().and_then(|mut slot| slot.take());
            return Err(match problem {
                Some(problem) => Attempt::Fatal(problem.into_error(target, known_hosts)),
                None => Attempt::Retry(format!("SSH handshake: {error}")),
            });
        }
    };

    let hash = handle.best_supported_rsa_hash().await.map_err(|e| Attempt::Retry(format!("SSH handshake: {e}")))?.flatten();
    let auth = handle
        .authenticate_publickey(&target.user, PrivateKeyWithHashAlg::new(key.clone(), hash))
        .await
        .map_err(|e| Attempt::Retry(format!("SSH login: {e}")))?;
    if !auth.success() {
        return Err(Attempt::Retry(format!(
            "the node refused the key {} for user `{}` (cloud-init may not have installed it yet; \
             if it persists, the node does not have the lab's public key)",
            target.key_path.display(),
            target.user
        )));
    }
    Ok(handle)
}

/// Client settings; host key algorithms are narrowed to those pinned for the node so the server
/// presents a key we can actually compare.
fn client_config(pinned: Vec<&PublicKey>) -> client::Config {
    let mut preferred = russh::Preferred::default();
    if !pinned.is_empty() {
        let wanted: Vec<Algorithm> = preferred.key.iter().filter(|alg| pinned.iter().any(|k| same_key_type(alg, &k.algorithm()))).cloned().collect();
        if !wanted.is_empty() {
            preferred.key = Cow::Owned(wanted);
        }
    }
    client::Config {
        preferred,
        // Long silent commands (package installs) are normal; detect dead nodes by keepalive.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(15)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    }
}

/// RSA keys negotiate as rsa-sha2-256/512 but are stored as ssh-rsa.
fn same_key_type(negotiated: &Algorithm, stored: &Algorithm) -> bool {
    match (negotiated, stored) {
        (Algorithm::Rsa { .. }, Algorithm::Rsa { .. }) => true,
        _ => negotiated == stored,
    }
}

/// Why a server key was refused, kept by the handler so `connect` can explain it.
#[derive(Debug)]
struct HostKeyProblem {
    verdict: HostKeyVerdict,
    offered: String,
}

impl HostKeyProblem {
    fn into_error(self, target: &SshTarget, known_hosts: &KnownHosts) -> SshError {
        let node = target.node.clone();
        let address = target.address();
        let known_hosts = known_hosts.path().to_path_buf();
        let offered = self.offered;
        match self.verdict {
            HostKeyVerdict::Changed { expected } => SshError::HostKeyChanged { node, address, known_hosts, expected: expected.join(" or "), offered },
            HostKeyVerdict::Revoked => SshError::HostKeyRevoked { node, address, known_hosts, offered },
            HostKeyVerdict::Unknown | HostKeyVerdict::Trusted => {
                SshError::HostKeyUnknown { node, address, known_hosts, names: target.known_host_names().join(", "), offered }
            }
        }
    }
}

/// russh handler that accepts exactly the server keys pinned in the lab's known_hosts.
pub(super) struct PinnedHostKey {
    names: Vec<String>,
    known_hosts: Arc<KnownHosts>,
    problem: Arc<Mutex<Option<HostKeyProblem>>>,
}

impl client::Handler for PinnedHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, server_key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        // A certificate is judged by the key it certifies: we pin keys, we trust no CA.
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(cert) => PublicKey::from(cert.public_key().clone()),
        };
        let verdict = self.known_hosts.verify(&self.names, &key);
        debug!(?verdict, offered = %fingerprint(&key), "checked server host key");
        if verdict == HostKeyVerdict::Trusted {
            return Ok(true);
        }
        if let Ok(mut slot) = self.problem.lock() {
            *slot = Some(HostKeyProblem { verdict, offered: fingerprint(&key) });
        }
        Ok(false)
    }
}
