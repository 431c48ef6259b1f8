//! Which file-system events matter to `watch`, and how far they reach.
//!
//! Only writes count (creating, changing, renaming, removing a file): a build
//! opens and reads files too, and those events must not start another
//! rebuild. Nothing under the output folder counts either, so the files a
//! rebuild writes (outputs, cache, lock) never trigger the next one; nor do
//! hidden files and folders (`.git`, editor swap files), editor backups
//! (`name~`), or the files briefpress's own stdout and stderr are redirected
//! to (`briefpress watch 2> watch.log` in the project would otherwise
//! rebuild forever: each pass writes the log). Which publications a change reaches is not decided here (see
//! `scope`), nor which of those are fresh (the build cache's fingerprints
//! decide, as in `build`). What is decided here is
//! whether the project itself (templates, fonts, the project file) must be
//! resolved again first.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use notify_debouncer_full::notify::EventKind;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};

/// The project file at the root; a change resolves the project again.
const PROJECT_FILE: &str = "briefpress.toml";
/// Folders of the root whose files the project resolves once per run.
const PROJECT_FOLDERS: &[&str] = &["templates", "fonts"];

/// What a batch of events asks of the next rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing briefpress reads changed: no rebuild.
    Nothing,
    /// Files changed (the paths written, each once): rebuild what they affect.
    Files(Vec<PathBuf>),
    /// Templates, fonts or the project file changed too: resolve the project again, then rebuild.
    Project(Vec<PathBuf>),
}

/// Tells events that matter from those that do not.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The canonical project root.
    root: PathBuf,
    /// The canonical output folder, if there is one.
    out: Option<PathBuf>,
    /// Canonical folders (and files) whose change resolves the project again.
    project: Vec<PathBuf>,
    /// The files this process's own output streams write to.
    own: Vec<PathBuf>,
}

impl Filter {
    /// A filter for the project at `root` (canonical) writing to `out`
    /// (canonical) with extra fonts from `font_paths` (canonical).
    pub fn new(root: &Path, out: Option<PathBuf>, font_paths: &[PathBuf]) -> Self {
        let mut project: Vec<PathBuf> = PROJECT_FOLDERS.iter().map(|f| root.join(f)).collect();
        project.push(root.join(PROJECT_FILE));
        project.extend(font_paths.iter().cloned());
        Self {
            root: root.to_path_buf(),
            out,
            project,
            own: Vec::new(),
        }
    }

    /// This filter, also ignoring `files` (canonical): those the process's
    /// own output goes to (see [`own_streams`]).
    pub fn ignoring(self, files: Vec<PathBuf>) -> Self {
        Self { own: files, ..self }
    }

    /// Whether an event of `kind` writes: creates, changes, renames or removes.
    pub fn writes(kind: &EventKind) -> bool {
        match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
            EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Any
            | EventKind::Other => true,
        }
    }

    /// Whether a write to `path` may change what a build reads.
    pub fn matters(&self, path: &Path) -> bool {
        if self.out.as_ref().is_some_and(|out| path.starts_with(out))
            || self.own.iter().any(|f| f == path)
        {
            return false;
        }
        let Some(name) = path.file_name() else {
            return false;
        };
        if name.to_string_lossy().ends_with('~') {
            return false;
        }
        let inside = path.strip_prefix(&self.root).unwrap_or(path);
        !inside
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    }

    /// What the written `paths` ask for (those that do not matter are dropped);
    /// `rescan`: events were lost, so anything may have changed.
    pub fn classify(&self, paths: &[PathBuf], rescan: bool) -> Change {
        let mut project = rescan;
        let mut seen = HashSet::new();
        let mut written = Vec::new();
        for path in paths.iter().filter(|p| self.matters(p)) {
            project |= self.project.iter().any(|p| path.starts_with(p));
            if seen.insert(path) {
                written.push(path.clone());
            }
        }
        match (project, written.is_empty()) {
            (true, _) => Change::Project(written),
            (false, true) => Change::Nothing,
            (false, false) => Change::Files(written),
        }
    }

    /// How messages name `path`: root-relative where inside the root.
    pub fn shown(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => path.display().to_string(),
        }
    }
}

/// The regular files this process's stdout and stderr are redirected to
/// (read from `/proc/self/fd`; none where there is no such folder).
pub fn own_streams() -> Vec<PathBuf> {
    ["/proc/self/fd/1", "/proc/self/fd/2"]
        .into_iter()
        .filter_map(|fd| std::fs::canonicalize(fd).ok())
        .filter(|path| path.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{CreateKind, DataChange, RemoveKind};

    fn filter() -> Filter {
        Filter::new(
            Path::new("/p"),
            Some(PathBuf::from("/p/output")),
            &[PathBuf::from("/usr/share/fonts/noto")],
        )
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn messages_name_files_inside_the_root_relative_to_it() {
        let filter = filter();
        assert_eq!(filter.shown(Path::new("/p/content/a.md")), "content/a.md");
        assert_eq!(
            filter.shown(Path::new("/usr/share/fonts/noto/b.ttf")),
            "/usr/share/fonts/noto/b.ttf"
        );
    }

    #[test]
    fn the_files_our_own_output_goes_to_never_trigger_a_rebuild() {
        let filter = filter().ignoring(vec![PathBuf::from("/p/watch.log")]);
        assert!(!filter.matters(Path::new("/p/watch.log")));
        assert!(filter.matters(Path::new("/p/content/watch.log")));
        assert_eq!(
            filter.classify(&paths(&["/p/watch.log"]), false),
            Change::Nothing
        );
    }

    #[test]
    fn reads_are_not_changes_and_writes_are() {
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Read),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
        ] {
            assert!(!Filter::writes(&kind), "{kind:?}");
        }
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Remove(RemoveKind::File),
        ] {
            assert!(Filter::writes(&kind), "{kind:?}");
        }
    }

    #[test]
    fn outputs_hidden_files_and_backups_never_trigger_a_rebuild() {
        let filter = filter();
        let ignored = paths(&[
            "/p/output/a.pdf",
            "/p/output/.briefpress-cache",
            "/p/output/2021/.briefpress-x.tmp",
            "/p/.git/index",
            "/p/content/.intro.md.swp",
            "/p/content/intro.md~",
        ]);
        assert_eq!(filter.classify(&ignored, false), Change::Nothing);
    }

    #[test]
    fn content_changes_rebuild_and_templates_fonts_and_the_project_file_reopen() {
        let filter = filter();
        assert_eq!(
            filter.classify(
                &paths(&["/p/content/a.toml", "/p/output/a.pdf", "/p/content/a.toml"]),
                false
            ),
            Change::Files(paths(&["/p/content/a.toml"]))
        );
        assert_eq!(
            filter.classify(&paths(&["/p/outputs.md"]), false),
            Change::Files(paths(&["/p/outputs.md"])),
            "a sibling named like the output folder is not inside it"
        );
        for project in [
            "/p/templates/brief/template.typ",
            "/p/fonts/a.otf",
            "/p/briefpress.toml",
            "/usr/share/fonts/noto/b.ttf",
        ] {
            assert!(
                matches!(
                    filter.classify(&paths(&["/p/content/a.md", project]), false),
                    Change::Project(_)
                ),
                "{project}"
            );
        }
        assert_eq!(filter.classify(&[], true), Change::Project(Vec::new()));
    }
}
