//! One writer per output folder: an advisory lock held for the whole build.
//!
//! Two builds writing into one folder at once could record an old PDF under a
//! new fingerprint, or overwrite each other's cache entries. `build` therefore
//! holds an exclusive `flock` on `<out>/.briefpress.lock` from before it reads
//! the cache until after it saved it; a second build waits (or with
//! `--no-wait` gives up). The kernel drops the lock when a process dies, so a
//! killed build never blocks the next one. `check` writes nothing and takes
//! no lock.
//!
//! The lock file is removed when the build ends, while still locked. A build
//! that was waiting on the removed file notices that the path no longer names
//! the file it locked and starts over, so two builds never both hold "the" lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// File name of the lock inside the output folder.
pub const LOCK_FILE: &str = ".briefpress.lock";

/// A held lock; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another build holds it and the caller would not wait.
    Busy(PathBuf),
    /// The lock file could not be created or locked.
    Io(PathBuf, io::Error),
}

/// Locks the output folder `dir` (which must exist). If another build holds
/// it, calls `waiting` once and blocks, or returns [`LockError::Busy`] when
/// `wait` is false.
pub fn lock(dir: &Path, wait: bool, waiting: impl FnOnce()) -> Result<OutputLock, LockError> {
    let path = dir.join(LOCK_FILE);
    let failed = |err| LockError::Io(path.clone(), err);
    let mut waiting = Some(waiting);
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|err| failed(explain(err, &path)))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => {
                if let Some(waiting) = waiting.take() {
                    waiting();
                }
                file.lock().map_err(failed)?;
            }
            Err(TryLockError::WouldBlock) => return Err(LockError::Busy(path)),
            Err(TryLockError::Error(err)) => return Err(failed(err)),
        }
        let held = file.metadata().map_err(failed)?;
        if !held.is_file() {
            return Err(failed(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is not a regular file (a FIFO or a device); remove it and run again",
            )));
        }
        // The previous holder removes the file before unlocking it: if the
        // path now names another file (or none), this lock guards nothing.
        let current = std::fs::symlink_metadata(&path);
        if current.is_ok_and(|now| now.dev() == held.dev() && now.ino() == held.ino()) {
            return Ok(OutputLock { path, _file: file });
        }
    }
}

/// The error of opening the lock file at `path`, saying what to do when
/// something that is not briefpress's lock file stands there.
fn explain(err: io::Error, path: &Path) -> io::Error {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return err;
    };
    let what = if meta.file_type().is_symlink() {
        "it is a symlink, which briefpress never follows"
    } else if meta.is_dir() {
        "it is a folder"
    } else {
        return err;
    };
    io::Error::new(
        err.kind(),
        format!("{what}; remove it and run again (briefpress makes its own lock file there)"),
    )
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes when the file closes.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_or_fails_fast_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path(), false, || {}).unwrap();
        assert!(matches!(
            lock(dir.path(), false, || {}),
            Err(LockError::Busy(_))
        ));
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            let second = lock(&path, true, || tx.send(()).unwrap()).unwrap();
            drop(second);
        });
        rx.recv().unwrap();
        drop(first);
        waiter.join().unwrap();
        assert!(!dir.path().join(LOCK_FILE).exists(), "the lock file stayed");
    }

    #[test]
    fn a_lock_file_left_by_a_killed_build_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), b"").unwrap();
        drop(lock(dir.path(), false, || {}).unwrap());
    }

    #[test]
    fn a_symlinked_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(LOCK_FILE)).unwrap();
        let Err(LockError::Io(_, err)) = lock(dir.path(), false, || {}) else {
            panic!("a symlinked lock file was used");
        };
        assert!(err.to_string().starts_with("it is a symlink"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }
}
