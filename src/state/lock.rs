//! One mlab process changes a lab at a time. The lock is an OS file lock (released by the
//! kernel if the process dies), and the file says who holds it so the next process can tell.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};

use super::{LabDir, StateError, now};

/// Held for as long as it lives.
#[derive(Debug)]
pub struct LabLock {
    _file: File,
}

impl LabLock {
    /// Take the lab's lock or say who holds it. `what` describes this process's work
    /// (e.g. `mlab up`), for the message the next process shows.
    pub fn acquire(dir: &LabDir, what: &str) -> Result<LabLock, StateError> {
        let path = dir.lock_file();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StateError::io("open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "another mlab process holds its lock".to_string() } else { format!("{holder}; wait for it to finish") };
                return Err(StateError::Locked { lab: dir.name.clone(), holder });
            }
            Err(TryLockError::Error(e)) => return Err(StateError::io("lock", &path, e)),
        }
        let note = format!("`{what}` (pid {}) has been changing it since unix time {}", std::process::id(), now());
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(note.as_bytes()));
        Ok(LabLock { _file: file })
    }
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
}
