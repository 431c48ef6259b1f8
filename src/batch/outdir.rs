//! The output folder: where it really is, what it must not overlap, and which
//! of its files briefpress may call its own.
//!
//! A restored CI cache or a careless `--out` can make the output folder hold
//! files briefpress never wrote, or overlap the content it reads. The rules:
//! an output folder that contains a publication of the run or overlaps a
//! content or template folder is refused before any work; a recorded output
//! counts as present only if the file on disk is the one recorded; a file is
//! deleted only if it is a regular file inside the folder (no symlink on the
//! way) whose size and BLAKE3 hash are those recorded when it was written.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use super::cache::{CACHE_FILE, OLD_CACHE_FILE, Output};
use super::discover::{CONTENT_DIR, Job};
use super::lock::LOCK_FILE;
use super::untrusted;
use super::write::{TEMP_PREFIX, TEMP_SUFFIX};
use crate::project::root::ProjectRoot;

/// The `--out` folder of a build.
#[derive(Debug, Clone)]
pub struct OutDir {
    /// As the user gave it: used for every file operation and message.
    given: PathBuf,
    /// Where it is: canonical, or for a folder not created yet, the canonical
    /// existing ancestor followed by the rest.
    real: PathBuf,
}

/// Whether a recorded output is still on disk as it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Same size and modification time.
    Unchanged,
    /// Touched but the same bytes: the new modification time.
    Touched((i64, u32)),
    /// Missing, replaced, truncated, or not a regular file inside the folder.
    Changed,
}

impl OutDir {
    /// Resolves `--out`; a path that names a file (or lies under one) is `Err`.
    pub fn resolve(given: &Path) -> Result<Self, String> {
        let absolute = std::path::absolute(given)
            .map_err(|err| format!("--out `{}`: {err}", given.display()))?;
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        loop {
            match fs::metadata(existing) {
                Ok(meta) if meta.is_dir() => break,
                Ok(_) => {
                    let cwd = std::env::current_dir().unwrap_or_default();
                    return Err(format!(
                        "--out `{}` is not a folder: `{}` is a file",
                        given.display(),
                        existing.strip_prefix(&cwd).unwrap_or(existing).display()
                    ));
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
                {
                    let (Some(parent), Some(name)) =
                        (existing.parent(), existing.components().next_back())
                    else {
                        return Err(format!("--out `{}`: no such folder", given.display()));
                    };
                    rest.push(name.as_os_str().to_os_string());
                    existing = parent;
                }
                Err(err) => return Err(format!("--out `{}`: {err}", given.display())),
            }
        }
        let mut real = fs::canonicalize(existing)
            .map_err(|err| format!("--out `{}`: {err}", given.display()))?;
        // What does not exist yet will be plain folders that briefpress
        // creates, so `..` in it can be resolved by name.
        for name in rest.iter().rev() {
            match Path::new(name).components().next() {
                Some(Component::ParentDir) => {
                    real.pop();
                }
                Some(Component::CurDir) | None => {}
                Some(_) => real.push(name),
            }
        }
        Ok(Self {
            given: given.to_path_buf(),
            real,
        })
    }

    /// The folder as the user named it.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// A file in the folder, `rel` being `/`-separated.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.given.join(rel)
    }

