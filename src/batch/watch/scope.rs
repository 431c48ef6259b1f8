//! Which publications a pass of `watch` looks at, and when it finds them again.
//!
//! `build` looks at the files of every publication to tell what is fresh,
//! and walks `content/` to find them: in a project of thousands that is
//! tens of thousands of `stat` calls, several times one warm compile. A pass
//! of `watch` is told by the watcher which files were written, so it looks
//! only at the publications those writes reach: one whose source or
//! recorded input was written (by its own path, a folder above it, or the
//! real file behind a symlink on the way to it). Publications that failed,
//! or are new, are looked at on every pass. The others were fresh or built
//! in the last pass and are taken as fresh without a look.
//!
//! That holds only while the build cache on disk is the one the last pass
//! saved: if another build wrote it in between, the pass looks at
//! everything, as `build` does (see [`super::super::Run::pass`]). A change of
//! templates, fonts or the project file, or lost watcher events, also makes
//! the next pass look at everything. The publications are found again only
//! when a write may add or remove one: a folder, a `.toml` file not yet
//! known, or the removal of a publication or of a folder holding one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::super::Untouched;
use super::super::cache::{Cache, Preloaded};
use super::super::discover::Job;
use super::changes::Filter;

/// How far writes reach, for the pass they would start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// No publication: every one was settled by the last pass and none of
    /// its files was written, and none is added or removed. No pass.
    Nothing,
    /// No publication the last pass settled or knows the files of, but some
    /// failed (or are new): a pass tries them again, as on every change,
    /// and says nothing unless one of them builds.
    Unsettled,
    /// A publication's files, or what publications there are: a pass.
    Publications,
}

/// What `watch` remembers between passes to keep the next one small.
pub struct Scope {
    /// The canonical project root.
    root: PathBuf,
    /// The real paths of the publications last found.
    sources: HashSet<PathBuf>,
    /// The folders holding them, up to the root.
    folders: HashSet<PathBuf>,
    /// The publications must be found again before the next pass.
    lost: bool,
    /// Finding them failed (reported): only a write that may add or remove
    /// one, or change the project, can change that.
    unfound: bool,
    /// The cache as the last pass saved it.
    kept: Option<Preloaded>,
    /// The stems the last pass built or found fresh.
    settled: HashSet<String>,
    /// Inputs reached through a symlink, with where they really are.
    aliases: HashMap<String, PathBuf>,
}

