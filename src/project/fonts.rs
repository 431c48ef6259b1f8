//! The project's font files, found and read once per run.
//!
//! Fonts live in `fonts/` and `templates/*/fonts/`. They are part of every
//! PDF, so the build cache hashes them, and the typst engine loads them: both
//! use the bytes read here, from files confined to the root and within the
//! size limit.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::digest;
use super::root::{ProjectRoot, read_limited};

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
}

impl Fonts {
    /// Finds and reads the font files of the project at `root`.
    pub fn read(root: &ProjectRoot, max_file_size: u64) -> Self {
        let files: Vec<FontFile> = font_paths(root.dir())
            .iter()
            .filter_map(|path| {
                let file = root.confine(path).ok()?;
                let data = read_limited(&file, max_file_size).ok()?;
                Some(FontFile {
                    path: root.display(path),
                    data: data.into(),
                })
            })
            .collect();
        let hash = digest::files(files.iter().map(|f| (f.path.clone(), &*f.data)));
        Self { files, hash }
    }
}

/// Font files (TTF, OTF, TTC, OTC) under `fonts/` and `templates/*/fonts/`, in path order.
fn font_paths(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("fonts")];
    if let Ok(templates) = fs::read_dir(root.join("templates")) {
        dirs.extend(
            templates
                .filter_map(Result::ok)
                .map(|t| t.path().join("fonts")),
        );
    }
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
