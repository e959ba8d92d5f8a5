//! Boots two real VMs through the libvirt provider and logs into them over SSH.
//!
//! `#[ignore]`d: run with `--ignored` and `MLAB_TEST_BOX_DIR=<a box directory>`.
//! It must run inside the network namespace that libvirtd runs in, so the guests' addresses
//! are reachable and nothing else is:
//!
//! ```text
//! ip netns exec NS env MLAB_TEST_BOX_DIR=/path/to/box \
//!     cargo test --test it vm_boot -- --ignored --nocapture
//! ```
//! The lab network is isolated (no forwarding), 192.168.124.0/24 unless `MLAB_TEST_CIDR` says
//! otherwise.

use crate::vm_support;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlab::boxes::BoxImage;
use mlab::keys::{KeyPair, known_hosts_line, write_known_hosts};
use mlab::provider::libvirt::{LibvirtProvider, resolve_uri};
use mlab::provider::{Accel, NetworkHost, NetworkMode, NetworkSpec, NodeSpec, NodeState, Provider, StopOutcome, create_nodes};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};

const LAB: &str = "vmtest";
const BOOT_TIMEOUT: Duration = Duration::from_secs(420);

struct PinnedHost {
    known_hosts: PathBuf,
    host: String,
}

impl russh::client::Handler for PinnedHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        // Accept only the host key mlab generated and put in the seed, via the known_hosts file.
        Ok(russh::keys::check_known_hosts_path(&self.host, 22, key, &self.known_hosts).unwrap_or(false))
    }
}

