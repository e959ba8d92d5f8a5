//! SSH module against a real OpenSSH server on 127.0.0.1 (see `ssh_support`).

use crate::ssh_support;

use std::pin::Pin;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use mlab::ssh::{Session, SshError, UploadOptions, shell_quote, ssh_config_block};
use ssh_support::{Sshd, keygen, openssh_fingerprint, public_key_fields};

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[tokio::test]
async fn exec_reports_exit_status_of_quoted_argv() {
    let sshd = Sshd::start_new();
    let session = Session::connect(&sshd.target("node-a"), Duration::from_secs(10)).await.expect("connect");

    let out = session.exec_capture(&shell_quote(&argv(&["sh", "-c", "exit 7"]))).await.expect("exec");
    assert_eq!(out.status, 7);

    // Words with spaces, quotes and `$` arrive as the same words.
    let tricky = argv(&["printf", "%s|", "a b", "it's", "$HOME", ""]);
    let out = session.exec_capture(&shell_quote(&tricky)).await.expect("exec");
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout_text(), "a b|it's|$HOME||");
    session.close().await.expect("close");
}

/// Records each write with the time it arrived, to see that output is streamed.
type Chunk = (Instant, Vec<u8>);

#[derive(Clone, Default)]
struct TimedWrites(Arc<Mutex<Vec<Chunk>>>);

impl TimedWrites {
    fn text(&self) -> String {
        let writes = self.0.lock().expect("lock");
        writes.iter().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect()
    }
    fn first_write(&self) -> Option<Instant> {
        self.0.lock().expect("lock").first().map(|(t, _)| *t)
    }
}

