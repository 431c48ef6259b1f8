//! Incremental builds: what each output was built from, kept in the output folder.
//!
//! `<out>/.briefpress-cache.json` records, per output stem, the publication
//! file, every file it read (Markdown, images, attachments) and a BLAKE3
//! fingerprint of their contents together with the template files, the tool
//! version and the options. A publication whose recorded inputs still hash to
//! the same fingerprint (and whose outputs exist) is "fresh" and skipped
//! without even being parsed: if none of the files it read changed, neither
//! did what it would read.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write::write_atomic;

/// File name of the cache inside the output folder.
pub const CACHE_FILE: &str = ".briefpress-cache.json";
const CACHE_VERSION: u32 = 1;

/// The whole cache of one output folder.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    version: u32,
    /// Output stem → what it was built from.
    pub entries: BTreeMap<String, Entry>,
}

/// What one publication's outputs were built from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// The publication file, relative to the project root.
    pub source: String,
    /// The template it used.
    pub template: String,
    /// Every input file, relative to the project root (the publication first).
    pub inputs: Vec<String>,
    /// Output files, relative to the output folder.
    pub outputs: Vec<String>,
    /// Fingerprint of inputs + template + options + tool version.
    pub fingerprint: String,
}

impl Cache {
    /// Loads the cache of `out`; a missing or unreadable cache is an empty one.
    pub fn load(out: &Path) -> Self {
        std::fs::read(out.join(CACHE_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cache>(&bytes).ok())
            .filter(|cache| cache.version == CACHE_VERSION)
            .unwrap_or_default()
    }

    /// Writes the cache atomically.
    pub fn save(&self, out: &Path) -> io::Result<()> {
        let cache = Cache {
            version: CACHE_VERSION,
            entries: self.entries.clone(),
        };
        let json = serde_json::to_vec_pretty(&cache).map_err(io::Error::other)?;
        write_atomic(&out.join(CACHE_FILE), &json)
    }
}

/// Computes fingerprints: tool version + options + template + input contents.
pub struct Fingerprinter {
    root: PathBuf,
    /// Hash of tool version and options, shared by every publication of the run.
    base: blake3::Hash,
}

impl Fingerprinter {
    /// A fingerprinter for a run with the given option summary.
    pub fn new(root: &Path, options: &str) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(b"\0");
        hasher.update(options.as_bytes());
        Self {
            root: root.to_path_buf(),
            base: hasher.finalize(),
        }
    }

    /// The fingerprint of `inputs` (root-relative) built with a template whose
    /// files hash to `template`; `None` if an input can no longer be read.
    pub fn fingerprint(&self, inputs: &[String], template: &blake3::Hash) -> Option<String> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.base.as_bytes());
        hasher.update(template.as_bytes());
        for input in inputs {
            let data = std::fs::read(self.root.join(input)).ok()?;
            hasher.update(input.as_bytes());
            hasher.update(&(data.len() as u64).to_le_bytes());
            hasher.update(&data);
        }
        Some(hasher.finalize().to_hex().to_string())
    }
}

/// Hashes every file of a template folder (sorted by path), or built-in bytes.
pub fn hash_files<'a>(files: impl Iterator<Item = (String, &'a [u8])>) -> blake3::Hash {
    let mut files: Vec<(String, &[u8])> = files.collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = blake3::Hasher::new();
    for (name, data) in files {
        hasher.update(name.as_bytes());
        hasher.update(&(data.len() as u64).to_le_bytes());
        hasher.update(data);
    }
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_with_any_input_byte() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        std::fs::write(dir.path().join("b.md"), "y").unwrap();
        let fp = Fingerprinter::new(dir.path(), "pdf");
        let template = hash_files(std::iter::empty());
        let inputs = vec!["a.toml".to_string(), "b.md".to_string()];
        let first = fp.fingerprint(&inputs, &template).unwrap();
        assert_eq!(Some(first.clone()), fp.fingerprint(&inputs, &template));
        std::fs::write(dir.path().join("b.md"), "z").unwrap();
        assert_ne!(Some(first), fp.fingerprint(&inputs, &template));
        std::fs::remove_file(dir.path().join("b.md")).unwrap();
        assert_eq!(fp.fingerprint(&inputs, &template), None);
    }
}