impl Scope {
    /// Nothing known yet about the project at `root` (canonical): the first
    /// pass finds and looks at everything.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            sources: HashSet::new(),
            folders: HashSet::new(),
            lost: true,
            unfound: false,
            kept: None,
            settled: HashSet::new(),
            aliases: HashMap::new(),
        }
    }

    /// Remembers the publications just found.
    pub fn found(&mut self, jobs: &[Job]) {
        self.sources = jobs.iter().map(|job| job.real.clone()).collect();
        self.folders.clear();
        for job in jobs {
            for folder in job.real.ancestors().skip(1) {
                if !folder.starts_with(&self.root) || !self.folders.insert(folder.to_path_buf()) {
                    break;
                }
            }
        }
        self.lost = false;
        self.unfound = false;
    }

    /// Finding the publications failed (reported), so no pass ran: find
    /// them again and look at everything on the next change.
    pub fn lose(&mut self) {
        self.everything();
        self.unfound = true;
    }

    /// Remembers what a pass left: the cache it saved (if it did), the stems
    /// it `settled`, and the `aliases` of the inputs it looked at.
    pub fn passed(
        &mut self,
        kept: Option<Preloaded>,
        settled: HashSet<String>,
        aliases: HashMap<String, PathBuf>,
    ) {
        self.kept = kept;
        self.settled = settled;
        self.aliases.extend(aliases);
    }

    /// The recorded inputs whose names the watcher's filter passes over
    /// (hidden, or backups), as absolute paths: writes to them count.
    pub fn passed_over(&self) -> HashSet<PathBuf> {
        let Some(cache) = self.kept.as_ref().and_then(Preloaded::cache) else {
            return HashSet::new();
        };
        cache
            .entries
            .values()
            .flat_map(|entry| &entry.inputs)
            .filter(|input| {
                // Root-relative and `/`-separated: a cheap test first.
                let path = &input.path;
                (path.starts_with('.') || path.contains("/.") || path.ends_with('~'))
                    && Filter::passed_over(Path::new(path))
            })
            .map(|input| self.root.join(&input.path))
            .collect()
    }

    /// Whether the publications must be found again after writes to `paths`.
    pub fn finds_again(&self, paths: &[PathBuf]) -> bool {
        self.lost || self.adds_or_removes(paths)
    }

    /// Whether writes to `paths` may add or remove a publication: a folder,
    /// a `.toml` file not yet known, or the removal of a `.toml` file or of
    /// a folder holding a publication.
    fn adds_or_removes(&self, paths: &[PathBuf]) -> bool {
        let toml = |path: &PathBuf| path.extension().is_some_and(|x| x == "toml");
        paths.iter().any(|path| match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => toml(path) && !self.sources.contains(path),
            Err(_) => toml(path) || self.folders.contains(path),
        })
    }

    /// How far writes to `paths` reach among `jobs`, the publications last found.
    pub fn reach(&self, paths: &[PathBuf], jobs: &[Job]) -> Reach {
        if self.unfound && !self.adds_or_removes(paths) {
            // The publications could not be found: these writes do not change that.
            return Reach::Nothing;
        }
        let Some(cache) = self.kept.as_ref().and_then(Preloaded::cache) else {
            return Reach::Publications;
        };
        if self.finds_again(paths) {
            return Reach::Publications;
        }
        let written = Written::new(&self.root, paths);
        if self.settled.len() != self.untouched(cache, &written).len() {
            return Reach::Publications;
        }
        let unsettled: Vec<&Job> = jobs
            .iter()
            .filter(|job| !self.settled.contains(&job.stem))
            .collect();
        if unsettled.is_empty() {
            return Reach::Nothing;
        }
        // A failed publication whose own file, or a file its last good build
        // read, was written: what it reads may have been fixed.
        let reached = unsettled.iter().any(|job| {
            written.reaches(&job.source, Some(&job.real))
                || cache.entries.get(&job.stem).is_some_and(|entry| {
                    entry
                        .inputs
                        .iter()
                        .any(|input| written.reaches(&input.path, self.aliases.get(&input.path)))
                })
        });
        if reached {
            Reach::Publications
        } else {
            Reach::Unsettled
        }
    }

    /// The next pass after writes to `paths`: the cache to start from, and
    /// the stems it may take as fresh unchecked.
    pub fn next(&mut self, paths: &[PathBuf]) -> (Option<Preloaded>, Untouched) {
        let kept = self.kept.take();
        let untouched = match kept.as_ref().and_then(Preloaded::cache) {
            Some(cache) => self.untouched(cache, &Written::new(&self.root, paths)),
            None => Untouched::new(),
        };
        (kept, untouched)
    }

    /// The next pass looks at everything (the project changed, or events
    /// were lost); it may still start from the cache the last pass saved.
    pub fn everything(&mut self) -> Option<Preloaded> {
        self.settled.clear();
        self.aliases.clear();
        self.lost = true;
        self.kept.take()
    }

    /// The settled stems none of whose files is among `written`.
    fn untouched(&self, cache: &Cache, written: &Written) -> Untouched {
        self.settled
            .iter()
            .filter(|stem| {
                cache.entries.get(*stem).is_some_and(|entry| {
                    !written.reaches(&entry.source, None)
                        && !entry.inputs.iter().any(|input| {
                            written.reaches(&input.path, self.aliases.get(&input.path))
                        })
                })
            })
            .cloned()
            .collect()
    }
}

/// The paths written, as the watcher gave them and root-relative. A pass
/// follows a few writes (a save), so each file is compared with each write.
struct Written {
    absolute: Vec<PathBuf>,
    relative: Vec<String>,
}

