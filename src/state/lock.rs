//! One mlab process changes a lab at a time, and one command within a process.
//!
//! The lock is a POSIX record lock (`fcntl(F_SETLK)`) on the lab's lock file, released by the
//! kernel when the process dies, and the file says who holds it so the next process can tell.
//!
//! Why a record lock and not `flock`: a `flock` belongs to the open file description, which a
//! forked child shares until it execs. mlab spawns helpers (qemu-img, ssh-keygen, debootstrap)
//! while holding the lock, and tests spawn processes in parallel threads, so a lock dropped by
//! its holder could stay held for a moment by a child that had not exec'd yet. Record locks
//! are owned by the process and never inherited across `fork`, so dropping one frees it at
//! once. Record locks do not exclude threads of the same process from each other, so holders
//! inside this process are also kept in a process-wide table, checked first.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use super::{LabDir, StateError, now};

/// Lock files held by this process, with the note each holder wrote.
fn held_here() -> &'static Mutex<HashMap<PathBuf, String>> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// Held for as long as it lives.
#[derive(Debug)]
pub struct LabLock {
    path: PathBuf,
    // Closing this descriptor releases the record lock. No other descriptor of the lock file is
    // ever opened while the lock is held here (closing one would release it too): contenders in
    // this process are answered from the table.
    _file: File,
}

impl LabLock {
    /// Take the lab's lock or say who holds it. `what` describes this process's work
    /// (e.g. `mlab up`), for the message the next process shows.
    pub fn acquire(dir: &LabDir, what: &str) -> Result<LabLock, StateError> {
        let path = dir.lock_file();
        let note = format!("`{what}` (pid {}) has been changing it since unix time {}", std::process::id(), now());
        let mut held = held_here().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(holder) = held.get(&path) {
            return Err(StateError::Locked { lab: dir.name.clone(), holder: format!("{holder}; wait for it to finish") });
        }
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(|e| StateError::io("open", &path, e))?;
        if let Err(e) = set_record_lock(&file) {
            if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "another mlab process holds its lock".to_string() } else { format!("{holder}; wait for it to finish") };
                return Err(StateError::Locked { lab: dir.name.clone(), holder });
            }
            return Err(StateError::io("lock", &path, e));
        }
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(note.as_bytes()));
        held.insert(path.clone(), note);
        Ok(LabLock { path, _file: file })
    }
}

impl Drop for LabLock {
    fn drop(&mut self) {
        // The descriptor (and with it the record lock) closes right after this, as `_file` drops.
        held_here().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&self.path);
    }
}

/// A whole-file write lock, without waiting.
fn set_record_lock(file: &File) -> std::io::Result<()> {
    // SAFETY: `flock` is plain data; zeroed is a valid value to fill in.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as libc::c_short;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = 0;
    lock.l_len = 0; // to the end of the file, however long it grows
    // SAFETY: the descriptor is open for the duration of the call and `lock` is a valid flock.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock) };
    if rc == -1 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_told_who_has_it() {
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "demo");
        dir.create().unwrap();
        let first = LabLock::acquire(&dir, "mlab up").unwrap();
        let err = LabLock::acquire(&dir, "mlab destroy").unwrap_err().to_string();
        assert!(err.contains("lab `demo` is busy") && err.contains("`mlab up`") && err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        LabLock::acquire(&dir, "mlab destroy").expect("free after drop");
    }

    /// The race of the flock version: a child forked while the lock is held must not keep it.
    /// Children are spawned continuously on other threads while the lock is taken and dropped.
    #[test]
    fn children_spawned_meanwhile_do_not_keep_the_lock() {
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "busy");
        dir.create().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spawners: Vec<_> = (0..2)
            .map(|_| {
                let stop = std::sync::Arc::clone(&stop);
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let _ = std::process::Command::new("true").status();
                    }
                })
            })
            .collect();
        for round in 0..200 {
            let lock = LabLock::acquire(&dir, "mlab up").unwrap_or_else(|e| panic!("round {round}: {e}"));
            drop(lock);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for s in spawners {
            s.join().unwrap();
        }
    }

    /// Another process sees the lock and is told who holds it (the note is read from the file).
    #[test]
    fn another_process_is_refused_while_held() {
        let root = tempfile::tempdir().unwrap();
        let dir = LabDir::new(root.path(), "shared");
        dir.create().unwrap();
        let _held = LabLock::acquire(&dir, "mlab up").unwrap();
        // flock(1) conflicts with nothing here; probe with a record lock from python3, which
        // the host has (a child process holds its own record-lock owner).
        let probe =
            "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)\n print('free')\nexcept OSError:\n print('held')\n";
        let out = std::process::Command::new("python3").arg("-c").arg(probe).arg(dir.lock_file()).output().expect("python3");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "held");
    }
}
