//! `Session::shell` for real: run it inside a tmux pane (a real PTY), type into it, resize the
//! window, and check the remote side saw it all and the local terminal was restored.
//! Needs `tmux` besides the packages `ssh_support` needs.

use crate::ssh_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mlab::ssh::{Session, SshTarget, shell_quote};
use ssh_support::Sshd;

const CHILD_ENV: &str = "MLAB_SSH_SHELL_CHILD_DIR";

fn tmux(socket: &Path, args: &[&str]) -> String {
    let output = Command::new("tmux").arg("-S").arg(socket).args(["-f", "/dev/null"]).args(args).output().expect("run tmux (apt-get install tmux)");
    assert!(output.status.success(), "tmux {args:?} failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Kills the tmux server (and with it the child) however the test ends.
struct TmuxServer(std::path::PathBuf);
impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.0).arg("kill-server").output();
    }
}

fn wait_for_pane(socket: &Path, needle: &str, timeout: Duration) -> String {
    let started = Instant::now();
    loop {
        let pane = tmux(socket, &["capture-pane", "-p", "-t", "mlab"]);
        if pane.contains(needle) {
            return pane;
        }
        assert!(started.elapsed() < timeout, "pane never showed {needle:?}; it shows:\n{pane}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn shell_in_a_real_terminal_forwards_keys_and_resizes() {
    let sshd = Sshd::start_new();
    let dir = sshd.dir.path();
    let socket = dir.join("tmux.sock");
    let exe = std::env::current_exe().expect("test binary path");
    let child_cmd = shell_quote(&[
        "env".into(),
        format!("{CHILD_ENV}={}", dir.display()),
        format!("MLAB_SSH_SHELL_CHILD_PORT={}", sshd.port),
        format!("MLAB_SSH_SHELL_CHILD_USER={}", sshd.user),
        exe.to_string_lossy().into_owned(),
        "--exact".into(),
        "ssh_shell::shell_child_helper".into(),
        "--ignored".into(),
        "--nocapture".into(),
    ]);
    tmux(&socket, &["new-session", "-d", "-s", "mlab", "-x", "80", "-y", "24", &child_cmd]);
    let _server = TmuxServer(socket.clone());

    // Retype until the remote shell answers: keys typed before raw mode may be discarded.
    let started = Instant::now();
    loop {
        tmux(&socket, &["send-keys", "-t", "mlab", "echo READY-$((6*7))", "Enter"]);
        std::thread::sleep(Duration::from_millis(700));
        let pane = tmux(&socket, &["capture-pane", "-p", "-t", "mlab"]);
        if pane.contains("READY-42") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "remote shell never answered:\n{pane}");
    }

    tmux(&socket, &["send-keys", "-t", "mlab", "stty size | sed s/^/SIZE=/", "Enter"]);
    wait_for_pane(&socket, "SIZE=24 80", Duration::from_secs(10));

    tmux(&socket, &["resize-window", "-t", "mlab", "-x", "100", "-y", "30"]);
    // SIGWINCH is asynchronous: ask until the remote PTY reports the new size.
    let started = Instant::now();
    loop {
        tmux(&socket, &["send-keys", "-t", "mlab", "stty size | sed s/^/SIZE=/", "Enter"]);
        std::thread::sleep(Duration::from_millis(500));
        let pane = tmux(&socket, &["capture-pane", "-p", "-t", "mlab"]);
        if pane.contains("SIZE=30 100") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "resize not forwarded:\n{pane}");
    }

    tmux(&socket, &["send-keys", "-t", "mlab", "exit 5", "Enter"]);
    let result_path = dir.join("shell-result");
    let started = Instant::now();
    while !result_path.exists() {
        assert!(started.elapsed() < Duration::from_secs(15), "child never finished; sshd log:\n{}", sshd.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200)); // let the writer finish
    let result = std::fs::read_to_string(&result_path).expect("result");
    assert_eq!(result.trim(), "status=Ok(5) terminal_restored=true");
}

/// Not a test on its own: `shell_in_a_real_terminal_forwards_keys_and_resizes` runs this inside
/// tmux. Run directly (with `--ignored`) it only says so and returns.
#[test]
#[ignore = "helper run inside a PTY by shell_in_a_real_terminal_forwards_keys_and_resizes"]
fn shell_child_helper() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        eprintln!("shell_child_helper only runs inside shell_in_a_real_terminal_forwards_keys_and_resizes");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} not set"));
    let target = SshTarget {
        node: "node-tty".into(),
        host: "127.0.0.1".into(),
        port: env("MLAB_SSH_SHELL_CHILD_PORT").parse().expect("port"),
        user: env("MLAB_SSH_SHELL_CHILD_USER"),
        key_path: dir.join("id_ed25519"),
        known_hosts: dir.join("known_hosts"),
        host_key_aliases: vec![],
    };
    let before = termios_of_stdin();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let status = runtime.block_on(async {
        let session = Session::connect(&target, Duration::from_secs(10)).await?;
        session.shell().await
    });
    let restored = termios_of_stdin() == before;
    let result = format!("status={:?} terminal_restored={restored}\n", status.map_err(|e| e.to_string()));
    std::fs::write(dir.join("shell-result.tmp"), result).expect("write result");
    std::fs::rename(dir.join("shell-result.tmp"), dir.join("shell-result")).expect("publish result");
}

/// The terminal settings that raw mode changes, plus stdin's file status flags (O_NONBLOCK).
fn termios_of_stdin() -> (u32, u32, u32, Vec<u8>, i32) {
    // SAFETY: tcgetattr/fcntl only read state of fd 0 into a zeroed struct we own.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(0, &mut t), 0, "stdin is not a terminal");
        let flags = libc::fcntl(0, libc::F_GETFL);
        (t.c_iflag, t.c_oflag, t.c_lflag, t.c_cc.to_vec(), flags)
    }
}
