//! Reading files whose kind and size we have not checked yet.
//!
//! The build cache names paths, and the output folder holds whatever a CI cache
//! restored: either may hand us a FIFO (a reader blocks forever), a symlink to
//! `/dev/zero` (a reader never ends) or a file of many gigabytes. Every read
//! here looks at the path without following a final symlink, opens it without
//! blocking and without following a symlink swapped in since, then checks the
//! *opened* file is a regular file within a size limit before reading a byte.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Opens `path` for reading if it is a regular file (not a symlink) of at most `limit` bytes.
pub fn open_regular(path: &Path, limit: u64) -> io::Result<(File, Metadata)> {
    // Looking first means devices and FIFOs are never opened at all.
    let seen = std::fs::symlink_metadata(path)?;
    if !seen.file_type().is_file() {
        return Err(not_regular());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.dev() != seen.dev() || meta.ino() != seen.ino() {
        return Err(not_regular());
    }
    if meta.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("{} bytes, more than the {limit} allowed", meta.len()),
        ));
    }
    Ok((file, meta))
}

/// Reads a regular file of at most `limit` bytes, with its metadata as it
/// was opened.
pub fn read_opened(path: &Path, limit: u64) -> io::Result<(Vec<u8>, Metadata)> {
    let (file, meta) = open_regular(path, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A file that grows after the check is still read only up to the limit.
    file.take(limit).read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

/// The BLAKE3 hash of a regular file of at most `limit` bytes (its bytes
/// only), and the file's metadata as it was opened, before any byte was read;
/// fails if the file changed length while it was read.
pub fn hash_opened(path: &Path, limit: u64) -> io::Result<(blake3::Hash, Metadata)> {
    let (file, meta) = open_regular(path, limit)?;
    let mut hasher = blake3::Hasher::new();
    if feed(file, meta.len(), &mut hasher)? != meta.len() {
        return Err(io::Error::other("the file changed while it was read"));
    }
    Ok((hasher.finalize(), meta))
}

/// The BLAKE3 hash of a regular file of at most `limit` bytes (its bytes only).
pub fn file_hash(path: &Path, limit: u64) -> io::Result<blake3::Hash> {
    hash_opened(path, limit).map(|(hash, _)| hash)
}

/// Files up to this size are read whole: cheaper than a streaming buffer for
/// the many small Markdown files of a batch.
const READ_WHOLE: u64 = 1 << 20;

/// Hashes at most `len` bytes of `file`; returns how many there were.
fn feed(file: File, len: u64, hasher: &mut blake3::Hasher) -> io::Result<u64> {
    if len <= READ_WHOLE {
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.take(len).read_to_end(&mut bytes)?;
        hasher.update(&bytes);
        return Ok(bytes.len() as u64);
    }
    let before = hasher.count();
    hasher.update_reader(file.take(len))?;
    Ok(hasher.count() - before)
}

fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_opened(&file, 5).unwrap().0, b"12345");
        let err = read_opened(&file, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn symlinks_devices_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for path in [&fifo, &zero, &link, Path::new("/dev/zero")] {
            let err = read_opened(path, 1 << 20).unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::InvalidInput,
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn hashing_reads_the_bytes_and_keeps_the_opened_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, b"abc").unwrap();
        let (hash, meta) = hash_opened(&file, 10).unwrap();
        assert_eq!(hash, blake3::hash(b"abc"));
        assert_eq!(meta.len(), 3);
        assert_eq!(meta.ino(), std::fs::metadata(&file).unwrap().ino());
        assert_eq!(file_hash(&file, 10).unwrap(), blake3::hash(b"abc"));
        assert_eq!(
            hash_opened(&file, 2).unwrap_err().kind(),
            io::ErrorKind::FileTooLarge
        );
        let big = vec![7u8; READ_WHOLE as usize + 1];
        std::fs::write(&file, &big).unwrap();
        assert_eq!(file_hash(&file, u64::MAX).unwrap(), blake3::hash(&big));
        assert_eq!(hash_opened(&file, u64::MAX).unwrap().0, blake3::hash(&big));
    }
}
