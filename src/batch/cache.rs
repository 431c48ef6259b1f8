//! Incremental builds: what each output was built from, kept in the output folder.
//!
//! `<out>/.briefpress-cache.json` records, per output stem, the publication
//! file, every file it read (Markdown, images, attachments, template files), a
//! BLAKE3 fingerprint of their contents together with the template files, the
//! tool version and the options, the size, modification time and BLAKE3
//! hash of every output written, and how many warnings the build reported. A publication whose recorded inputs still hash
//! to the same fingerprint, and whose outputs are still the files recorded, is
//! "fresh" and skipped without even being parsed: if none of the files it read
//! changed, neither did what it would read.
//!
//! The cache is untrusted input: it may come from a restored CI cache or a hand
//! edit. It is read only as a regular file under a size limit, and validated
//! whole before any of it is used (every path relative, without `..`, outputs
//! named after their publication); one bad entry discards the whole file.
//! Cached input paths are read only through the project root's confinement,
//! like a normal load.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::discover::stem_of;
use super::untrusted;
use super::write::{Written, write_atomic};
use crate::model::Edition;
use crate::project::root::ProjectRoot;
use crate::render;

/// File name of the cache inside the output folder.
pub const CACHE_FILE: &str = ".briefpress-cache.json";
/// Bumped whenever the format changes; another version is discarded whole.
const CACHE_VERSION: u32 = 3;
/// Largest cache file read: far more than 50,000 publications need.
const CACHE_LIMIT: u64 = 64 * 1024 * 1024;
/// Longest path accepted in a cache entry, in bytes (Linux's `PATH_MAX`).
const PATH_LIMIT: usize = 4096;

/// The whole cache of one output folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    version: u32,
    /// Output stem → what it was built from.
    pub entries: BTreeMap<String, Entry>,
}

/// What one publication's outputs were built from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The publication file, relative to the project root.
    pub source: String,
    /// The template it used.
    pub template: String,
    /// Every input file, relative to the project root (the publication first).
    pub inputs: Vec<String>,
    /// The files written.
    pub outputs: Vec<Output>,
    /// Fingerprint of inputs + template + options + tool version.
    pub fingerprint: String,
    /// How many warnings its build reported (`--deny-warnings` rebuilds it to report them again).
    pub warnings: usize,
}

/// One output file as it was written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Relative to the output folder: the stem and a format's extension.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    pub mtime: (i64, u32),
    /// BLAKE3 hash of the bytes, lowercase hex.
    pub blake3: String,
}

impl Output {
    /// The record of `bytes` written as `path`.
    pub fn new(path: String, bytes: &[u8], written: Written) -> Self {
        Self {
            path,
            size: written.size,
            mtime: written.mtime,
            blake3: blake3::hash(bytes).to_hex().to_string(),
        }
    }
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            version: CACHE_VERSION,
            entries: BTreeMap::new(),
        }
    }
}

impl Cache {
    /// Loads and validates the cache of `out`: `Ok(None)` if there is none;
    /// anything that is not a valid cache is `Err(why)`, to be discarded whole.
    pub fn load(out: &Path) -> Result<Option<Self>, String> {
        let bytes = match untrusted::read_regular(&out.join(CACHE_FILE), CACHE_LIMIT) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("cannot read it: {err}")),
        };
        Self::parse(&bytes).map(Some)
    }

    /// Parses and validates cache JSON.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        // The version alone first, so another format gets a clear reason.
        #[derive(Deserialize)]
        struct Versioned {
            version: Option<serde_json::Value>,
        }
        let versioned: Versioned =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON: {e}"))?;
        match versioned.version {
            Some(v) if v == CACHE_VERSION => {}
            Some(v) => {
                return Err(format!(
                    "it has format version {v}; this briefpress writes version {CACHE_VERSION}"
                ));
            }
            None => return Err("it has no format version".into()),
        }
        let cache: Cache =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not a build cache: {e}"))?;
        for (stem, entry) in &cache.entries {
            entry
                .validate(stem)
                .map_err(|why| format!("its entry {stem:?} {why}"))?;
        }
        Ok(cache)
    }

    /// Writes the cache atomically.
    pub fn save(&self, out: &Path) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        write_atomic(&out.join(CACHE_FILE), &json).map(|_| ())
    }
}

