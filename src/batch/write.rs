//! Atomic output: a publication's files appear complete and together, or not at all.
//!
//! Every file of a group (a publication's PDF, EPUB and typst source) is first
//! written to a temporary file `.briefpress-*.tmp` beside its target and
//! flushed; only when all are written are they renamed into place. A file being
//! replaced is kept as a hard link until every rename succeeded, so a rename
//! that fails half-way puts the old files back: readers never see a new PDF
//! beside an old EPUB, a truncated file, or a missing one. A caller may
//! act between the staging and the renames ([`write_group_then`]): the
//! batch journals what it is about to rename ([`super::journal`]).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::{Builder, NamedTempFile};

/// Prefix of every temporary file briefpress creates (removed by the next run if left behind).
pub const TEMP_PREFIX: &str = ".briefpress-";
/// Suffix of every temporary file briefpress creates.
pub const TEMP_SUFFIX: &str = ".tmp";

/// What was written: enough to recognise the file later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    pub mtime: (i64, u32),
}

/// A write that failed, and the file it was for.
#[derive(Debug)]
pub struct WriteError {
    /// The target whose write or rename failed.
    pub path: PathBuf,
    /// Why.
    pub error: io::Error,
}

/// Writes one file atomically, creating parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    let written = write_group(&[(path.to_path_buf(), bytes)]).map_err(|e| e.error)?;
    Ok(written[0])
}

/// Writes every `(target, bytes)` to a temporary file beside its target, then
/// renames them all into place; if any step fails, every target is left as it was.
pub fn write_group(files: &[(PathBuf, &[u8])]) -> Result<Vec<Written>, WriteError> {
    write_group_then(files, |_| Ok(()))
}

/// [`write_group`], calling `before_rename` with what was staged (in the
/// order of `files`) once every file is written and flushed, before the
/// first rename; if it fails, nothing is renamed.
pub fn write_group_then(
    files: &[(PathBuf, &[u8])],
    before_rename: impl FnOnce(&[Written]) -> Result<(), WriteError>,
) -> Result<Vec<Written>, WriteError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |error| WriteError { path, error }
    };
    let mut staged = Vec::with_capacity(files.len());
    for (target, bytes) in files {
        staged.push(stage(target, bytes).map_err(failed(target))?);
    }
    let records: Vec<Written> = staged.iter().map(|(_, written)| *written).collect();
    before_rename(&records)?;
    let mut backups = Vec::with_capacity(files.len());
    for (target, _) in files {
        backups.push(backup(target).map_err(failed(target))?);
    }
    let mut written = Vec::with_capacity(files.len());
    for (i, (temp, record)) in staged.into_iter().enumerate() {
        let target = &files[i].0;
        if let Err(err) = temp.persist(target) {
            roll_back(&files[..i], &mut backups[..i]);
            return Err(failed(target)(err.error));
        }
        written.push(record);
    }
    // Dropping the backups removes the hard links to the replaced files.
    Ok(written)
}

fn temp_builder<'a>() -> Builder<'a, 'a> {
    let mut builder = Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    builder
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `bytes` to a flushed temporary file beside `target`.
fn stage(target: &Path, bytes: &[u8]) -> io::Result<(NamedTempFile, Written)> {
    let dir = folder_of(target);
    fs::create_dir_all(dir)?;
    let mut temp = temp_builder()
        .permissions(fs::Permissions::from_mode(0o644))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_data()?;
    let meta = temp.as_file().metadata()?;
    let written = Written {
        size: meta.len(),
        mtime: (meta.mtime(), u32::try_from(meta.mtime_nsec()).unwrap_or(0)),
    };
    Ok((temp, written))
}

/// A hard link to the file `target` names now (if any), to restore it on failure.
fn backup(target: &Path) -> io::Result<Option<NamedTempFile<()>>> {
    match fs::symlink_metadata(target) {
        // A folder cannot be replaced by a file: its rename fails and rolls back.
        Ok(meta) if meta.is_dir() => Ok(None),
        Ok(_) => temp_builder()
            .make_in(folder_of(target), |link| fs::hard_link(target, link))
            .map(Some),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Undoes the renames of `done`: old files are put back, new ones removed.
fn roll_back(done: &[(PathBuf, &[u8])], backups: &mut [Option<NamedTempFile<()>>]) {
    for ((target, _), backup) in done.iter().zip(backups) {
        let _ = match backup.take() {
            Some(old) => old.persist(target).map(|_| ()).map_err(|e| e.error),
            None => fs::remove_file(target),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b/out.pdf");
        write_atomic(&target, b"one").unwrap();
        let written = write_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        assert_eq!(written.size, 3);
        let meta = fs::metadata(&target).unwrap();
        assert_eq!(written.mtime.0, meta.mtime());
        assert_eq!(names(&dir.path().join("a/b")), ["out.pdf"]);
    }

    #[test]
    fn the_hook_sees_every_staged_file_before_any_rename_and_can_stop_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("x.pdf");
        let epub = dir.path().join("x.epub");
        fs::write(&pdf, b"old pdf").unwrap();
        let files = [(pdf.clone(), &b"new pdf!"[..]), (epub.clone(), b"epub")];
        let refused = write_group_then(&files, |staged| {
            assert_eq!(staged.iter().map(|w| w.size).collect::<Vec<_>>(), [8, 4]);
            assert_eq!(
                fs::read(&pdf).unwrap(),
                b"old pdf",
                "renamed before the hook"
            );
            Err(WriteError {
                path: dir.path().join("journal"),
                error: io::Error::other("no"),
            })
        })
        .unwrap_err();
        assert_eq!(refused.path, dir.path().join("journal"));
        assert_eq!(
            names(dir.path()),
            ["x.pdf"],
            "no temporary file, no new file"
        );
        assert_eq!(fs::read(&pdf).unwrap(), b"old pdf");
        let mut seen = Vec::new();
        let written = write_group_then(&files, |staged| {
            seen = staged.to_vec();
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, written, "what was staged is what was renamed");
        assert_eq!(fs::read(&pdf).unwrap(), b"new pdf!");
    }

    #[test]
    fn a_failed_rename_puts_every_old_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("x.pdf");
        let epub = dir.path().join("x.epub");
        let typ = dir.path().join("x.typ");
        fs::write(&pdf, b"old pdf").unwrap();
        // A folder where the EPUB goes: the second rename fails.
        fs::create_dir(&epub).unwrap();
        let err = write_group(&[
            (typ.clone(), &b"new typ"[..]),
            (pdf.clone(), b"new pdf"),
            (epub.clone(), b"new epub"),
        ])
        .unwrap_err();
        assert_eq!(err.path, epub);
        assert_eq!(fs::read(&pdf).unwrap(), b"old pdf");
        assert!(!typ.exists(), "a new file stayed after the rollback");
        assert!(epub.is_dir());
        assert_eq!(names(dir.path()), ["x.epub", "x.pdf"]);
    }
}