/// Wait until the guest's sshd sends its banner.
async fn wait_for_ssh_banner(ip: Ipv4Addr, deadline: Instant) -> Result<Duration, String> {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let addr = SocketAddr::from((ip, 22));
    loop {
        if Instant::now() > deadline {
            return Err(format!("no SSH banner from {ip} within the timeout"));
        }
        if let Ok(Ok(mut stream)) = tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(addr)).await {
            let mut buf = [0u8; 8];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut buf)).await
                && n == 8
                && &buf == b"SSH-2.0-"
            {
                return Ok(started.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Log in as `mlab` with the lab key, pinning the host key; return the output of `command`.
async fn ssh_run(ip: Ipv4Addr, known_hosts: &Path, user_key: &KeyPair, command: &str) -> Result<String, String> {
    let config = Arc::new(russh::client::Config::default());
    let handler = PinnedHost { known_hosts: known_hosts.to_path_buf(), host: ip.to_string() };
    let mut session = russh::client::connect(config, (ip, 22), handler).await.map_err(|e| format!("connect: {e}"))?;
    let key = PrivateKeyWithHashAlg::new(Arc::new(user_key.private_key().clone()), None);
    let auth = session.authenticate_publickey("mlab", key).await.map_err(|e| format!("auth: {e}"))?;
    if !auth.success() {
        return Err("the guest refused the lab key for user mlab".into());
    }
    let mut channel = session.channel_open_session().await.map_err(|e| format!("session: {e}"))?;
    channel.exec(true, command).await.map_err(|e| format!("exec: {e}"))?;
    let mut output = Vec::new();
    while let Some(msg) = channel.wait().await {
        match msg {
            russh::ChannelMsg::Data { data } => output.extend_from_slice(&data),
            russh::ChannelMsg::ExitStatus { exit_status } if exit_status != 0 => {
                return Err(format!("`{command}` exited with {exit_status}: {}", String::from_utf8_lossy(&output)));
            }
            _ => {}
        }
    }
    Ok(String::from_utf8_lossy(&output).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "boots real VMs inside mlab's namespace (needs MLAB_TEST_BOX_DIR); run on demand"]
async fn two_nodes_boot_and_answer_ssh_with_pinned_host_keys() {
    // A box given by hand, else the cached test box (built on first use).
    let box_image = match std::env::var_os("MLAB_TEST_BOX_DIR").map(PathBuf::from) {
        Some(box_dir) => BoxImage::load(&box_dir).unwrap_or_else(|| panic!("no complete box in {}", box_dir.display())),
        None => vm_support::test_box(),
    };
    let uri = resolve_uri(None);
    let cidr: ipnet::Ipv4Net = std::env::var("MLAB_TEST_CIDR").unwrap_or_else(|_| "192.168.124.0/24".into()).parse().expect("MLAB_TEST_CIDR");
    let gateway = cidr.hosts().next().expect("gateway");

    // qemu runs as an unprivileged user under qemu:///system: the state dir must be traversable.
    let state = tempfile::Builder::new().prefix("mlab-vmtest-").tempdir_in("/var/tmp").expect("state dir");
    std::fs::set_permissions(state.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let user_key = KeyPair::load_or_generate(&state.path().join("id_ed25519"), "mlab@vmtest").expect("user key");

    let provider = LibvirtProvider::connect(&uri, Accel::Auto).await.expect("connect to libvirt");
    if let Some(notice) = &provider.accel().notice {
        eprintln!("{notice}");
    }
    let provider: Arc<dyn Provider> = Arc::new(provider);

    let names = ["n1", "n2"];
    let mut nodes = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let ip = cidr.hosts().nth(10 + index).expect("ip");
        nodes.push(NodeSpec {
            lab: LAB.into(),
            name: (*name).into(),
            hostname: (*name).into(),
            fqdn: format!("{name}.{LAB}.test"),
            cpus: 1,
            memory_mib: 768,
            disk_gib: 8,
            mac: format!("52:54:00:6d:6c:{:02x}", 11 + index),
            ip,
            network: cidr,
            gateway,
            domain: format!("{LAB}.test"),
            box_image: box_image.clone(),
            user: "mlab".into(),
            authorized_keys: vec![user_key.public_openssh().expect("pub")],
            host_key: KeyPair::generate_ed25519(&format!("{name}.{LAB}.test")).expect("host key"),
            disk_path: state.path().join(format!("{name}.qcow2")),
            seed_path: state.path().join(format!("{name}-seed.img")),
            console_log: state.path().join(format!("{name}-console.log")),
            network_mode: NetworkMode::Isolated,
            owner: "test@host:/labs/x".into(),
        });
    }
    let known_hosts = state.path().join("known_hosts");
    let lines: Vec<String> = nodes.iter().map(|n| known_hosts_line(n.ip, &[n.hostname.as_str(), n.fqdn.as_str()], &n.host_key).expect("line")).collect();
    write_known_hosts(&known_hosts, &lines).expect("known_hosts");

    let network = NetworkSpec {
        lab: LAB.into(),
        cidr,
        gateway,
        mode: NetworkMode::Isolated,
        domain: format!("{LAB}.test"),
        hosts: nodes.iter().map(|n| NetworkHost { mac: n.mac.clone(), ip: n.ip, hostname: n.hostname.clone(), fqdn: n.fqdn.clone() }).collect(),
    };

    let outcome = async {
        let t0 = Instant::now();
        provider.ensure_network(&network).await.map_err(|e| e.to_string())?;
        create_nodes(Arc::clone(&provider), nodes.clone()).await.map_err(|e| e.to_string())?;
        eprintln!("network + {} nodes defined in {:.1} s", nodes.len(), t0.elapsed().as_secs_f64());

        let t_start = Instant::now();
        for node in &nodes {
            provider.start_node(LAB, &node.name).await.map_err(|e| e.to_string())?;
            let state = provider.node_state(LAB, &node.name).await.map_err(|e| e.to_string())?;
            if state != NodeState::Running {
                return Err(format!("{} is {state} right after start", node.name));
            }
        }
        let deadline = Instant::now() + BOOT_TIMEOUT;
        for node in &nodes {
            wait_for_ssh_banner(node.ip, deadline).await?;
            eprintln!("{} ({}) answered SSH {:.1} s after start", node.name, node.ip, t_start.elapsed().as_secs_f64());
        }
        for node in &nodes {
            // cloud-init may still be creating the user when sshd first answers: retry a little.
            let mut last_error = String::new();
            let mut ok = false;
            for _ in 0..30 {
                match ssh_run(node.ip, &known_hosts, &user_key, "cloud-init status --wait >/dev/null 2>&1; hostname; hostname -f; sudo -n true && echo sudo-ok")
                    .await
                {
                    Ok(out) => {
                        let lines: Vec<&str> = out.lines().collect();
                        if lines != [node.hostname.as_str(), node.fqdn.as_str(), "sudo-ok"] {
                            return Err(format!("{}: unexpected output {out:?}", node.name));
                        }
                        ok = true;
                        break;
                    }
                    Err(e) => last_error = e,
                }
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            if !ok {
                return Err(format!("{}: SSH login failed: {last_error}", node.name));
            }
            eprintln!("{}: logged in as mlab with pinned host key, hostname/fqdn/sudo ok ({:.1} s)", node.name, t_start.elapsed().as_secs_f64());
        }
        for node in &nodes {
            let status = ssh_run(node.ip, &known_hosts, &user_key, "cloud-init status --long || true").await?;
            if !status.contains("status: done") {
                return Err(format!("{}: cloud-init did not finish cleanly:\n{status}", node.name));
            }
        }
        // The nodes reach each other on the isolated network, by address and by lab DNS name.
        let peer = &nodes[1];
        let probe = format!("getent hosts {} || echo no-dns; timeout 5 bash -c '</dev/tcp/{}/22' && echo tcp-ok", peer.fqdn, peer.ip);
        let out = ssh_run(nodes[0].ip, &known_hosts, &user_key, &probe).await?;
        eprintln!("n1 -> n2:\n{out}");
        if !out.lines().any(|l| l.starts_with(&format!("{} ", peer.ip)) && l.contains(&peer.fqdn)) {
            return Err(format!("n1 cannot resolve {} through the lab network's DNS: {out}", peer.fqdn));
        }
        if !out.lines().any(|l| l == "tcp-ok") {
            return Err(format!("n1 cannot reach n2's port 22: {out}"));
        }
        for node in &nodes {
            let log = std::fs::read_to_string(&node.console_log).unwrap_or_default();
            if !log.contains("Linux version") {
                return Err(format!("{} console log {} lacks the kernel banner", node.name, node.console_log.display()));
            }
        }
        let t_stop = Instant::now();
        let outcome = provider.stop_node(LAB, "n1", Duration::from_secs(90)).await.map_err(|e| e.to_string())?;
        let state = provider.node_state(LAB, "n1").await.map_err(|e| e.to_string())?;
        if state != NodeState::Stopped {
            return Err(format!("n1 is {state} after stop"));
        }
        eprintln!("n1 stopped in {:.1} s ({outcome:?})", t_stop.elapsed().as_secs_f64());
        if std::env::var("MLAB_TEST_EXPECT_GRACEFUL_STOP").as_deref() == Ok("1") && outcome != StopOutcome::ShutDown {
            return Err(format!("n1 ignored the ACPI shutdown request: {outcome:?}"));
        }
        Ok::<(), String>(())
    }
    .await;

    // Always clean up, then report.
    let t_destroy = Instant::now();
    for node in &nodes {
        if let Err(e) = provider.destroy_node(LAB, &node.name).await {
            eprintln!("cleanup: {e}");
        }
    }
    if let Err(e) = provider.destroy_network(LAB).await {
        eprintln!("cleanup: {e}");
    }
    eprintln!("destroyed in {:.1} s", t_destroy.elapsed().as_secs_f64());
    for node in &nodes {
        if let Ok(log) = std::fs::read_to_string(&node.console_log)
            && outcome.is_err()
        {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- {} console (last lines) ---\n{}", node.name, tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
    outcome.expect("VM lifecycle");

    assert!(provider.list_nodes(LAB).await.expect("list").is_empty(), "no nodes of the lab remain");
    assert!(!provider.network_exists(LAB).await.expect("network"), "the lab network is gone");
    for node in &nodes {
        assert!(!node.disk_path.exists() && !node.seed_path.exists(), "disk and seed of {} deleted", node.name);
    }
    let conn = virt::connect::Connect::open(Some(&uri)).expect("connect");
    let leftovers: Vec<String> = conn
        .list_all_domains(0)
        .expect("domains")
        .iter()
        .filter_map(|d| d.name().ok())
        .chain(conn.list_all_networks(0).expect("networks").iter().filter_map(|n| n.name().ok()))
        .filter(|name| name.starts_with(&format!("mlab-{LAB}")))
        .collect();
    assert!(leftovers.is_empty(), "leftover libvirt objects: {leftovers:?}");
}