impl tokio::io::AsyncWrite for TimedWrites {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.0.lock().expect("lock").push((Instant::now(), buf.to_vec()));
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn stdout_and_stderr_stream_separately() {
    let sshd = Sshd::start_new();
    let session = Session::connect(&sshd.target("node-a"), Duration::from_secs(10)).await.expect("connect");
    let (stdout, stderr) = (TimedWrites::default(), TimedWrites::default());
    let cmd = "printf out1; printf err1 >&2; sleep 1.5; printf out2; printf err2 >&2; exit 3";
    let status = session.exec(cmd, stdout.clone(), stderr.clone()).await.expect("exec");
    let finished = Instant::now();
    assert_eq!(status, 3);
    assert_eq!(stdout.text(), "out1out2");
    assert_eq!(stderr.text(), "err1err2");
    for (name, stream) in [("stdout", &stdout), ("stderr", &stderr)] {
        let first = stream.first_write().expect("some output");
        assert!(finished.duration_since(first) >= Duration::from_secs(1), "{name}: first output should arrive before the 1.5 s sleep ends, not at exit");
    }
}

#[tokio::test]
async fn upload_creates_parents_sets_mode_and_reads_back() {
    let sshd = Sshd::start_new();
    let session = Session::connect(&sshd.target("node-a"), Duration::from_secs(10)).await.expect("connect");
    let remote = sshd.path("remote/deep/dir/provision.sh");
    let remote = remote.to_str().expect("utf8 path");
    let content = b"#!/bin/sh\necho provisioned\n";
    session.upload_bytes(content, remote, UploadOptions { mode: 0o750, create_parents: true }).await.expect("upload");
    let out = session.exec_capture(&shell_quote(&argv(&["sh", "-c", "stat -c %a \"$1\" && \"$1\"", "sh", remote]))).await.expect("exec");
    assert_eq!((out.status, out.stdout_text().as_str()), (0, "750\nprovisioned\n"), "{}", out.stderr_text());

    // Replacing an existing file from a local path, with a different mode.
    let local = sshd.path("local.txt");
    std::fs::write(&local, "second version\n").expect("write local");
    session.upload_file(&local, remote, UploadOptions { mode: 0o600, create_parents: false }).await.expect("upload file");
    let out = session.exec_capture(&format!("stat -c %a {remote} && cat {remote}")).await.expect("exec");
    assert_eq!(out.stdout_text(), "600\nsecond version\n");

    // A file of many SFTP writes (they are pipelined) arrives whole and in order.
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let big_local = sshd.path("big.bin");
    std::fs::write(&big_local, &big).expect("write big");
    let big_remote = sshd.path("remote/big.bin");
    session.upload_file(&big_local, big_remote.to_str().expect("utf8"), UploadOptions::default()).await.expect("upload big");
    assert!(std::fs::read(&big_remote).expect("read back") == big, "the uploaded bytes differ");

    // Without create_parents a missing directory is an error naming the path.
    let missing = sshd.path("nowhere/file");
    let err = session.upload_bytes(b"x", missing.to_str().expect("utf8"), UploadOptions::default()).await.expect_err("parent missing");
    assert!(matches!(err, SshError::Sftp { .. }), "{err:?}");
    assert!(err.to_string().contains("nowhere/file"), "{err}");
}

#[tokio::test]
async fn changed_host_key_is_refused_with_both_fingerprints() {
    let sshd = Sshd::start_new();
    keygen(&sshd.path("impostor"));
    sshd.write_known_hosts(&format!("node-a,[127.0.0.1]:{} {}\n", sshd.port, public_key_fields(&sshd.path("impostor.pub"))));
    let started = Instant::now();
    let err = Session::connect(&sshd.target("node-a"), Duration::from_secs(20)).await.expect_err("must refuse a changed key");
    assert!(started.elapsed() < Duration::from_secs(10), "a mismatch must not be retried until the deadline");
    assert!(matches!(err, SshError::HostKeyChanged { .. }), "{err:?}");
    let msg = err.to_string();
    for needle in [
        "node-a".to_owned(),
        openssh_fingerprint(&sshd.path("impostor.pub")),
        openssh_fingerprint(&sshd.path("host_ed25519.pub")),
        "intercepting".to_owned(),
        "recreated".to_owned(),
    ] {
        assert!(msg.contains(&needle), "message lacks {needle:?}: {msg}");
    }
}

#[tokio::test]
async fn unknown_host_is_refused() {
    let sshd = Sshd::start_new();
    // A line for another address only.
    sshd.write_known_hosts(&format!("10.9.9.9 {}\n", public_key_fields(&sshd.path("host_ed25519.pub"))));
    let mut target = sshd.target("node-b");
    target.host_key_aliases.clear();
    let err = Session::connect(&target, Duration::from_secs(20)).await.expect_err("must refuse");
    assert!(matches!(err, SshError::HostKeyUnknown { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("node-b"), "{msg}");
    assert!(msg.contains(&openssh_fingerprint(&sshd.path("host_ed25519.pub"))), "{msg}");

    // The node-name alias is enough to match, as documented.
    sshd.write_known_hosts(&format!("node-b {}\n", public_key_fields(&sshd.path("host_ed25519.pub"))));
    let session = Session::connect(&sshd.target("node-b"), Duration::from_secs(10)).await.expect("alias matches");
    assert_eq!(session.exec_capture("true").await.expect("exec").status, 0);
}

#[tokio::test]
async fn waits_for_a_booting_node() {
    let mut sshd = Sshd::prepare();
    let target = sshd.target("node-late");
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        sshd.start();
        sshd // keep it alive until the test ends
    });
    let started = Instant::now();
    let session = Session::connect(&target, Duration::from_secs(30)).await.expect("connects once sshd is up");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(2), "connected before sshd started? {waited:?}");
    assert!(waited < Duration::from_secs(10), "backoff too slow: {waited:?}");
    assert_eq!(session.exec_capture("echo up").await.expect("exec").stdout_text(), "up\n");
    let _sshd = starter.join().expect("starter thread");
}