    /// Why this folder cannot receive the outputs of `jobs`: it overlaps a
    /// content folder named on the command line, the project's `content/`
    /// or `templates/` (made or not yet), or it contains one of their
    /// publication files. One message for the one cause: the publications
    /// inside an overlapping folder are named in its message.
    pub fn overlaps(&self, jobs: &[Job], folders: &[PathBuf], root: &ProjectRoot) -> Vec<String> {
        let project = [CONTENT_DIR, "templates"].map(|name| root.dir().join(name));
        let mut overlapped: Vec<(&PathBuf, PathBuf)> = Vec::new();
        for folder in folders.iter().chain(&project) {
            let (real, overlap) = match fs::canonicalize(folder) {
                Ok(real) => {
                    let overlap = real.starts_with(&self.real) || self.real.starts_with(&real);
                    (real, overlap)
                }
                // A project folder not made yet (`templates/`) would be made
                // where it is named: outputs must not go there either.
                Err(_) if project.contains(folder) => {
                    (folder.clone(), self.real.starts_with(folder))
                }
                Err(_) => continue,
            };
            if overlap && !overlapped.iter().any(|(_, seen)| *seen == real) {
                overlapped.push((folder, real));
            }
        }
        let inside: Vec<&Job> = jobs
            .iter()
            .filter(|job| job.real.starts_with(&self.real))
            .collect();
        let publications = inside.first().map(|first| {
            let more = match inside.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            format!("the publication `{}`{more}", root.display(&first.input))
        });
        let given = self.given.display();
        if overlapped.is_empty() {
            return publications
                .map(|publications| {
                    format!(
                        "the output folder `{given}` contains {publications}: outputs could \
                         overwrite inputs; choose an --out outside the content"
                    )
                })
                .into_iter()
                .collect();
        }
        let names: Vec<String> = overlapped
            .iter()
            .map(|(folder, _)| format!("`{}`", root.display(folder)))
            .collect();
        let (folders, them) = match names.len() {
            1 => ("folder", "it"),
            _ => ("folders", "them"),
        };
        let holding = publications.map_or_else(String::new, |p| format!(", with {p}"));
        vec![format!(
            "the output folder `{given}` overlaps the input {folders} {}{holding}: outputs \
             could overwrite inputs; choose an --out outside {them}",
            names.join(" and ")
        )]
    }

    /// Creates the folder (and re-resolves where it is).
    pub fn create(&mut self) -> io::Result<()> {
        fs::create_dir_all(&self.given)?;
        self.real = fs::canonicalize(&self.given)?;
        Ok(())
    }

    /// Whether `path` (canonical) lies inside the output folder, where any
    /// publication's output may land.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.real)
    }

    /// Whether the folders from the output folder down to the file `rel`
    /// (`/`-separated) are real folders: no symlink on the way could lead
    /// elsewhere. Folders not created yet count as inside.
    pub fn holds(&self, rel: &str) -> bool {
        self.blocked(rel).is_none()
    }

    /// Why the file `rel` (`/`-separated) cannot be written where it
    /// belongs: a folder on the way is a symlink, or something else than a
    /// folder. `None` when every folder on the way is a real folder (or not
    /// created yet).
    pub fn blocked(&self, rel: &str) -> Option<String> {
        let file = self.file(rel);
        let mut dir = self.given.clone();
        let mut parts: Vec<&str> = rel.split('/').collect();
        parts.pop();
        for part in parts {
            if matches!(part, "" | "." | "..") {
                return Some(format!(
                    "`{}` is not a plain path inside the output folder",
                    file.display()
                ));
            }
            dir.push(part);
            let kind = match fs::symlink_metadata(&dir) {
                Ok(meta) if meta.is_dir() => continue,
                Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
                Err(err) => return Some(format!("cannot look at `{}`: {err}", dir.display())),
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Some(format!(
                        "`{}` is behind a symlink (`{}`) that may lead out of the output folder `{}`; \
                         refusing to write it: replace the link by a folder",
                        file.display(),
                        dir.display(),
                        self.given.display()
                    ));
                }
                Ok(meta) if meta.is_file() => "a file",
                Ok(_) => "a special file (FIFO, socket or device)",
            };
            return Some(format!(
                "`{}` is {kind}, not a folder; move it: `{}` belongs inside a folder of that name",
                dir.display(),
                file.display()
            ));
        }
        None
    }

    /// Checks a recorded output against the disk: size and modification time
    /// first, the hash only when the time differs.
    pub fn recorded(&self, output: &Output) -> Recorded {
        let path = self.file(&output.path);
        let Some(meta) = self.regular_file(&output.path) else {
            return Recorded::Changed;
        };
        if meta.len() != output.size {
            return Recorded::Changed;
        }
        let mtime = (meta.mtime(), u32::try_from(meta.mtime_nsec()).unwrap_or(0));
        if mtime == output.mtime {
            return Recorded::Unchanged;
        }
        match untrusted::file_hash(&path, output.size) {
            Ok(hash) if hash.to_hex().as_str() == output.blake3 => Recorded::Touched(mtime),
            _ => Recorded::Changed,
        }
    }

    /// Deletes a recorded output if, and only if, it is provably the file
    /// briefpress wrote: a regular file inside the folder with the recorded
    /// size and hash. `Ok` when it is gone (or already was), `Err(why)` when kept.
    pub fn remove_recorded(&self, output: &Output) -> Result<(), String> {
        let path = self.file(&output.path);
        match fs::symlink_metadata(&path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err.to_string()),
            Ok(_) => {}
        }
        self.is_written(output)?;
        fs::remove_file(&path).map_err(|err| err.to_string())
    }

    /// Whether the file of a recorded output is provably the one briefpress
    /// wrote: a regular file inside the folder with the recorded size and
    /// hash. `Err(why)` when it is not (or is missing).
    pub fn is_written(&self, output: &Output) -> Result<(), String> {
        let Some(meta) = self.regular_file(&output.path) else {
            return Err("it is not a regular file inside the output folder".into());
        };
        let same = meta.len() == output.size
            && untrusted::file_hash(&self.file(&output.path), output.size)
                .is_ok_and(|hash| hash.to_hex().as_str() == output.blake3);
        if same {
            Ok(())
        } else {
            Err("it changed since briefpress wrote it".into())
        }
    }

    /// Whether the file `rel` holds exactly `bytes` (a regular file inside the folder).
    pub fn holds_bytes(&self, rel: &str, bytes: &[u8]) -> bool {
        self.regular_file(rel).is_some_and(|meta| {
            meta.len() == bytes.len() as u64
                && untrusted::file_hash(&self.file(rel), meta.len())
                    .is_ok_and(|hash| hash == blake3::hash(bytes))
        })
    }

    /// Removes the temporary files a killed run left (`.briefpress-*.tmp`):
    /// only regular files of that name, never following a symlink, and never
    /// inside a subfolder that is another build's output folder (it holds a
    /// lock file or a build cache): that build may be writing them now.
    /// Returns how many.
    pub fn remove_leftover_temps(&self) -> usize {
        walkdir::WalkDir::new(&self.given)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !e.file_type().is_dir() || !is_output_folder(e.path())
            })
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy();
                e.file_type().is_file()
                    && name.starts_with(TEMP_PREFIX)
                    && name.ends_with(TEMP_SUFFIX)
            })
            .filter(|e| fs::remove_file(e.path()).is_ok())
            .count()
    }

    /// The metadata of the file `rel` if it is a regular file (not a symlink) inside the folder.
    fn regular_file(&self, rel: &str) -> Option<fs::Metadata> {
        let meta = fs::symlink_metadata(self.file(rel)).ok()?;
        (meta.file_type().is_file() && self.holds(rel)).then_some(meta)
    }
}

