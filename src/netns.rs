//! Network namespaces: mlab joins the one its labs live in (where `scripts/mlab-netns` runs
//! libvirtd) and keeps the one it started in, the host's, so that what the user opens from the
//! host (`mlab open`, `mlab forward`) listens where the host's browser can connect, while the
//! SSH connection it carries goes into the lab's namespace.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;

/// The namespace mlab started in, once it has joined another.
static STARTED_IN: OnceLock<File> = OnceLock::new();

/// This thread's network namespace.
fn current() -> std::io::Result<File> {
    File::open("/proc/thread-self/ns/net")
}

fn enter(namespace: &File) -> std::io::Result<()> {
    // SAFETY: a valid open file descriptor of a network namespace and its documented flag.
    if unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Join `namespace` (an open `/run/netns/NAME`), remembering the one mlab started in. Must run
/// while the process has one thread: `setns` moves only the calling thread, and every later
/// thread inherits it.
pub fn join(namespace: &File) -> std::io::Result<()> {
    let started_in = current()?;
    enter(namespace)?;
    let _ = STARTED_IN.set(started_in);
    Ok(())
}

/// Run `work` in the namespace mlab started in (the host's), on a thread of its own that enters
/// it, so that every socket `work` opens and every program it starts (pip, mvn, debootstrap)
/// reaches the host's network and not the labs'; or right here when mlab joined no namespace.
/// Err only when that thread cannot enter the host's namespace.
pub fn from_host<T: Send>(work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    let Some(host) = STARTED_IN.get() else { return Ok(work()) };
    std::thread::scope(|scope| {
        let thread = scope.spawn(move || {
            enter(host)?;
            Ok(work())
        });
        thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Listen on `address` in the namespace mlab started in (the host's), or in the current one if
/// mlab joined none.
pub fn listen_where_started(address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    match STARTED_IN.get() {
        Some(host) => listen_in(host, address),
        None => std::net::TcpListener::bind(address),
    }
}

/// Listen on `address` in `namespace`: this thread enters it, binds (a socket stays in the
/// namespace it was made in) and returns to where it was, before anything else runs on it.
fn listen_in(namespace: &File, address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let back = current()?;
    enter(namespace)?;
    let listener = std::net::TcpListener::bind(address);
    // Staying in the wrong namespace would send this thread's later connections elsewhere.
    if let Err(e) = enter(&back) {
        panic!("cannot return to mlab's network namespace after listening in another: {e}");
    }
    listener
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::MetadataExt;

    /// Unsharing a network namespace needs root; CI runs as root, elsewhere this test skips.
    #[test]
    fn a_listener_made_for_the_host_answers_there_while_the_thread_stays_in_its_namespace() {
        if unsafe { libc::geteuid() } != 0 {
            let required = std::env::var_os("CI").is_some() || std::env::var_os("MLAB_REQUIRE_TOOLS").is_some();
            assert!(!required, "this test needs root (it makes a network namespace)");
            eprintln!("SKIPPED: needs root");
            return;
        }
        let host = current().expect("the test's namespace");
        let host_inode = host.metadata().expect("stat").ino();
        let (listener, inside, after) = std::thread::spawn(move || {
            // A namespace of this thread's own, whose loopback is down: nothing listens there.
            assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0, "unshare: {}", std::io::Error::last_os_error());
            let inside = current().expect("ns").metadata().expect("stat").ino();
            let listener = listen_in(&host, "127.0.0.1:0".parse().unwrap()).expect("listen in the host's namespace");
            let after = current().expect("ns").metadata().expect("stat").ino();
            (listener, inside, after)
        })
        .join()
        .expect("thread");
        assert_ne!(inside, host_inode, "the thread was in a namespace of its own");
        assert_eq!(after, inside, "and went back to it after listening");
        // The listener is the host's: a client here, in the test's namespace, reaches it.
        let address = listener.local_addr().expect("address");
        let mut client = std::net::TcpStream::connect(address).expect("connect from the host's namespace");
        let (mut served, _) = listener.accept().expect("accept");
        client.write_all(b"ping").expect("write");
        let mut got = [0u8; 4];
        served.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"ping");
    }
}
