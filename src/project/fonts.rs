//! The project's font files, found and read once per run.
//!
//! Fonts live in `fonts/` and `templates/*/fonts/`, and in the folders named
//! with `--font-path` (for fonts too large to ship with a project, such as
//! CJK families). They are part of every PDF, so the build cache hashes
//! them, and the typst engine loads them: both use the bytes read here.
//! Project fonts must be confined to the root; fonts under `--font-path` are
//! folders the person named, so they are read where they are. Every file is
//! read only within the size limit. A font file that is not loaded (a link
//! out of the project, too large, not a font) gets one warning naming it,
//! and a font folder leading out of the project one warning for all its
//! files: otherwise a template naming its family fails with "unknown font"
//! and no clue.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontInfo};

use crate::diag::{Code, Diagnostic};

use super::digest;
use super::root::{PathProblem, ProjectRoot, read_limited};
use super::template;

/// One font file of the project.
#[derive(Debug, Clone)]
pub struct FontFile {
    /// Root-relative path.
    pub path: String,
    /// The file's bytes (a TTF, OTF or collection).
    pub data: Arc<[u8]>,
}

/// The project's font files, in path order, and their hash.
#[derive(Debug, Clone)]
pub struct Fonts {
    /// Every readable font file.
    pub files: Vec<FontFile>,
    /// Hash over names and bytes, for the build cache.
    pub hash: blake3::Hash,
    /// One warning per font file found but not loaded, in path order.
    pub skipped: Vec<Diagnostic>,
    /// The family names, found on first use.
    families: OnceLock<Vec<String>>,
}

impl Fonts {
    /// Finds and reads the font files of the project at `root`, then those
    /// under the `extra` folders (`--font-path`).
    pub fn read(root: &ProjectRoot, extra: &[PathBuf], max_file_size: u64) -> Self {
        let mut dirs = vec![root.dir().join("fonts")];
        if let Ok(templates) = fs::read_dir(root.dir().join("templates")) {
            dirs.extend(
                templates
                    .filter_map(Result::ok)
                    .map(|t| t.path().join("fonts")),
            );
        }
        let mut skipped = Vec::new();
        let mut files = Vec::new();
        // A folder leading out of the project is one cause: one warning for
        // it, not one per font file in it.
        dirs.retain(|dir| match root.confine(dir) {
            Err(PathProblem::SymlinkOutside(real)) => {
                let count = font_files(std::slice::from_ref(dir)).len();
                if count > 0 {
                    let shown = dir.strip_prefix(root.dir()).unwrap_or(dir);
                    skipped.push(folder_not_loaded(&shown.to_string_lossy(), &real, count));
                }
                false
            }
            _ => true,
        });
        for path in font_files(&dirs) {
            let shown = path.strip_prefix(root.dir()).map_or_else(
                |_| root.display(&path),
                |rel| rel.to_string_lossy().into_owned(),
            );
            let data = root
                .confine(&path)
                .and_then(|file| read_limited(&file, max_file_size));
            match data {
                Ok(data) => files.extend(font_file(shown, data, &mut skipped)),
                Err(problem) => skipped.push(not_loaded(&shown, &problem)),
            }
        }
        for path in font_files(extra) {
            let shown = path.display().to_string();
            let data = match fs::metadata(&path) {
                Ok(meta) if meta.len() > max_file_size => Err(PathProblem::TooLarge {
                    size: meta.len(),
                    limit: max_file_size,
                }),
                _ => fs::read(&path).map_err(PathProblem::Missing),
            };
            match data {
                Ok(data) => files.extend(font_file(shown, data, &mut skipped)),
                Err(problem) => skipped.push(not_loaded(&shown, &problem)),
            }
        }
        let hash = digest::files(files.iter().map(|f| (f.path.clone(), &*f.data)));
        Self {
            files,
            hash,
            skipped,
            families: OnceLock::new(),
        }
    }
}

/// The font file `path` holding `data`, or `None` with a warning when
/// it holds no face typst can load.
fn font_file(path: String, data: Vec<u8>, skipped: &mut Vec<Diagnostic>) -> Option<FontFile> {
    let data: Arc<[u8]> = data.into();
    if Font::iter(Bytes::new(data.clone())).next().is_none() {
        skipped.push(
            Diagnostic::warning(
                Code::InvalidValue,
                format!("`{path}` is not a TTF, OTF or TTC font; it is not loaded"),
            )
            .hint("replace it with the font file itself, or remove it"),
        );
        return None;
    }
    Some(FontFile { path, data })
}

/// The warning for the font folder `path`, which leads out of the project
/// root to `real`, holding `count` font files.
fn folder_not_loaded(path: &str, real: &std::path::Path, count: usize) -> Diagnostic {
    let (files, are) = if count == 1 {
        ("file", "is")
    } else {
        ("files", "are")
    };
    Diagnostic::warning(
        Code::PathOutsideRoot,
        format!(
            "`{path}` leads out of the project root (to `{}`): its {count} font {files} {are} not loaded",
            real.display()
        ),
    )
    .hint("copy the folder into the project, or name it with --font-path")
}

/// The warning for the font file `path` that could not be read.
fn not_loaded(path: &str, problem: &PathProblem) -> Diagnostic {
    let (code, hint) = match problem {
        PathProblem::SymlinkOutside(_) => (
            Code::PathOutsideRoot,
            "copy the font into the project, or name its folder with --font-path",
        ),
        PathProblem::TooLarge { .. } => (Code::TooLarge, "raise the limit with --max-file-size"),
        _ => (Code::Io, "check that the file is there and readable"),
    };
    Diagnostic::warning(code, format!("`{path}`: {problem}; the font is not loaded")).hint(hint)
}

impl Fonts {
    /// Every face a build loads, with where it comes from, in the order the
    /// typst engine loads them: embedded in briefpress, the built-in
    /// template's, then the project's and those under `--font-path`.
    pub fn faces(&self) -> Vec<(FontInfo, String)> {
        let mut faces: Vec<(FontInfo, String)> = typst_kit::fonts::embedded()
            .map(|(_, info)| (info, "embedded in briefpress".to_string()))
            .collect();
        for data in template::built_in_fonts() {
            faces.extend(
                infos(Bytes::new(data))
                    .map(|info| (info, format!("built-in template `{}`", template::DEFAULT))),
            );
        }
        for file in &self.files {
            let source = std::path::Path::new(&file.path)
                .parent()
                .map_or_else(|| file.path.clone(), |dir| format!("{}/", dir.display()));
            faces.extend(infos(Bytes::new(file.data.clone())).map(|info| (info, source.clone())));
        }
        faces
    }

    /// The font families a build loads, each once, sorted (read from the
    /// fonts on first use).
    pub fn families(&self) -> &[String] {
        self.families.get_or_init(|| {
            let mut families: Vec<String> = self
                .faces()
                .into_iter()
                .map(|(info, _)| info.family)
                .collect();
            families.sort();
            families.dedup();
            families
        })
    }
}

/// The faces in one font file (a collection holds several).
fn infos(data: Bytes) -> impl Iterator<Item = FontInfo> {
    Font::iter(data).map(|font| font.info().clone())
}

/// Font files (TTF, OTF, TTC, OTC) under `dirs`, in path order: regular
/// files, and links to files (not followed into folders; where a link leads
/// is checked when the file is read).
fn font_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| {
            walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(Result::ok)
        })
        .filter(|e| e.file_type().is_file() || e.file_type().is_symlink())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                matches!(
                    x.to_ascii_lowercase().as_str(),
                    "ttf" | "otf" | "ttc" | "otc"
                )
            })
        })
        .collect();
    files.sort();
    files
}