impl Entry {
    /// Checks everything a later run will trust: paths, names, hashes.
    fn validate(&self, stem: &str) -> Result<(), String> {
        relative_path(&self.source).map_err(|why| format!("has a source that {why}"))?;
        if stem_of(&self.source).as_deref() != Some(stem) {
            return Err(format!(
                "does not belong to its source {:?}, whose outputs are named differently",
                self.source
            ));
        }
        let template_name = !self.template.is_empty()
            && self.template.len() <= 255
            && self
                .template
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !template_name {
            return Err(format!("names no template: {:?}", self.template));
        }
        for input in &self.inputs {
            relative_path(input).map_err(|why| format!("has an input that {why}"))?;
        }
        if !is_hash(&self.fingerprint) {
            return Err("has a malformed fingerprint".into());
        }
        let allowed: BTreeSet<String> = render::EXTENSIONS
            .iter()
            .flat_map(|ext| Edition::ALL.map(|e| render::output_name(stem, e, ext)))
            .collect();
        let mut seen = BTreeSet::new();
        for output in &self.outputs {
            if !allowed.contains(&output.path) || !seen.insert(&output.path) {
                return Err(format!(
                    "lists an output briefpress does not write for it: {:?}",
                    output.path
                ));
            }
            if !is_hash(&output.blake3) || output.mtime.1 >= 1_000_000_000 {
                return Err(format!("has a malformed record of {:?}", output.path));
            }
        }
        Ok(())
    }
}

/// Accepts a `/`-separated path that stays where it is joined: not empty, not
/// absolute, no `.`/`..`/empty component, no NUL, at most [`PATH_LIMIT`] bytes.
fn relative_path(path: &str) -> Result<(), String> {
    let clean = !path.is_empty()
        && path.len() <= PATH_LIMIT
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if clean {
        Ok(())
    } else {
        Err(format!(
            "is not a relative path inside the project: {path:?}"
        ))
    }
}

fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Computes fingerprints: tool version + options + template + input contents.
pub struct Fingerprinter {
    root: ProjectRoot,
    /// Largest input file read (`--max-file-size`).
    limit: u64,
    /// Hash of tool version and options, shared by every publication of the run.
    base: blake3::Hash,
}

