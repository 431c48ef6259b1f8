//! Path confinement: every file a publication or template reads must lie
//! inside the project root.
//!
//! Relative paths are resolved lexically first (so `..` cannot climb out),
//! then canonicalised (so a symlink inside the project cannot point outside
//! it: typst's own `FsRoot` follows symlinks, which is why the PDF World uses
//! this module too).
//!
//! [`Start`] finds the root a command works in, from the folder it was
//! started in, the way git and cargo find theirs: a `cd content` must not
//! make briefpress drop the project's settings or write `output/` into the content.
//!
//! [`Folders`] serves the build cache, which looks at every input of every
//! publication on each run: it resolves each folder once per run (one `lstat`
//! per folder below the canonical root) instead of every component of every file.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use super::settings;
use crate::batch::discover::CONTENT_DIR;

/// The canonical project root that all reads are confined to.
#[derive(Debug, Clone)]
pub struct ProjectRoot {
    dir: PathBuf,
}

/// Why a path could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PathProblem {
    /// The path is absolute; content paths must be relative.
    #[error("the path is absolute")]
    Absolute,
    /// The path climbs out of the project root with `..`.
    #[error("the path points outside the project root")]
    Escapes,
    /// The path (or a symlink on it) resolves outside the project root.
    #[error("the path is a link to `{}`, outside the project root", .0.display())]
    SymlinkOutside(PathBuf),
    /// The file does not exist or cannot be opened.
    #[error("cannot open the file")]
    Missing(#[source] io::Error),
    /// The path names a folder, not a file.
    #[error("the path is not a file")]
    NotAFile,
    /// The file is larger than the configured limit.
    #[error("the file is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

/// A file inside the project: its canonical path and its root-relative name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFile {
    /// Canonical absolute path on disk.
    pub abs: PathBuf,
    /// Path relative to the project root, `/`-separated, no leading slash.
    pub rel: String,
    /// The path as the content named it (absolute, lexically clean, inside
    /// the root), with any symlinks on the way left in place.
    pub named: PathBuf,
}

impl ProjectFile {
    /// Where it really is, then the path it was named by if that differs:
    /// a publication built from it depends on both (a symlink on the way may
    /// be pointed elsewhere).
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        std::iter::once(&self.abs).chain((self.named != self.abs).then_some(&self.named))
    }
}

impl ProjectRoot {
    /// Canonicalises `dir` as the project root.
    pub fn new(dir: &Path) -> io::Result<Self> {
        Ok(Self {
            dir: fs::canonicalize(dir)?,
        })
    }

    /// The canonical root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resolves `reference` (as written in a content file) against `base`,
    /// the folder of the file that contains it, and checks it stays inside.
    pub fn resolve(&self, base: &Path, reference: &str) -> Result<ProjectFile, PathProblem> {
        let written = Path::new(reference);
        if written.has_root() || reference.starts_with('\\') || has_prefix(written) {
            return Err(PathProblem::Absolute);
        }
        let joined = normalize(&base.join(written)).ok_or(PathProblem::Escapes)?;
        if !joined.starts_with(&self.dir) {
            return Err(PathProblem::Escapes);
        }
        self.confine(&joined)
    }

    /// Checks that an absolute, lexically clean path inside the root is a
    /// regular file whose real location (after symlinks) is inside the root.
    pub fn confine(&self, path: &Path) -> Result<ProjectFile, PathProblem> {
        let real = fs::canonicalize(path).map_err(PathProblem::Missing)?;
        let Ok(rel) = real.strip_prefix(&self.dir) else {
            return Err(PathProblem::SymlinkOutside(real));
        };
        if !real.is_file() {
            return Err(PathProblem::NotAFile);
        }
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(ProjectFile {
            abs: real,
            rel,
            named: path.to_path_buf(),
        })
    }

    /// The root-relative, `/`-separated name of `path` (after symlinks), if
    /// it exists inside the root ("" for the root itself).
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = fs::canonicalize(path).ok()?;
        let rel = abs.strip_prefix(&self.dir).ok()?;
        Some(rel.to_str()?.replace('\\', "/"))
    }

    /// How messages and the cache name `path`: root-relative if inside.
    pub fn display(&self, path: &Path) -> String {
        let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        match abs.strip_prefix(&self.dir) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => path.to_string_lossy().into_owned(),
        }
    }
}

