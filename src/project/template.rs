//! Templates: the typst files and EPUB stylesheet that give a publication its look.
//!
//! A template is a folder `templates/<name>/` in the project holding
//! `template.typ` (the typst entry point, exporting `publication`) and
//! `epub.css`. The default `brief` template and the `report` template are
//! also compiled into the binary, so briefpress works in a project with no
//! `templates/` folder at all; a project folder of the same name always wins
//! over the built-in copy.
//!
//! [`Templates`] resolves each name once per run into a [`Template`]: where
//! it lives, its stylesheet and a hash of its files. Renderers and the batch
//! receive that value and never look on disk for a template again.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::digest;
use super::root::{PathProblem, ProjectRoot, read_limited};
use crate::diag::{Code, Diagnostic, SourceText};

/// The typst entry file every template must have.
pub const ENTRY: &str = "template.typ";
/// The EPUB stylesheet file name.
pub const STYLESHEET: &str = "epub.css";
/// The template used when a publication names none.
pub const DEFAULT: &str = "brief";
/// The long-form template: cover, contents, chapter openers, running heads.
pub const REPORT: &str = "report";
/// The templates compiled into the binary (`briefpress template export` writes them out).
pub const BUILT_IN_NAMES: &[&str] = &[DEFAULT, REPORT];

/// A template's files: name inside the template folder, bytes.
type Files = &'static [(&'static str, &'static [u8])];

/// The built-in `brief` template, file name → bytes. Its fonts (Noto, OFL)
/// back up the embedded text fonts, which cover Latin, Greek and Cyrillic:
/// Noto Naskh Arabic, Serif Hebrew and Serif Devanagari set the scripts of
/// languages briefpress ships labels for, and Noto Emoji the emoji of real
/// briefs (PDF/UA refuses characters it cannot show). CJK fonts are too
/// large to embed: `--font-path` loads them.
const BRIEF: Files = &[
    (ENTRY, include_bytes!("../../templates/brief/template.typ")),
    (STYLESHEET, include_bytes!("../../templates/brief/epub.css")),
    (
        "fonts/NotoEmoji-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoEmoji-Regular.ttf"),
    ),
    (
        "fonts/NotoNaskhArabic-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoNaskhArabic-Regular.ttf"),
    ),
    (
        "fonts/NotoNaskhArabic-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoNaskhArabic-Bold.ttf"),
    ),
    (
        "fonts/NotoSerifHebrew-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifHebrew-Regular.ttf"),
    ),
    (
        "fonts/NotoSerifHebrew-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifHebrew-Bold.ttf"),
    ),
    (
        "fonts/NotoSerifDevanagari-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifDevanagari-Regular.ttf"),
    ),
    (
        "fonts/NotoSerifDevanagari-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifDevanagari-Bold.ttf"),
    ),
    (
        "fonts/OFL.txt",
        include_bytes!("../../templates/brief/fonts/OFL.txt"),
    ),
];

/// The built-in `report` template. It imports no other file and uses the
/// fonts above (always loaded), so its exported copy builds on its own.
const REPORT_FILES: Files = &[
    (ENTRY, include_bytes!("../../templates/report/template.typ")),
    (
        STYLESHEET,
        include_bytes!("../../templates/report/epub.css"),
    ),
];

/// The files of built-in template `name`.
fn built_in_template(name: &str) -> Option<Files> {
    match name {
        DEFAULT => Some(BRIEF),
        REPORT => Some(REPORT_FILES),
        _ => None,
    }
}

/// Where a template's files come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSource {
    /// `templates/<name>/` in the project.
    Project,
    /// The copy compiled into the binary (`brief`, `report`).
    BuiltIn,
}

/// Decides where template `name` is read from, or `None` if it exists nowhere.
fn locate(root: &Path, name: &str) -> Option<TemplateSource> {
    if root.join("templates").join(name).join(ENTRY).is_file() {
        Some(TemplateSource::Project)
    } else if built_in_template(name).is_some() {
        Some(TemplateSource::BuiltIn)
    } else {
        None
    }
}

/// File `file` of built-in template `template`.
pub fn built_in(template: &str, file: &str) -> Option<&'static [u8]> {
    built_in_template(template)?
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, data)| *data)
}

/// The built-in template and file a root-relative path such as
/// `templates/report/template.typ` names, if it names one.
pub fn built_in_path(rel: &str) -> Option<(&'static str, &str)> {
    let rest = rel.strip_prefix("templates/")?;
    let (name, file) = rest.split_once('/')?;
    let name = BUILT_IN_NAMES.iter().find(|n| **n == name)?;
    Some((name, file))
}

/// The font files of the built-in templates (only `brief` ships fonts; every
/// publication can use them, whatever its template).
pub fn built_in_fonts() -> impl Iterator<Item = &'static [u8]> {
    BRIEF
        .iter()
        .filter(|(name, _)| name.starts_with("fonts/") && name.ends_with(".ttf"))
        .map(|(_, data)| *data)
}

/// Every file of built-in template `name`, for hashing and exporting.
pub fn built_in_files(name: &str) -> Option<Files> {
    built_in_template(name)
}

/// A template resolved for this run.
#[derive(Debug)]
pub struct Template {
    /// The folder name under `templates/`.
    pub name: String,
    /// Where its files come from.
    pub source: TemplateSource,
    /// The EPUB stylesheet: the template's `epub.css`, else the built-in one.
    pub stylesheet: Vec<u8>,
    /// Hash over every file of the template, for the build cache.
    pub hash: blake3::Hash,
    /// Where its entry file really is, when a symlink takes it outside the
    /// project root: then it cannot be used (see [`Template::refusal`]).
    pub outside_root: Option<PathBuf>,
}