impl Fingerprinter {
    /// A fingerprinter for a run with the given option summary.
    pub fn new(root: ProjectRoot, options: &str, limit: u64) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(b"\0");
        hasher.update(options.as_bytes());
        Self {
            root,
            limit,
            base: hasher.finalize(),
        }
    }

    /// The fingerprint of `inputs` (root-relative) built with a template whose
    /// files hash to `template`; `None` if an input can no longer be read, or
    /// is not a regular file inside the project within the size limit.
    pub fn fingerprint(&self, inputs: &[String], template: &blake3::Hash) -> Option<String> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.base.as_bytes());
        hasher.update(template.as_bytes());
        for input in inputs {
            // The loader's confinement: relative, inside the root after
            // symlinks, a regular file; then a read that cannot block.
            let file = self.root.resolve(self.root.dir(), input).ok()?;
            hasher.update(input.as_bytes());
            hasher.update(b"\0");
            untrusted::hash_regular(&file.abs, self.limit, &mut hasher).ok()?;
        }
        Some(hasher.finalize().to_hex().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, ProjectRoot) {
        let dir = tempfile::tempdir().unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    #[test]
    fn fingerprint_changes_with_any_input_byte() {
        let (dir, root) = project();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        std::fs::write(dir.path().join("b.md"), "y").unwrap();
        let fp = Fingerprinter::new(root, "pdf", 1 << 20);
        let template = crate::project::digest::files(std::iter::empty());
        let inputs = vec!["a.toml".to_string(), "b.md".to_string()];
        let first = fp.fingerprint(&inputs, &template).unwrap();
        assert_eq!(Some(first.clone()), fp.fingerprint(&inputs, &template));
        std::fs::write(dir.path().join("b.md"), "z").unwrap();
        assert_ne!(Some(first), fp.fingerprint(&inputs, &template));
        std::fs::remove_file(dir.path().join("b.md")).unwrap();
        assert_eq!(fp.fingerprint(&inputs, &template), None);
    }

    #[test]
    fn fingerprint_never_reads_outside_the_root_or_past_the_limit() {
        let (dir, root) = project();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out-link")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        std::fs::write(dir.path().join("big"), [0u8; 100]).unwrap();
        let fp = Fingerprinter::new(root, "", 99);
        let template = crate::project::digest::files(std::iter::empty());
        for input in ["/etc/passwd", "../x", "out-link", "zero", "big"] {
            assert_eq!(
                fp.fingerprint(&[input.to_string()], &template),
                None,
                "{input}"
            );
        }
    }

    fn valid_json() -> serde_json::Value {
        serde_json::json!({
            "version": CACHE_VERSION,
            "entries": {
                "2021/gta": {
                    "source": "content/2021/gta.toml",
                    "template": "brief",
                    "inputs": ["content/2021/gta.toml", "content/2021/body.md"],
                    "outputs": [{
                        "path": "2021/gta.pdf", "size": 3, "mtime": [1, 2],
                        "blake3": blake3::hash(b"pdf").to_hex().to_string(),
                    }],
                    "fingerprint": blake3::hash(b"").to_hex().to_string(),
                    "warnings": 1,
                }
            }
        })
    }

    fn parse(value: &serde_json::Value) -> Result<Cache, String> {
        Cache::parse(&serde_json::to_vec(value).unwrap())
    }

    #[test]
    fn a_valid_cache_round_trips() {
        let cache = parse(&valid_json()).unwrap();
        assert_eq!(cache.entries.len(), 1);
        let again = serde_json::to_value(&cache).unwrap();
        assert_eq!(again, valid_json());
    }

    #[test]
    fn any_hostile_field_discards_the_whole_cache() {
        let entry = "/entries/2021~1gta";
        let cases: &[(&str, serde_json::Value)] = &[
            ("/version", 1.into()),
            (&format!("{entry}/source"), "/etc/passwd".into()),
            (&format!("{entry}/source"), "content/../../x.toml".into()),
            (&format!("{entry}/source"), "content/other.toml".into()),
            (&format!("{entry}/template"), "../../etc".into()),
            (&format!("{entry}/inputs/1"), "/etc/passwd".into()),
            (
                &format!("{entry}/inputs/1"),
                "content/../../../etc/passwd".into(),
            ),
            (&format!("{entry}/inputs/1"), "content/a\0b".into()),
            (&format!("{entry}/inputs/1"), "".into()),
            (
                &format!("{entry}/outputs/0/path"),
                "../content/2021/gta.toml".into(),
            ),
            (
                &format!("{entry}/outputs/0/path"),
                "/tmp/2021/gta.pdf".into(),
            ),
            (&format!("{entry}/outputs/0/path"), "2021/other.pdf".into()),
            (&format!("{entry}/outputs/0/blake3"), "xyz".into()),
            (
                &format!("{entry}/outputs/0/mtime"),
                serde_json::json!([0, 2_000_000_000u32]),
            ),
            (&format!("{entry}/fingerprint"), "".into()),
            (&format!("{entry}/extra"), true.into()),
        ];
        for (pointer, value) in cases {
            let mut json = valid_json();
            match json.pointer_mut(pointer) {
                Some(slot) => *slot = value.clone(),
                None => {
                    json.pointer_mut(entry).unwrap()["extra"] = value.clone();
                }
            }
            assert!(parse(&json).is_err(), "{pointer} = {value} was accepted");
        }
        let mut doubled = valid_json();
        let outputs = doubled.pointer_mut(&format!("{entry}/outputs")).unwrap();
        let first = outputs[0].clone();
        outputs.as_array_mut().unwrap().push(first);
        assert!(parse(&doubled).is_err(), "a repeated output was accepted");
        let mut renamed = valid_json();
        let value = renamed["entries"]["2021/gta"].take();
        renamed["entries"] = serde_json::json!({ "../gta": value });
        assert!(parse(&renamed).is_err(), "a stem with .. was accepted");
        for junk in [&b""[..], b"[]", b"{", b"null", b"{\"version\":\"2\"}"] {
            assert!(Cache::parse(junk).is_err(), "{junk:?}");
        }
    }
}