/// Where a command was started, and the project root found from there.
#[derive(Debug, Clone)]
pub struct Start {
    /// The folder the command was started in (as the OS reports it: no symlink on it).
    cwd: PathBuf,
    /// The project root: `cwd` or one of its ancestors.
    root: PathBuf,
}

impl Start {
    /// Finds the root from the current folder (see [`Start::from`]).
    pub fn here() -> io::Result<Self> {
        Ok(Self::from(std::env::current_dir()?))
    }

    /// Finds the root from `cwd`: `cwd` itself when it holds the project file
    /// or a `content/` folder, else the nearest folder above it holding the
    /// project file, else (no project file anywhere above) `cwd`.
    pub fn from(cwd: PathBuf) -> Self {
        let marks_root =
            |dir: &Path| fs::symlink_metadata(dir.join(settings::FILE)).is_ok_and(|m| !m.is_dir());
        let here = marks_root(&cwd) || cwd.join(CONTENT_DIR).is_dir();
        let root = if here {
            cwd.clone()
        } else {
            cwd.ancestors()
                .skip(1)
                .find(|dir| marks_root(dir))
                .map_or_else(|| cwd.clone(), Path::to_path_buf)
        };
        Self { cwd, root }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the root is somewhere else than the folder the command was started in.
    pub fn moved(&self) -> bool {
        self.cwd != self.root
    }

    /// A path typed on the command line (relative to where the user stands),
    /// as seen from the root: root-relative when it lies inside the root,
    /// absolute otherwise. `..` is resolved only where it climbs out of the
    /// start folder (a real folder), never after a name the user typed, which
    /// may be a symlink.
    pub fn path(&self, typed: &Path) -> PathBuf {
        if !self.moved() || typed.is_absolute() {
            return typed.to_path_buf();
        }
        let mut base = self.cwd.clone();
        let mut rest = typed.components().peekable();
        while let Some(component) = rest.peek() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    base.pop();
                }
                _ => break,
            }
            rest.next();
        }
        let joined: PathBuf = base.join(rest.collect::<PathBuf>());
        match joined.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Ok(rel) => rel.to_path_buf(),
            Err(_) => joined,
        }
    }
}

/// Root-relative paths resolved folder by folder, each folder once per run.
#[derive(Debug)]
pub struct Folders {
    root: ProjectRoot,
    /// Root-relative folder → its real location inside the root (`None`: missing or outside).
    known: Mutex<HashMap<String, Option<PathBuf>>>,
}

impl Folders {
    /// A resolver for the files of `root`.
    pub fn new(root: ProjectRoot) -> Self {
        Self {
            root,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Where the file `rel` (root-relative, `/`-separated, no `.`, `..` or
    /// empty component) would be: the real location of its folder, which
    /// must lie inside the root after symlinks, joined with its name. The
    /// file itself is not looked at: the caller must not follow a symlink there.
    pub fn locate(&self, rel: &str) -> Option<PathBuf> {
        let clean = !rel.is_empty()
            && !rel.contains('\0')
            && rel.split('/').all(|part| !matches!(part, "" | "." | ".."));
        if !clean {
            return None;
        }
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        Some(self.folder(folder)?.join(name))
    }

    /// The real location of the root-relative folder `rel` ("" is the root).
    fn folder(&self, rel: &str) -> Option<PathBuf> {
        if rel.is_empty() {
            return Some(self.root.dir.clone());
        }
        if let Some(known) = self.known.lock().ok()?.get(rel) {
            return known.clone();
        }
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let real = self.folder(parent).and_then(|parent| {
            let path = parent.join(name);
            let meta = fs::symlink_metadata(&path).ok()?;
            if meta.is_dir() {
                // A real folder in a canonical folder: canonical as it is.
                return Some(path);
            }
            let real = fs::canonicalize(&path).ok()?;
            (meta.file_type().is_symlink() && real.starts_with(&self.root.dir) && real.is_dir())
                .then_some(real)
        });
        self.known
            .lock()
            .ok()?
            .insert(rel.to_string(), real.clone());
        real
    }
}

/// Reads a confined file, refusing files above `limit` bytes before reading them.
pub fn read_limited(file: &ProjectFile, limit: u64) -> Result<Vec<u8>, PathProblem> {
    let size = fs::metadata(&file.abs).map_err(PathProblem::Missing)?.len();
    if size > limit {
        return Err(PathProblem::TooLarge { size, limit });
    }
    fs::read(&file.abs).map_err(PathProblem::Missing)
}

fn has_prefix(path: &Path) -> bool {
    matches!(path.components().next(), Some(Component::Prefix(_)))
}

/// Lexically removes `.` and `..`; `None` if `..` would climb above the filesystem root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_cannot_climb_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        let base = root.dir().join("content");
        assert!(matches!(
            root.resolve(&base, "../../etc/passwd"),
            Err(PathProblem::Escapes)
        ));
        assert!(matches!(
            root.resolve(&base, "/etc/passwd"),
            Err(PathProblem::Absolute)
        ));
    }

    #[test]
    fn symlink_out_of_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        assert!(matches!(
            root.resolve(root.dir(), "link"),
            Err(PathProblem::SymlinkOutside(_))
        ));
    }

