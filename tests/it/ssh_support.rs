//! A real OpenSSH server on 127.0.0.1 for the SSH tests, with throwaway keys in a temp dir.
//! Needs Debian's `openssh-server` (for /usr/sbin/sshd) and `openssh-client` (ssh-keygen, ssh).

// Shared by several test crates; each uses only part of it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mlab::ssh::SshTarget;

pub const SSHD: &str = "/usr/sbin/sshd";

/// An sshd with its own host key, user key and known_hosts. Killed on drop.
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub user: String,
    child: Option<Child>,
}

fn run(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(output.status.success(), "{cmd:?} failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Generate an ed25519 key pair at `path` (and `path.pub`).
pub fn keygen(path: &Path) {
    run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"]).arg(path));
}

/// `SHA256:...` of a public key file, computed by OpenSSH itself (not by the code under test).
pub fn openssh_fingerprint(pub_path: &Path) -> String {
    let out = run(Command::new("ssh-keygen").args(["-l", "-E", "sha256", "-f"]).arg(pub_path));
    out.split_whitespace().nth(1).expect("ssh-keygen -l prints a fingerprint").to_owned()
}

/// `type base64` of a public key file.
pub fn public_key_fields(pub_path: &Path) -> String {
    let text = std::fs::read_to_string(pub_path).expect("public key readable");
    text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

fn current_user() -> String {
    run(Command::new("id").arg("-un")).trim().to_owned()
}

impl Sshd {
    /// Prepare keys, config and a known_hosts pinning the real host key; sshd is not started yet.
    pub fn prepare() -> Sshd {
        assert!(Path::new(SSHD).exists(), "{SSHD} missing: apt-get install openssh-server");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("id_ed25519"));
        std::fs::copy(d.join("id_ed25519.pub"), d.join("authorized_keys")).expect("authorized_keys");
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\n\
             AuthorizedKeysFile {d}/authorized_keys\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPidFile none\nPermitRootLogin prohibit-password\n\
             Subsystem sftp internal-sftp\nLogLevel VERBOSE\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).expect("write sshd_config");
        // Root's sshd insists on its privilege separation directory (normally made by systemd).
        if !Path::new("/run/sshd").exists() {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let sshd = Sshd { dir, port, user: current_user(), child: None };
        sshd.write_known_hosts(&format!("[127.0.0.1]:{port} {}\n", public_key_fields(&sshd.path("host_ed25519.pub"))));
        sshd
    }

    /// Prepare and start, waiting until sshd accepts connections.
    pub fn start_new() -> Sshd {
        let mut sshd = Sshd::prepare();
        sshd.start();
        sshd
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write_known_hosts(&self, text: &str) {
        std::fs::write(self.path("known_hosts"), text).expect("write known_hosts");
    }

    /// Start sshd in the foreground (`-D -e`), logging to `sshd.log`, and wait until it listens.
    pub fn start(&mut self) {
        let log = std::fs::File::create(self.path("sshd.log")).expect("sshd log");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(self.path("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn sshd");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "sshd did not listen on port {} within 10 s; log:\n{}", self.port, self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("sshd.log")).unwrap_or_default()
    }

    /// A target for this server, named `node`.
    pub fn target(&self, node: &str) -> SshTarget {
        SshTarget {
            node: node.to_owned(),
            host: "127.0.0.1".into(),
            port: self.port,
            user: self.user.clone(),
            key_path: self.path("id_ed25519"),
            known_hosts: self.path("known_hosts"),
            host_key_aliases: vec![node.to_owned()],
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