#[tokio::test]
async fn deadline_error_names_node_address_and_wait() {
    let sshd = Sshd::prepare(); // never started: nothing listens
    let target = sshd.target("node-dead");
    let started = Instant::now();
    let err = Session::connect(&target, Duration::from_millis(1500)).await.expect_err("nothing listens");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1500) && waited < Duration::from_secs(5), "{waited:?}");
    assert!(matches!(err, SshError::Deadline { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("node-dead"), "{msg}");
    assert!(msg.contains(&format!("127.0.0.1:{}", sshd.port)), "{msg}");
    assert!(msg.contains("refused"), "last error should say why: {msg}");
}

#[tokio::test]
async fn rejected_login_is_retried_then_explained() {
    let sshd = Sshd::start_new();
    keygen(&sshd.path("stranger"));
    let mut target = sshd.target("node-a");
    target.key_path = sshd.path("stranger");
    let err = Session::connect(&target, Duration::from_secs(2)).await.expect_err("key not authorized");
    let msg = err.to_string();
    assert!(matches!(err, SshError::Deadline { .. }), "{err:?}");
    assert!(msg.contains("refused the key") && msg.contains("stranger"), "{msg}");
}

/// The generated config works with the real OpenSSH client and enforces the pinned key.
#[test]
fn ssh_config_block_works_with_openssh_client() {
    let sshd = Sshd::start_new();
    let config = sshd.path("ssh_config");
    std::fs::write(&config, ssh_config_block(&[sshd.target("node-a")]).expect("config block")).expect("write config");
    let ssh = |node: &str| Command::new("ssh").args(["-F"]).arg(&config).args(["-o", "BatchMode=yes", node, "echo", "via-openssh"]).output().expect("run ssh");
    let ok = ssh("node-a");
    assert!(ok.status.success(), "{ok:?}\nsshd log:\n{}", sshd.log());
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "via-openssh\n");

    keygen(&sshd.path("impostor"));
    sshd.write_known_hosts(&format!("[127.0.0.1]:{} {}\n", sshd.port, public_key_fields(&sshd.path("impostor.pub"))));
    let refused = ssh("node-a");
    assert!(!refused.status.success(), "ssh must refuse a changed key: {refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("HOST IDENTIFICATION HAS CHANGED"), "{refused:?}");
}

/// A TCP server on loopback that answers each connection with `reply` and then echoes.
async fn echo_server(reply: &'static [u8]) -> u16 {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = socket.write_all(reply).await;
                let (mut r, mut w) = socket.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn forward_carries_concurrent_connections_and_survives_a_refused_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sshd = Sshd::start_new();
    let session = Arc::new(Session::connect(&sshd.target("node-a"), Duration::from_secs(10)).await.expect("connect"));
    let echo_port = echo_server(b"hello ").await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local = listener.local_addr().expect("addr");
    let target = mlab::ssh::ForwardTarget { host: "127.0.0.1".into(), port: echo_port };
    let serving = tokio::spawn(mlab::ssh::serve_forward(Arc::clone(&session), listener, target));

    // Two connections at once, each getting its own stream back, byte for byte.
    let talk = |message: &'static str| async move {
        let mut stream = tokio::net::TcpStream::connect(local).await.expect("connect to the forward");
        stream.write_all(message.as_bytes()).await.expect("write");
        stream.shutdown().await.expect("shutdown");
        let mut back = Vec::new();
        stream.read_to_end(&mut back).await.expect("read");
        String::from_utf8(back).expect("utf8")
    };
    let big: &'static str = Box::leak("x".repeat(300_000).into_boxed_str());
    let (a, b) = tokio::join!(talk("first"), talk(big));
    assert_eq!(a, "hello first");
    assert_eq!(b.len(), "hello ".len() + big.len());

    // A forward to a port nothing listens on: that connection is closed, the forward lives on.
    let closed_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("addr").port()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let refused_local = listener.local_addr().expect("addr");
    let refusing =
        tokio::spawn(mlab::ssh::serve_forward(Arc::clone(&session), listener, mlab::ssh::ForwardTarget { host: "127.0.0.1".into(), port: closed_port }));
    let mut stream = tokio::net::TcpStream::connect(refused_local).await.expect("connect");
    let mut back = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut back)).await.expect("the refused connection is closed, not left hanging");
    assert!(read.is_err() || back.is_empty(), "nothing arrives from a closed port: {back:?}");
    assert_eq!(talk("again").await, "hello again", "the first forward still serves");
    assert!(!refusing.is_finished() && !serving.is_finished());
    serving.abort();
    refusing.abort();
}