impl Template {
    /// Why a publication cannot use this template, if it cannot: its entry
    /// file resolves outside the project root, which briefpress never reads.
    /// A run reports it once, however many publications use the template.
    pub fn refusal(&self) -> Option<Diagnostic> {
        let real = self.outside_root.as_ref()?;
        Some(
            Diagnostic::error(
                Code::PathOutsideRoot,
                format!(
                    "template `{}` links outside the project root: this file resolves to `{}`",
                    self.name,
                    real.display()
                ),
            )
            .at(
                &SourceText::unread(format!("templates/{}/{ENTRY}", self.name)),
                None,
            )
            .hint(copy_in_hint(&self.name)),
        )
    }

    /// What each publication built with template `used` is told when this
    /// template cannot be used (at `span` in `source`, its `template` key if
    /// it has one): a short pointer to the [`Template::refusal`] the run
    /// reports once. `used` is this template, or another one whose outputs
    /// read this one (every PDF imports [`DEFAULT`] to read its contract).
    pub fn refused_use(
        &self,
        used: &str,
        source: &SourceText,
        span: Option<Range<usize>>,
    ) -> Diagnostic {
        let name = &self.name;
        let what = if used == name {
            format!("template `{name}` cannot be used")
        } else {
            format!(
                "template `{used}` cannot be used while template `{name}`, which every PDF reads, links outside the project"
            )
        };
        Diagnostic::error(
            Code::PathOutsideRoot,
            format!("{what}: see the error reported for `templates/{name}/{ENTRY}`"),
        )
        .at(source, span)
    }
}

/// How to make template `name` usable when its folder links outside the project.
pub fn copy_in_hint(name: &str) -> String {
    let copy = if built_in_template(name).is_some() {
        format!(
            "remove the link and run `briefpress template export {name}` for a fresh copy of the built-in one"
        )
    } else {
        "replace the link with a copy of the folder".to_string()
    };
    format!("briefpress reads only files inside the project (the folder holding content/): {copy}")
}

/// Where `templates/<name>/template.typ` really is, when a symlink takes it
/// outside the project root.
pub fn entry_outside_root(root: &ProjectRoot, name: &str) -> Option<PathBuf> {
    let entry = root.dir().join("templates").join(name).join(ENTRY);
    match root.confine(&entry) {
        Err(PathProblem::SymlinkOutside(real)) => Some(real),
        _ => None,
    }
}

/// Every template a run uses, each resolved on first use and then shared.
#[derive(Debug)]
pub struct Templates {
    root: ProjectRoot,
    max_file_size: u64,
    resolved: Mutex<HashMap<String, Option<Arc<Template>>>>,
}

impl Templates {
    /// Templates of the project at `root`; files over `max_file_size` bytes are never read.
    pub fn new(root: ProjectRoot, max_file_size: u64) -> Self {
        Self {
            root,
            max_file_size,
            resolved: Mutex::new(HashMap::new()),
        }
    }

    /// Template `name`, or `None` if neither the project nor the binary has it.
    pub fn get(&self, name: &str) -> Option<Arc<Template>> {
        let resolve = || resolve(&self.root, name, self.max_file_size).map(Arc::new);
        match self.resolved.lock() {
            Ok(mut resolved) => resolved
                .entry(name.to_string())
                .or_insert_with(resolve)
                .clone(),
            Err(_) => resolve(),
        }
    }

    /// Whether template `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The built-in templates served from the binary (the project has no
    /// folder of the same name).
    pub fn served_built_in(&self) -> Vec<&'static str> {
        BUILT_IN_NAMES
            .iter()
            .copied()
            .filter(|name| {
                self.get(name)
                    .is_some_and(|t| t.source == TemplateSource::BuiltIn)
            })
            .collect()
    }
}

/// Reads what the run needs to know about template `name`, once.
fn resolve(root: &ProjectRoot, name: &str, max_file_size: u64) -> Option<Template> {
    let built_in_stylesheet = || built_in(DEFAULT, STYLESHEET).unwrap_or_default().to_vec();
    let source = locate(root.dir(), name)?;
    let outside_root = match source {
        TemplateSource::Project => entry_outside_root(root, name),
        TemplateSource::BuiltIn => None,
    };
    let (stylesheet, hash) = match source {
        TemplateSource::BuiltIn => {
            let files = built_in_template(name).unwrap_or_default();
            (
                built_in(name, STYLESHEET).map_or_else(built_in_stylesheet, <[u8]>::to_vec),
                digest::files(files.iter().map(|(n, d)| (n.to_string(), *d))),
            )
        }
        TemplateSource::Project => {
            let dir = root.dir().join("templates").join(name);
            let files = project_files(root, &dir, max_file_size);
            let stylesheet = files
                .iter()
                .find(|(path, _)| Path::new(path) == dir.join(STYLESHEET))
                .and_then(|(_, data)| data.clone())
                .unwrap_or_else(built_in_stylesheet);
            let hash = digest::files(files.iter().map(|(path, data)| {
                let shown = root.display(Path::new(path));
                (shown, data.as_deref().unwrap_or_default())
            }));
            (stylesheet, hash)
        }
    };
    Some(Template {
        name: name.to_string(),
        source,
        stylesheet,
        hash,
        outside_root,
    })
}

/// The regular files of a template folder (symlinks are not followed), each
/// with its bytes when it is confined to the root and within the size limit.
fn project_files(root: &ProjectRoot, dir: &Path, limit: u64) -> Vec<(String, Option<Vec<u8>>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let data = root
                .confine(e.path())
                .ok()
                .and_then(|file| read_limited(&file, limit).ok());
            (e.path().to_string_lossy().into_owned(), data)
        })
        .collect()
}
