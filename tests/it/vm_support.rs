//! Shared by the tests that boot real VMs (`#[ignore]`d; run them with `--ignored` inside mlab's
//! network namespace: `scripts/mlab-netns -- cargo test --test it vm_lifecycle -- --ignored`).

use std::path::PathBuf;
use std::time::Instant;

use mlab::boxes::{BoxImage, BoxStore, BuildOptions, Progress};

/// The box the VM tests boot: Debian 12 from Debian packages with what the built-in labs run
/// baked in (the same list `mlab box build` uses), since test guests have no route out of
/// their namespace to install anything.
pub const TEST_BOX: &str = "mlab-test";
pub const TEST_BOX_PACKAGES: &[&str] = mlab::boxes::LAB_PACKAGES;

/// `$MLAB_TEST_CACHE` (default `/var/cache/mlab-test`): boxes built by tests, reused.
pub fn test_cache() -> PathBuf {
    std::env::var_os("MLAB_TEST_CACHE").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/var/cache/mlab-test"))
}

pub fn test_box_store() -> BoxStore {
    BoxStore::new(test_cache().join("boxes"))
}

/// The test box, built once (about two minutes) and then reused.
pub fn test_box() -> BoxImage {
    let store = test_box_store();
    if let Ok(image) = store.get(TEST_BOX) {
        if image.meta.guest_setup == mlab::boxes::GUEST_SETUP && TEST_BOX_PACKAGES.iter().all(|p| image.meta.packages.iter().any(|q| q == p)) {
            return image;
        }
        // Cached from an older package list or box format: rebuild.
        store.remove(TEST_BOX).unwrap_or_else(|e| panic!("removing the outdated test box: {e}"));
    }
    let started = Instant::now();
    let options = BuildOptions { packages: TEST_BOX_PACKAGES.iter().map(|p| p.to_string()).collect(), ..BuildOptions::default() };
    let image = store.build(TEST_BOX, &options, Progress::Hide).unwrap_or_else(|e| {
        panic!("building the test box failed: {e}\n(inside mlab's namespace there is no mirror: build it first with `cargo test --test it box_build -- --ignored`, as scripts/test-all does)")
    });
    eprintln!("TIMING test box build: {} s", started.elapsed().as_secs());
    image
}

/// `$MLAB_TEST_CACHE/artifacts`: the artifacts the Mesos VM tests stage, built once.
pub fn test_artifacts() -> PathBuf {
    test_cache().join("artifacts")
}

/// A fresh state directory qemu (running as libvirt's qemu user) can traverse.
pub fn vm_state_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in("/var/tmp").expect("state dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod state dir");
    }
    dir
}

/// The `mlab` command with its own MLAB_HOME (whose `boxes` is the test box cache).
pub struct Mlab {
    pub home: PathBuf,
    /// Passed as `--provisioners` when set.
    pub provisioners: Option<PathBuf>,
    /// The artifact cache (`MLAB_ARTIFACTS`); default: an empty one inside `home`, so Mesos's
    /// steps wait for artifacts.
    pub artifacts: Option<PathBuf>,
}

impl Mlab {
    pub fn new(home: &std::path::Path) -> Mlab {
        std::os::unix::fs::symlink(test_box_store().dir(), home.join("boxes")).expect("link the test boxes");
        Mlab { home: home.to_path_buf(), provisioners: None, artifacts: None }
    }

    /// Run mlab; return (success, exit code, stdout, stderr).
    pub fn run_code(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mlab"));
        cmd.args(args).env("MLAB_HOME", &self.home).env("MLAB_LABS_DIR", self.home.join("no-user-labs")).env_remove("MLAB_LAB");
        match &self.provisioners {
            Some(dir) => cmd.env("MLAB_PROVISIONERS", dir),
            None => cmd.env_remove("MLAB_PROVISIONERS"),
        };
        match &self.artifacts {
            Some(dir) => cmd.env("MLAB_ARTIFACTS", dir),
            None => cmd.env_remove("MLAB_ARTIFACTS"),
        };
        let out = cmd.output().expect("run mlab");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let (code, out, err) = self.run_code(args);
        (code == 0, out, err)
    }

    /// Run mlab, which must succeed and print JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let (ok, stdout, stderr) = self.run(args);
        assert!(ok, "mlab {args:?} failed:\n{stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("mlab {args:?}: not JSON ({e}):\n{stdout}"))
    }

    /// Run mlab, which must print JSON; its exit code too (a lab whose services are not all
    /// ready exits 1 with its report).
    pub fn json_code(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let (code, stdout, stderr) = self.run_code(args);
        let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("mlab {args:?} (exit {code}): not JSON ({e}):\n{stdout}\n{stderr}"));
        (code, value)
    }

    /// `mlab ssh NODE -- bash -c SCRIPT`, which must succeed; its stdout.
    pub fn sh(&self, node: &str, script: &str) -> String {
        let (code, out, err) = self.run_code(&["ssh", node, "--", "bash", "-c", script]);
        assert_eq!(code, 0, "on {node}: {script}\n{err}");
        out
    }

    pub fn lab_dir(&self, lab: &str) -> PathBuf {
        self.home.join("labs").join(lab)
    }
}

/// Names of libvirt domains and networks (to check that nothing of a lab is left).
pub fn libvirt_objects() -> String {
    let list = |args: &[&str]| {
        let out = std::process::Command::new("virsh").args(args).output().expect("virsh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    list(&["list", "--all", "--name"]) + &list(&["net-list", "--all", "--name"])
}

/// A lab file of tests/vm/labs.
pub fn test_lab(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vm/labs").join(format!("{name}.yaml")).display().to_string()
}

/// Destroys the lab when dropped, so a failing test leaves no VMs behind for the next run.
pub struct DestroyOnDrop<'a> {
    pub mlab: &'a Mlab,
    pub lab: &'static str,
}

impl Drop for DestroyOnDrop<'_> {
    fn drop(&mut self) {
        if self.mlab.lab_dir(self.lab).exists() || libvirt_objects().contains(&format!("mlab-{}", self.lab)) {
            let _ = self.mlab.run(&["destroy", "--lab", self.lab, "--yes"]);
        }
    }
}

/// A long-running `mlab open`/`mlab forward`: the child and the first line it printed (the URL or
/// the address it listens on). Interrupted with SIGINT, as Ctrl-C would, on `stop`.
pub struct Listening {
    child: std::process::Child,
    pub line: String,
}

impl Mlab {
    pub fn listen(&self, args: &[&str]) -> Listening {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mlab"));
        cmd.args(args).env("MLAB_HOME", &self.home).env("MLAB_LABS_DIR", self.home.join("no-user-labs")).env_remove("MLAB_LAB");
        cmd.stdout(std::process::Stdio::piped()).stdin(std::process::Stdio::null());
        let mut child = cmd.spawn().expect("start mlab");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the first line");
        assert!(!line.is_empty(), "mlab {args:?} ended without saying where it listens: {:?}", child.wait());
        Listening { child, line: line.trim().to_string() }
    }
}

impl Listening {
    /// Ctrl-C; the exit code.
    pub fn stop(mut self) -> Option<i32> {
        // SAFETY: signalling a child this test started and has not yet waited for.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        self.child.wait().expect("wait").code()
    }
}

/// `GET path` from `address` (`127.0.0.1:PORT`) over plain HTTP/1.0: (status code, body).
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap_or_else(|e| panic!("connect {address}: {e}"));
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read the response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no HTTP status from {address}{path}: {head}"));
    (code, body.to_string())
}