    #[test]
    fn folders_resolve_once_and_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("content/a")).unwrap();
        std::os::unix::fs::symlink("content/a", dir.path().join("alias")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("content/out")).unwrap();
        fs::write(dir.path().join("content/file"), "x").unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        let folders = Folders::new(root.clone());
        let real = root.dir().join("content/a");
        assert_eq!(folders.locate("content/a/x.md"), Some(real.join("x.md")));
        assert_eq!(folders.locate("alias/x.md"), Some(real.join("x.md")));
        assert_eq!(folders.locate("top.md"), Some(root.dir().join("top.md")));
        for refused in [
            "content/out/x.md",
            "content/file/x.md",
            "missing/x.md",
            "content/../x.md",
            "./x.md",
            "/etc/passwd",
            "content//x.md",
            "",
        ] {
            assert_eq!(folders.locate(refused), None, "{refused}");
        }
        // Resolved once: a folder swapped afterwards keeps its first answer.
        fs::rename(dir.path().join("content/a"), dir.path().join("content/b")).unwrap();
        assert_eq!(folders.locate("content/a/y.md"), Some(real.join("y.md")));
    }

    #[test]
    fn the_root_is_the_nearest_folder_with_the_project_file() {
        let dir = tempfile::tempdir().unwrap();
        let top = fs::canonicalize(dir.path()).unwrap();
        let project = top.join("ck");
        fs::create_dir_all(project.join("content/a/b")).unwrap();
        fs::write(project.join(settings::FILE), "").unwrap();
        let start = Start::from(project.join("content/a/b"));
        assert_eq!(start.root(), project);
        assert_eq!(
            start.path(Path::new("x.toml")),
            Path::new("content/a/b/x.toml")
        );
        assert_eq!(
            start.path(Path::new("./../x.toml")),
            Path::new("content/a/x.toml")
        );
        assert_eq!(start.path(Path::new("../../..")), Path::new("."));
        assert_eq!(start.path(Path::new("../../../../o")), top.join("o"));
        assert_eq!(
            start.path(Path::new("l/../x")),
            Path::new("content/a/b/l/../x")
        );
        assert_eq!(start.path(Path::new("/abs")), Path::new("/abs"));
        // A folder with `content/` is a project of its own, file or not.
        fs::create_dir_all(project.join("content/a/content")).unwrap();
        assert_eq!(
            Start::from(project.join("content/a")).root(),
            project.join("content/a")
        );
        // No project file anywhere above: the folder itself.
        let lone = top.join("lone/sub");
        fs::create_dir_all(&lone).unwrap();
        let start = Start::from(lone.clone());
        assert_eq!(start.root(), lone);
        assert_eq!(start.path(Path::new("../x")), Path::new("../x"));
    }

    #[test]
    fn inside_paths_resolve_to_root_relative_names() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("content/a")).unwrap();
        fs::write(dir.path().join("content/a/x.md"), "hi").unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        let file = root
            .resolve(&root.dir().join("content/b"), "../a/./x.md")
            .unwrap();
        assert_eq!(file.rel, "content/a/x.md");
    }
}