/// Whether `dir` is a build's output folder: it holds a lock file or a build
/// cache (of this briefpress or an older one).
fn is_output_folder(dir: &Path) -> bool {
    [LOCK_FILE, CACHE_FILE, OLD_CACHE_FILE]
        .iter()
        .any(|name| fs::symlink_metadata(dir.join(name)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_not_created_yet_resolves_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        let out = OutDir::resolve(&dir.path().join("a/../b/./c")).unwrap();
        assert_eq!(out.real, real.join("b/c"));
        fs::write(dir.path().join("file"), "x").unwrap();
        assert!(OutDir::resolve(&dir.path().join("file")).is_err());
        assert!(OutDir::resolve(&dir.path().join("file/sub")).is_err());
    }

    #[test]
    fn nothing_behind_a_symlinked_folder_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let mut out = OutDir::resolve(&dir.path().join("out")).unwrap();
        out.create().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("out/sub")).unwrap();
        assert!(out.holds("x.pdf"));
        assert!(out.holds("new/deeper/x.pdf"));
        assert!(!out.holds("sub/x.pdf"));
        assert!(!out.holds("sub/new/x.pdf"));
        assert!(!out.holds("../x.pdf"));
    }

    #[test]
    fn a_file_where_a_folder_belongs_is_named_as_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = OutDir::resolve(&dir.path().join("out")).unwrap();
        out.create().unwrap();
        fs::write(dir.path().join("out/sub"), "user").unwrap();
        let why = out.blocked("sub/x.pdf").unwrap();
        assert!(
            why.contains("out/sub` is a file, not a folder; move it"),
            "{why}"
        );
        assert!(!why.contains("symlink"), "{why}");
    }
}