impl Written {
    /// The written `paths`, each also where it really is: the watcher may
    /// name a file by a path through a symlinked folder.
    fn new(root: &Path, paths: &[PathBuf]) -> Self {
        let mut absolute: Vec<PathBuf> = paths.to_vec();
        absolute.extend(paths.iter().filter_map(|path| real(path)));
        absolute.sort();
        absolute.dedup();
        let relative = absolute
            .iter()
            .filter_map(|path| path.strip_prefix(root).ok())
            .filter_map(|rel| rel.to_str())
            .map(str::to_string)
            .collect();
        Self { absolute, relative }
    }

    /// Whether a write reaches the file `rel` (root-relative,
    /// `/`-separated), or `real`, where it really is: the file itself or a
    /// folder above it was written (created, changed, renamed or removed).
    fn reaches(&self, rel: &str, real: Option<&PathBuf>) -> bool {
        let under = |written: &String| {
            rel.strip_prefix(written.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        self.relative.iter().any(under)
            || real.is_some_and(|real| self.absolute.iter().any(|w| real.starts_with(w)))
    }
}

/// Where `path` really is, if that is somewhere else: its folder with
/// symlinks resolved (the file itself may be gone), or the file a symlink
/// leads to.
fn real(path: &Path) -> Option<PathBuf> {
    let real = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(_) => std::fs::canonicalize(path.parent()?)
            .ok()?
            .join(path.file_name()?),
    };
    (real != path).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::cache::{Entry, Input};

    fn job(real: &str) -> Job {
        let source = real.trim_start_matches("/p/").to_string();
        Job {
            input: PathBuf::from(&source),
            real: PathBuf::from(real),
            stem: source.trim_end_matches(".toml").to_string(),
            source,
        }
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    fn entry(source: &str, inputs: &[&str]) -> Entry {
        Entry {
            source: source.to_string(),
            inputs: inputs
                .iter()
                .map(|path| Input {
                    path: path.to_string(),
                    stat: None,
                })
                .collect(),
            template: "brief".to_string(),
            outputs: Vec::new(),
            earlier: Vec::new(),
            stale: Vec::new(),
            setup: String::new(),
            fingerprint: String::new(),
            warnings: 0,
        }
    }

    /// A scope after a pass that settled `a` (content/a.toml, reading
    /// content/a/intro.md and content/shared/logo.svg, which is a link to
    /// assets/logo.svg) and `b` (content/b.toml, reading content/b.md).
    fn scope() -> (Scope, Cache) {
        let mut scope = Scope::new(Path::new("/p"));
        scope.found(&[job("/p/content/a.toml"), job("/p/content/b.toml")]);
        let mut cache = Cache::default();
        cache.entries.insert(
            "content/a".into(),
            entry(
                "content/a.toml",
                &[
                    "content/a.toml",
                    "content/a/intro.md",
                    "content/shared/logo.svg",
                ],
            ),
        );
        cache.entries.insert(
            "content/b".into(),
            entry("content/b.toml", &["content/b.toml", "content/b.md"]),
        );
        scope.settled = ["content/a".to_string(), "content/b".to_string()].into();
        scope.aliases = [(
            "content/shared/logo.svg".to_string(),
            PathBuf::from("/p/assets/logo.svg"),
        )]
        .into();
        (scope, cache)
    }

    fn untouched(written: &[&str]) -> Vec<String> {
        let (scope, cache) = scope();
        let mut stems: Vec<String> = scope
            .untouched(&cache, &Written::new(Path::new("/p"), &paths(written)))
            .into_iter()
            .collect();
        stems.sort();
        stems
    }

    #[test]
    fn a_write_reaches_the_publications_that_read_the_file_and_no_other() {
        assert_eq!(untouched(&["/p/content/b.md"]), ["content/a"]);
        assert_eq!(untouched(&["/p/content/a.toml"]), ["content/b"]);
        assert_eq!(
            untouched(&["/p/notes.txt", "/p/content/c.md"]),
            ["content/a", "content/b"]
        );
    }

    #[test]
    fn a_write_to_a_folder_above_a_file_or_to_the_real_file_behind_a_link_reaches_it() {
        assert_eq!(untouched(&["/p/content/a"]), ["content/b"]);
        assert!(untouched(&["/p/content"]).is_empty());
        assert_eq!(untouched(&["/p/assets/logo.svg"]), ["content/b"]);
        assert_eq!(untouched(&["/p/assets"]), ["content/b"]);
        assert_eq!(
            untouched(&["/p/content/a/intro.md.bak"]),
            ["content/a", "content/b"],
            "a name that only starts like an input is another file"
        );
    }

    #[test]
    fn only_settled_publications_with_an_entry_are_taken_as_fresh() {
        let (mut scope, mut cache) = scope();
        scope.settled.remove("content/a");
        cache.entries.remove("content/b");
        let written = Written::new(Path::new("/p"), &paths(&["/p/notes.txt"]));
        assert!(scope.untouched(&cache, &written).is_empty());
    }

    #[test]
    fn a_write_no_publication_reads_starts_no_pass_unless_one_failed() {
        let (mut scope, mut cache) = scope();
        let log = paths(&["/p/watch.log", "/p/content/watch.log"]);
        let mut jobs = vec![job("/p/content/a.toml"), job("/p/content/b.toml")];
        assert_eq!(
            scope.reach(&log, &jobs),
            Reach::Publications,
            "no cache kept: nothing is known"
        );
        let keep = |scope: &mut Scope, cache: &Cache| {
            scope.kept = Some(Preloaded::kept(Path::new("/p/no-output"), cache.clone()));
        };
        keep(&mut scope, &cache);
        assert_eq!(scope.reach(&log, &jobs), Reach::Nothing);
        assert_eq!(
            scope.reach(&paths(&["/p/content/b.md"]), &jobs),
            Reach::Publications
        );
        // c failed: tried again, quietly, on a write no one reads; loudly
        // on a write to its own file or to one its last good build read.
        jobs.push(job("/p/content/c.toml"));
        cache.entries.insert(
            "content/c".into(),
            entry("content/c.toml", &["content/c.toml", "content/c/old.md"]),
        );
        keep(&mut scope, &cache);
        assert_eq!(scope.reach(&log, &jobs), Reach::Unsettled);
        for reached in ["/p/content/c/old.md", "/p/content/c.toml"] {
            assert_eq!(
                scope.reach(&paths(&[reached]), &jobs),
                Reach::Publications,
                "{reached}"
            );
        }
        // Finding the publications failed: only a write that may add or
        // remove one tries again.
        scope.lose();
        assert_eq!(scope.reach(&log, &jobs), Reach::Nothing);
        assert_eq!(
            scope.reach(&paths(&["/p/content/new.toml"]), &jobs),
            Reach::Publications
        );
    }

    #[test]
    fn publications_are_found_again_when_one_may_have_been_added_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let content = root.join("content");
        std::fs::create_dir_all(content.join("sub")).unwrap();
        for file in ["a.toml", "a.md", "new.toml"] {
            std::fs::write(content.join(file), "").unwrap();
        }
        let mut scope = Scope::new(&root);
        assert!(scope.finds_again(&[]), "nothing found yet");
        let mut a = job("/p/content/a.toml");
        a.real = content.join("a.toml");
        let mut gone = job("/p/content/old/gone.toml");
        gone.real = content.join("old/gone.toml");
        scope.found(&[a, gone]);
        assert!(!scope.finds_again(&[content.join("a.toml"), content.join("a.md")]));
        assert!(
            !scope.finds_again(&[content.join("4913")]),
            "an editor's probe file, already gone"
        );
        assert!(scope.finds_again(&[content.join("new.toml")]));
        assert!(scope.finds_again(&[content.join("sub")]));
        assert!(scope.finds_again(&[content.join("old/gone.toml")]));
        assert!(scope.finds_again(&[content.join("old")]));
        scope.lose();
        assert!(scope.finds_again(&[content.join("a.md")]));
    }
}
