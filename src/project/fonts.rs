//! The project's font files, found and read once per run.
//!
//! Fonts live in `fonts/` and `templates/*/fonts/`, and in the folders named
//! with `--font-path` (for fonts too large to ship with a project, such as
//! CJK families). They are part of every PDF, so the build cache hashes
//! them, and the typst engine loads them: both use the bytes read here.
//! Project fonts must be confined to the root; fonts under `--font-path` are
//! folders the person named, so they are read where they are. Every file is
//! read only within the size limit.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontInfo};

use super::digest;
use super::root::{ProjectRoot, read_limited};
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
        let project = font_files(&dirs).into_iter().filter_map(|path| {
            let file = root.confine(&path).ok()?;
            let data = read_limited(&file, max_file_size).ok()?;
            Some(FontFile {
                path: root.display(&path),
                data: data.into(),
            })
        });
        let named = font_files(extra).into_iter().filter_map(|path| {
            let size = fs::metadata(&path).ok()?.len();
            let data = (size <= max_file_size).then(|| fs::read(&path).ok())??;
            Some(FontFile {
                path: path.display().to_string(),
                data: data.into(),
            })
        });
        let files: Vec<FontFile> = project.chain(named).collect();
        let hash = digest::files(files.iter().map(|f| (f.path.clone(), &*f.data)));
        Self {
            files,
            hash,
            families: OnceLock::new(),
        }
    }
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

/// Font files (TTF, OTF, TTC, OTC) under `dirs`, regular files only (links
/// are not followed), in path order.
fn font_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| {
            walkdir::WalkDir::new(dir)
                .into_iter()
                .filter_map(Result::ok)
        })
        .filter(|e| e.file_type().is_file())
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
