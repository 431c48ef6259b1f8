//! Incremental builds: what each output was built from, kept in the output folder.
//!
//! `<out>/.briefpress-cache` records, per output stem, the publication
//! file, every file it read (Markdown, images, attachments, template files)
//! with the file's stat key (size, modification and change times, inode and
//! device), a hash of the tool version, options and template files (the
//! *setup*), a BLAKE3 fingerprint of the setup and of the inputs' contents,
//! the size, modification time and BLAKE3 hash of every output written, and
//! how many warnings the build reported. It also remembers the outputs that
//! earlier builds of the publication wrote and its last build did not (a
//! format not selected then, an edition it no longer builds), while they are
//! on disk: they stay briefpress's own, to be replaced, reported as stale or
//! pruned ([`super::stale`]). A publication whose recorded inputs are unchanged, and whose outputs are
//! still the files recorded, is "fresh" and skipped without even being parsed:
//! if none of the files it read changed, neither did what it would read.
//!
//! An input is unchanged when its stat key is the one recorded; only when it
//! differs (a checkout, a touch, a copy) is the content hashed, and the
//! fingerprint decides. Then the new keys are recorded, so the next run is
//! cheap again. Like git's index, a stat key says nothing about a change made
//! within the same timestamp tick as the moment the key was taken (the "racy
//! git" problem): a key is recorded only for a file whose times lie clearly
//! before the run started ([`Stamp`], with a margin for the file system's
//! timestamp granularity); a file changed later than that is recorded without
//! a key and hashed on every run until it has settled. A publication whose
//! input changed after the run started (its change time says so) may have
//! been built from the old contents: it gets a fingerprint that matches
//! nothing, so the next run builds it again.
//!
//! The file is a one-line header naming it and its format version, then the
//! entries in `postcard`'s compact binary encoding: a rebuild of a large
//! project reads and rewrites the whole cache, and a text format cost several
//! times more to parse than the freshness checks themselves. A cache of the
//! previous format (5, which did not remember earlier outputs) is read into
//! this one ([`format5`]); any other version is discarded whole.
//!
//! The cache is untrusted input: it may come from a restored CI cache or a hand
//! edit. It is read only as a regular file under a size limit, and validated
//! whole before any of it is used (every path relative, without `..`, outputs
//! named after their publication, each output path recorded once, so at most
//! [`RECORDS_PER_ENTRY`] per publication and [`RECORD_LIMIT`] in all); one
//! bad entry discards the whole file. Input records are limited as they are
//! decoded ([`inputs`]), so a hostile file cannot take much memory first.
//! Cached input paths are looked at only through the project root's
//! confinement, like a normal load; a key that does not match what is on disk
//! (or a key that could not have been recorded, being newer than the run)
//! only ever leads to hashing, never to trusting the cache more.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

mod format5;
mod inputs;

use super::discover::stem_of;
use super::untrusted;
use super::write::{Written, write_atomic};
use crate::model::Edition;
use crate::project::root::{Folders, ProjectRoot};
use crate::render;

/// File name of the cache inside the output folder.
pub const CACHE_FILE: &str = ".briefpress-cache";
/// Where briefpress before cache format 5 kept its cache (JSON): read only
/// for which outputs it wrote ([`super::legacy`]).
pub const OLD_CACHE_FILE: &str = ".briefpress-cache.json";
/// Bumped whenever the format changes; a version other than this one and
/// [`format5`]'s is discarded whole.
pub const CACHE_VERSION: u32 = 6;
/// The first bytes of every cache file: what it is, for a person who opens it.
const MAGIC: &[u8] = b"briefpress build cache\n";
/// Largest cache file read: far more than 50,000 publications need.
pub(super) const CACHE_LIMIT: u64 = 64 * 1024 * 1024;
/// Most output records one entry can hold: one per edition and output
/// extension (each path is recorded once, named after its publication).
pub const RECORDS_PER_ENTRY: usize = Edition::ALL.len() * render::EXTENSIONS.len();
/// Most output records a whole cache may hold: every edition, format and
/// side file of 100,000 publications (a cache of 64 MiB holds fewer anyway).
pub const RECORD_LIMIT: usize = 100_000 * RECORDS_PER_ENTRY;
/// Longest path accepted in a cache entry, in bytes (Linux's `PATH_MAX`).
const PATH_LIMIT: usize = 4096;
/// How far before the run's start a file's times must lie for its stat key to
/// be trusted, on a file system with sub-second timestamps: two ticks of the
/// kernel's coarse clock at 100 Hz, which file times are taken from.
const SETTLED_FINE_NS: i128 = 20_000_000;
/// The same on a file system whose times are whole seconds (both nanosecond
/// fields zero): FAT's 2-second granularity and the coarse clock's tick.
const SETTLED_COARSE_NS: i128 = 3_000_000_000;

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
    /// Every input file (the publication first) and its stat key.
    #[serde(deserialize_with = "inputs::deserialize")]
    pub inputs: Vec<Input>,
    /// The files its last build wrote.
    pub outputs: Vec<Output>,
    /// Files earlier builds wrote that its last build did not, of formats
    /// and editions it still builds (`x.pdf` after `build -f epub`): still
    /// briefpress's own, to be replaced by a later build.
    pub earlier: Vec<Output>,
    /// Files earlier builds wrote of editions it no longer builds
    /// (`x.large-print.pdf` after it dropped that edition): reported as stale
    /// until `--prune` removes them.
    pub stale: Vec<Output>,
    /// Hash of tool version + options + template files.
    pub setup: String,
    /// Fingerprint of the setup and the inputs' contents.
    pub fingerprint: String,
    /// How many warnings its build reported (`--deny-warnings` rebuilds it to report them again).
    pub warnings: usize,
}

/// One input file of a publication.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    /// Its stat key when its contents were hashed; `None` when that key
    /// cannot be trusted (the file changed too close to the run), so the
    /// contents are hashed next time.
    pub stat: Option<Stat>,
}

/// What `stat` says of a file: equal keys mean the same contents, unless the
/// file was changed within the same timestamp tick (see [`Stamp`]).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Stat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds and nanoseconds since the Unix epoch.
    pub mtime: (i64, u32),
    /// Status change time (set by the kernel on every write, rename or
    /// `touch`, and never settable): seconds and nanoseconds.
    pub ctime: (i64, u32),
    /// Inode number.
    pub ino: u64,
    /// Device number.
    pub dev: u64,
}

impl Stat {
    /// The key of a file's metadata.
    fn of(meta: &std::fs::Metadata) -> Self {
        let nanos = |n: i64| u32::try_from(n).unwrap_or(0);
        Self {
            size: meta.len(),
            mtime: (meta.mtime(), nanos(meta.mtime_nsec())),
            ctime: (meta.ctime(), nanos(meta.ctime_nsec())),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }

    /// Whether the file changed after `since`, by its change time (which,
    /// unlike the modification time, cannot be set back): a file changed
    /// before never has a change time at or after `since`.
    fn changed_after(&self, since: Stamp) -> bool {
        Stamp::of(self.ctime).0 >= since.0
    }

    /// Whether a change made after `since` could leave this key as it is:
    /// the file's times are not clearly (by more than the file system's
    /// timestamp granularity) before `since`.
    fn racy(&self, since: Stamp) -> bool {
        let margin = if self.mtime.1 == 0 && self.ctime.1 == 0 {
            SETTLED_COARSE_NS
        } else {
            SETTLED_FINE_NS
        };
        let latest = Stamp::of(self.mtime).0.max(Stamp::of(self.ctime).0);
        latest >= since.0 - margin
    }
}

/// A moment, in nanoseconds since the Unix epoch: the start of a run, which
/// stat keys are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(i128);

impl Stamp {
    /// Now, by the system clock.
    pub fn now() -> Self {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => Self(after.as_nanos() as i128),
            Err(before) => Self(-(before.duration().as_nanos() as i128)),
        }
    }

    fn of((secs, nanos): (i64, u32)) -> Self {
        Self(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
    }
}

/// A cache read before the output folder's lock was taken ([`Cache::preload`]).
pub struct Preloaded {
    seen: Found,
    loaded: Result<Option<Cache>, String>,
}

impl Preloaded {
    /// `cache`, just saved to `out` by this process with the folder's lock
    /// still held: kept in memory for the process's next run (a pass of
    /// `watch`), which takes it if no other build replaced the file since.
    pub fn kept(out: &Path, cache: Cache) -> Self {
        Self {
            seen: Found::at(out),
            loaded: Ok(Some(cache)),
        }
    }

    /// Whether the cache file of `out` is still the one this was read from
    /// (or saved as).
    pub fn is_current(&self, out: &Path) -> bool {
        self.seen != Found::Unknown && Found::at(out) == self.seen
    }

    /// The cache this holds, if it read (or kept) a valid one.
    pub fn cache(&self) -> Option<&Cache> {
        self.loaded.as_ref().ok().and_then(Option::as_ref)
    }
}

/// What was where the cache goes when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No file.
    Nothing,
    /// A regular file with this key (a replaced file has another inode).
    File(Stat),
    /// Something unreadable: never taken as unchanged.
    Unknown,
}

impl Found {
    /// What is where the cache of `out` goes, now.
    fn at(out: &Path) -> Self {
        match std::fs::symlink_metadata(out.join(CACHE_FILE)) {
            Ok(meta) if meta.is_file() => Self::File(Stat::of(&meta)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Self::Nothing,
            _ => Self::Unknown,
        }
    }
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
    /// A cache of the current format holding `entries`.
    fn with_entries(entries: BTreeMap<String, Entry>) -> Self {
        Self {
            version: CACHE_VERSION,
            entries,
        }
    }

    /// Loads and validates the cache of `out`: `Ok(None)` if there is none;
    /// anything that is not a valid cache is `Err(why)`, to be discarded whole.
    pub fn load(out: &Path) -> Result<Option<Self>, String> {
        Self::preload(out).loaded
    }

    /// Loads the cache of `out` ahead of its lock (while the run's
    /// publications are being found), remembering which file it read.
    pub fn preload(out: &Path) -> Preloaded {
        let (seen, loaded) = match untrusted::read_opened(&out.join(CACHE_FILE), CACHE_LIMIT) {
            Ok((bytes, meta)) => (Found::File(Stat::of(&meta)), Self::decode(&bytes).map(Some)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => (Found::Nothing, Ok(None)),
            Err(err) => (Found::Unknown, Err(format!("cannot read it: {err}"))),
        };
        Preloaded { seen, loaded }
    }

    /// The cache of `out`, once its lock is held: what `preloaded` read if
    /// the file is still the one it read (another build may have replaced
    /// it in between), else read now.
    pub fn load_locked(out: &Path, preloaded: Option<Preloaded>) -> Result<Option<Self>, String> {
        match preloaded {
            Some(preloaded) if preloaded.is_current(out) => preloaded.loaded,
            _ => Self::load(out),
        }
    }

    /// Decodes and validates a cache file's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or("it does not start with the header of a briefpress build cache")?;
        let truncated = |err: postcard::Error| format!("it is truncated or corrupt ({err})");
        let (version, _) = postcard::take_from_bytes::<u32>(body).map_err(truncated)?;
        let (cache, rest) = match version {
            CACHE_VERSION => {
                inputs::budgeted(|| postcard::take_from_bytes::<Cache>(body)).map_err(truncated)?
            }
            format5::VERSION => {
                inputs::budgeted(|| format5::take_from_bytes(body)).map_err(truncated)?
            }
            _ => {
                return Err(format!(
                    "it has format version {version}; this briefpress writes version {CACHE_VERSION}"
                ));
            }
        };
        if !rest.is_empty() {
            return Err(format!("it has {} stray bytes at its end", rest.len()));
        }
        let records: usize = cache.entries.values().map(|e| e.records().count()).sum();
        if records > RECORD_LIMIT {
            return Err(format!(
                "it records {records} output files, more than the {RECORD_LIMIT} a cache may hold"
            ));
        }
        for (stem, entry) in &cache.entries {
            entry
                .validate(stem)
                .map_err(|why| format!("its entry {stem:?} {why}"))?;
        }
        Ok(cache)
    }

    /// The bytes of the cache file.
    pub fn encode(&self) -> io::Result<Vec<u8>> {
        postcard::to_extend(self, MAGIC.to_vec()).map_err(io::Error::other)
    }

    /// Writes the cache atomically.
    pub fn save(&self, out: &Path) -> io::Result<()> {
        write_atomic(&out.join(CACHE_FILE), &self.encode()?).map(|_| ())
    }
}

impl Entry {
    /// Every output file recorded: the last build's, then the earlier ones, then the stale ones.
    pub fn records(&self) -> impl Iterator<Item = &Output> {
        self.outputs.iter().chain(&self.earlier).chain(&self.stale)
    }

    /// Checks everything a later run will trust: paths, names, hashes.
    pub(super) fn validate(&self, stem: &str) -> Result<(), String> {
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
            relative_path(&input.path).map_err(|why| format!("has an input that {why}"))?;
            if let Some(stat) = &input.stat
                && (stat.mtime.1 >= 1_000_000_000 || stat.ctime.1 >= 1_000_000_000)
            {
                return Err(format!("has a malformed record of {:?}", input.path));
            }
        }
        if !is_hash(&self.fingerprint) || !is_hash(&self.setup) {
            return Err("has a malformed fingerprint".into());
        }
        let mut seen = BTreeSet::new();
        for output in self.records() {
            if !is_output_of(stem, &output.path) || !seen.insert(&output.path) {
                return Err(format!(
                    "lists an output briefpress does not write for it: {:?}",
                    output.path
                ));
            }
            if !is_hash(&output.blake3) || output.mtime.1 >= 1_000_000_000 {
                return Err(format!("has a malformed record of {:?}", output.path));
            }
        }
        // Implied by the names checked above; stated so that no change to
        // them lets one entry grow without bound.
        if seen.len() > RECORDS_PER_ENTRY {
            return Err(format!("records more than {RECORDS_PER_ENTRY} outputs"));
        }
        Ok(())
    }
}

/// Whether `path` is a name [`render::output_name`] gives an output of `stem`.
pub(super) fn is_output_of(stem: &str, path: &str) -> bool {
    path.strip_prefix(stem).is_some_and(|rest| {
        Edition::ALL.iter().any(|e| {
            rest.strip_prefix(e.infix())
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|ext| render::EXTENSIONS.contains(&ext))
        })
    })
}

/// Accepts a `/`-separated path that stays where it is joined: not empty, not
/// absolute, no `.`/`..`/empty component, no NUL, at most [`PATH_LIMIT`] bytes.
pub(super) fn relative_path(path: &str) -> Result<(), String> {
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

pub(super) fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a run computed for a publication's inputs: the cache entry's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash of tool version + options + template files.
    pub setup: String,
    /// The inputs with the stat keys to record.
    pub inputs: Vec<Input>,
    /// Fingerprint of the setup and the inputs' contents.
    pub fingerprint: String,
}

/// An input file as it is on disk now.
struct Seen {
    /// Where to open it: inside the root, no symlink left on the way.
    abs: PathBuf,
    stat: Stat,
}

/// Decides freshness: compares stat keys, hashes contents only when they differ.
pub struct Fingerprinter {
    root: ProjectRoot,
    folders: Folders,
    /// Largest input file read (`--max-file-size`).
    limit: u64,
    /// Hash of tool version and options, shared by every publication of the run.
    base: blake3::Hash,
    /// When the run started: keys of files changed since are not trusted.
    since: Stamp,
    /// Contents hashed in this run, by root-relative path, with the stat key
    /// they were hashed under (files shared by many publications, like a
    /// template, are hashed once).
    hashed: Mutex<HashMap<String, (Stat, blake3::Hash)>>,
    /// Inputs looked at in this run that are reached through a symlink, by
    /// root-relative path, with where they really are.
    aliases: Mutex<HashMap<String, PathBuf>>,
}

impl Fingerprinter {
    /// A fingerprinter for a run with the given option summary that started at `since`.
    pub fn new(root: ProjectRoot, options: &str, limit: u64, since: Stamp) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(b"\0");
        hasher.update(options.as_bytes());
        Self {
            folders: Folders::new(root.clone()),
            root,
            limit,
            base: hasher.finalize(),
            since,
            hashed: Mutex::new(HashMap::new()),
            aliases: Mutex::new(HashMap::new()),
        }
    }

    /// The same fingerprinter for a new run (each pass of `watch`): a new
    /// start time, and nothing remembered of the files and folders seen
    /// before, since they may have changed.
    pub fn renew(&self) -> Self {
        Self {
            root: self.root.clone(),
            folders: Folders::new(self.root.clone()),
            limit: self.limit,
            base: self.base,
            since: Stamp::now(),
            hashed: Mutex::new(HashMap::new()),
            aliases: Mutex::new(HashMap::new()),
        }
    }

    /// The inputs looked at in this run that are reached through a symlink,
    /// with where they really are: a change there is a change of the input.
    pub fn aliases(&self) -> HashMap<String, PathBuf> {
        self.aliases
            .lock()
            .map(|aliases| aliases.clone())
            .unwrap_or_default()
    }

    fn alias(&self, rel: &str, real: &Path) {
        if let Ok(mut aliases) = self.aliases.lock() {
            aliases.insert(rel.to_string(), real.to_path_buf());
        }
    }

    /// Fingerprints the inputs (root-relative) of a publication just built
    /// with a template whose files hash to `template`; if an input can no
    /// longer be read, or is not a regular file inside the project within
    /// the size limit, `Err` with a fingerprint that no later run computes. If an input changed after the run started, the
    /// fingerprint is one that no later run computes: the build may have read
    /// the file before the change. (A file changed just before the run only
    /// goes without a stat key.)
    pub fn record(
        &self,
        inputs: &[String],
        template: &blake3::Hash,
    ) -> Result<Fingerprint, Fingerprint> {
        let setup = self.setup(template);
        let Some((mut hasher, keyed, unsettled)) = self.digest(inputs, &setup) else {
            // Gone or unreadable since the build read it: still recorded (the
            // outputs are briefpress's own), never fresh, found by `watch`.
            let mut hasher = blake3::Hasher::new();
            hasher.update(setup.as_bytes());
            hasher.update(b"\0unreadable");
            return Err(Fingerprint {
                setup: setup.to_hex().to_string(),
                inputs: inputs
                    .iter()
                    .filter(|path| relative_path(path).is_ok())
                    .map(|path| Input {
                        path: path.clone(),
                        stat: None,
                    })
                    .collect(),
                fingerprint: hasher.finalize().to_hex().to_string(),
            });
        };
        if unsettled {
            hasher.update(b"\0unsettled");
        }
        Ok(Fingerprint {
            setup: setup.to_hex().to_string(),
            inputs: keyed,
            fingerprint: hasher.finalize().to_hex().to_string(),
        })
    }

    /// Whether `entry`'s inputs are what it was built from, with a template
    /// whose files hash to `template`: `None` if anything changed; otherwise
    /// `Some(None)` when every stat key matched, or `Some(Some(inputs))` with
    /// new keys to record, when contents had to be hashed and matched.
    pub fn check(&self, entry: &Entry, template: &blake3::Hash) -> Option<Option<Vec<Input>>> {
        let setup = self.setup(template);
        if setup.to_hex().as_str() != entry.setup {
            return None;
        }
        let mut all_match = true;
        for input in &entry.inputs {
            let seen = self.look(&input.path)?;
            if seen.stat.size > self.limit {
                return None;
            }
            // A key newer than the run cannot have been recorded settled:
            // a clock that went back, or a hand-edited cache. Hash instead.
            if input.stat != Some(seen.stat) || seen.stat.racy(self.since) {
                all_match = false;
                break;
            }
        }
        if all_match {
            return Some(None);
        }
        let paths: Vec<String> = entry.inputs.iter().map(|i| i.path.clone()).collect();
        let (hasher, inputs, _) = self.digest(&paths, &setup)?;
        if hasher.finalize().to_hex().as_str() != entry.fingerprint {
            return None;
        }
        Some((inputs != entry.inputs).then_some(inputs))
    }

    /// Hashes the setup and the contents of `inputs`; returns the hasher, the
    /// inputs with their keys (`None` for a racy one) and whether any changed
    /// after the run started.
    fn digest(
        &self,
        inputs: &[String],
        setup: &blake3::Hash,
    ) -> Option<(blake3::Hasher, Vec<Input>, bool)> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(setup.as_bytes());
        let mut keyed = Vec::with_capacity(inputs.len());
        let mut unsettled = false;
        for path in inputs {
            let (stat, hash) = self.contents(path)?;
            add(&mut hasher, path, &stat, &hash);
            unsettled |= stat.changed_after(self.since);
            keyed.push(Input {
                path: path.clone(),
                stat: (!stat.racy(self.since)).then_some(stat),
            });
        }
        Some((hasher, keyed, unsettled))
    }

    /// Hash of tool version, options and the template's files.
    fn setup(&self, template: &blake3::Hash) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.base.as_bytes());
        hasher.update(template.as_bytes());
        hasher.finalize()
    }

    /// The input `rel` as it is now: a regular file inside the project after
    /// symlinks (its folder resolved once per run; a symlink as the file
    /// itself is resolved in full).
    fn look(&self, rel: &str) -> Option<Seen> {
        let at = self.folders.locate(rel)?;
        let meta = std::fs::symlink_metadata(&at).ok()?;
        if meta.is_file() {
            if at.strip_prefix(self.root.dir()).ok() != Some(Path::new(rel)) {
                self.alias(rel, &at);
            }
            return Some(Seen {
                abs: at,
                stat: Stat::of(&meta),
            });
        }
        if !meta.file_type().is_symlink() {
            return None;
        }
        let file = self.root.resolve(self.root.dir(), rel).ok()?;
        self.alias(rel, &file.abs);
        let meta = std::fs::symlink_metadata(&file.abs).ok()?;
        meta.is_file().then(|| Seen {
            abs: file.abs,
            stat: Stat::of(&meta),
        })
    }

    /// The stat key and content hash of the input `rel`, hashing it unless
    /// this run already did under the same key.
    fn contents(&self, rel: &str) -> Option<(Stat, blake3::Hash)> {
        let seen = self.look(rel)?;
        if let Ok(hashed) = self.hashed.lock()
            && let Some((stat, hash)) = hashed.get(rel)
            && *stat == seen.stat
        {
            return Some((*stat, *hash));
        }
        // The key is the opened file's, taken before its first byte is read:
        // a change while it is read makes the file's times newer than the run.
        let (hash, meta) = untrusted::hash_opened(&seen.abs, self.limit).ok()?;
        let stat = Stat::of(&meta);
        if !stat.racy(self.since)
            && let Ok(mut hashed) = self.hashed.lock()
        {
            hashed.insert(rel.to_string(), (stat, hash));
        }
        Some((stat, hash))
    }
}

/// Adds one input to a fingerprint: its name, length and content hash.
fn add(hasher: &mut blake3::Hasher, path: &str, stat: &Stat, hash: &blake3::Hash) {
    hasher.update(path.as_bytes());
    hasher.update(b"\0");
    hasher.update(&stat.size.to_le_bytes());
    hasher.update(hash.as_bytes());
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, ProjectRoot) {
        let dir = tempfile::tempdir().unwrap();
        let root = ProjectRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    fn template() -> blake3::Hash {
        crate::project::digest::files(std::iter::empty())
    }

    /// A fingerprinter of a run that starts `offset_s` seconds from now.
    fn at(root: &ProjectRoot, offset_s: i128) -> Fingerprinter {
        let since = Stamp(Stamp::now().0 + offset_s * 1_000_000_000);
        Fingerprinter::new(root.clone(), "pdf", 1 << 20, since)
    }

    /// A run long after every file of the test was written: all keys settled.
    fn later(root: &ProjectRoot) -> Fingerprinter {
        at(root, 60)
    }

    fn entry(fp: &Fingerprinter, inputs: &[&str]) -> Entry {
        let inputs: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        let recorded = fp.record(&inputs, &template()).expect("readable");
        Entry {
            source: "a.toml".into(),
            template: "brief".into(),
            inputs: recorded.inputs,
            outputs: Vec::new(),
            earlier: Vec::new(),
            stale: Vec::new(),
            setup: recorded.setup,
            fingerprint: recorded.fingerprint,
            warnings: 0,
        }
    }

    #[test]
    fn fingerprint_changes_with_any_input_byte() {
        let (dir, root) = project();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        std::fs::write(dir.path().join("b.md"), "y").unwrap();
        let fp = later(&root);
        let first = entry(&fp, &["a.toml", "b.md"]);
        assert_eq!(fp.check(&first, &template()), Some(None));
        std::fs::write(dir.path().join("b.md"), "z").unwrap();
        assert_eq!(later(&root).check(&first, &template()), None);
        assert_ne!(entry(&later(&root), &["a.toml", "b.md"]), first);
        let other_template = crate::project::digest::files([("t".into(), &b"x"[..])].into_iter());
        assert_eq!(later(&root).check(&first, &other_template), None);
        std::fs::remove_file(dir.path().join("b.md")).unwrap();
        assert_eq!(later(&root).check(&first, &template()), None);
        let inputs = vec!["a.toml".to_string(), "b.md".to_string()];
        let unreadable = later(&root).record(&inputs, &template()).unwrap_err();
        assert_eq!(unreadable.inputs.len(), 2, "still recorded, without keys");
        assert!(unreadable.inputs.iter().all(|i| i.stat.is_none()));
        std::fs::write(dir.path().join("b.md"), "y").unwrap();
        let recorded = Entry {
            inputs: unreadable.inputs,
            setup: unreadable.setup,
            fingerprint: unreadable.fingerprint,
            ..first
        };
        assert_eq!(
            later(&root).check(&recorded, &template()),
            None,
            "never fresh, even once the file is back as it was"
        );
    }

    #[test]
    fn fingerprint_never_reads_outside_the_root_or_past_the_limit() {
        let (dir, root) = project();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out-link")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        std::fs::write(dir.path().join("big"), [0u8; 100]).unwrap();
        std::fs::write(dir.path().join("small"), [0u8; 10]).unwrap();
        let fp = Fingerprinter::new(root.clone(), "", 99, Stamp::now());
        let mut cached = entry(&later(&root), &["small"]);
        for input in ["/etc/passwd", "../x", "out-link", "zero", "big"] {
            let unreadable = fp.record(&[input.to_string()], &template()).unwrap_err();
            assert!(
                unreadable
                    .inputs
                    .iter()
                    .all(|i| relative_path(&i.path).is_ok()),
                "{input}"
            );
            cached.inputs[0].path = input.into();
            assert_eq!(fp.check(&cached, &template()), None, "{input}");
        }
    }

    #[test]
    fn a_settled_key_is_trusted_and_a_racy_one_never() {
        let (dir, root) = project();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, "first").unwrap();
        let mut cached = entry(&later(&root), &["a.toml"]);
        assert!(cached.inputs[0].stat.is_some());
        // A change that leaves the key as it was (same size, same tick): what
        // a key recorded too close to the change cannot see.
        std::fs::write(&file, "other").unwrap();
        let now = Stat::of(&std::fs::metadata(&file).unwrap());
        cached.inputs[0].stat = Some(now);
        assert_eq!(
            later(&root).check(&cached, &template()),
            Some(None),
            "a settled key is trusted without reading the file"
        );
        // In a run that starts within the file's timestamp tick the same key
        // is racy: the contents are hashed and the change is found.
        assert_eq!(at(&root, 0).check(&cached, &template()), None);
    }

    #[test]
    fn a_file_changed_during_the_run_is_recorded_without_a_key_and_rebuilt_next_time() {
        let (dir, root) = project();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        // The run started before the file's last change.
        let racy = entry(&at(&root, -10), &["a.toml"]);
        assert_eq!(racy.inputs[0].stat, None);
        let settled = entry(&later(&root), &["a.toml"]);
        assert_eq!(racy.setup, settled.setup);
        assert_ne!(
            racy.fingerprint, settled.fingerprint,
            "a build that may have read the file before its change matches no later run"
        );
        assert_eq!(later(&root).check(&racy, &template()), None);
        // Written just before the run started: no key yet, but its build stands.
        let just_before = entry(&at(&root, 0), &["a.toml"]);
        assert_eq!(just_before.inputs[0].stat, None);
        assert_eq!(just_before.fingerprint, settled.fingerprint);
    }

    #[test]
    fn a_new_key_with_the_same_contents_is_fresh_and_recorded() {
        let (dir, root) = project();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, "x").unwrap();
        let cached = entry(&later(&root), &["a.toml"]);
        let old = cached.inputs[0].stat.unwrap();
        // A copy or a checkout: new inode, times and all, same bytes.
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, "x").unwrap();
        let refreshed = later(&root).check(&cached, &template()).unwrap().unwrap();
        let new = refreshed[0].stat.unwrap();
        assert_ne!(new, old);
        assert_eq!(new, Stat::of(&std::fs::metadata(&file).unwrap()));
        // A hand-edited key only ever leads to hashing.
        let mut forged = cached.clone();
        forged.inputs[0].stat = Some(Stat { size: 1, ..old });
        assert!(later(&root).check(&forged, &template()).unwrap().is_some());
        // Still racy keys are not recorded, and an unchanged record is not rewritten.
        let mut keyless = cached;
        keyless.inputs[0].stat = None;
        assert_eq!(at(&root, 0).check(&keyless, &template()), Some(None));
    }

    #[test]
    fn a_shared_input_is_hashed_once_per_run() {
        let (dir, root) = project();
        std::fs::write(dir.path().join("t.typ"), "x").unwrap();
        let fp = later(&root);
        entry(&fp, &["t.typ"]);
        assert!(fp.hashed.lock().unwrap().contains_key("t.typ"));
        let racy = at(&root, -10);
        entry(&racy, &["t.typ"]);
        assert!(
            racy.hashed.lock().unwrap().is_empty(),
            "a racy hash is reused"
        );
    }

    #[test]
    fn output_names_are_recognised_exactly() {
        for ext in render::EXTENSIONS {
            for edition in Edition::ALL {
                assert!(is_output_of(
                    "a/b",
                    &render::output_name("a/b", edition, ext)
                ));
            }
        }
        for other in [
            "a/b",
            "a/b.",
            "a/b.exe",
            "a/bc.pdf",
            "a/b.pdf.pdf",
            "a/b.large.pdf",
            "x/a/b.pdf",
        ] {
            assert!(!is_output_of("a/b", other), "{other}");
        }
    }

    #[test]
    fn whole_second_times_need_a_wider_margin() {
        let stat = |ns| Stat {
            size: 0,
            mtime: (100, ns),
            ctime: (100, ns),
            ino: 1,
            dev: 1,
        };
        let since = Stamp::of((102, 0));
        assert!(stat(0).racy(since), "a 1- or 2-second file system");
        assert!(!stat(1).racy(since));
        assert!(stat(1).racy(Stamp::of((100, 10_000_001))));
        assert!(!stat(1).racy(Stamp::of((100, 20_000_002))));
    }

    pub(super) fn valid_json() -> serde_json::Value {
        serde_json::json!({
            "version": CACHE_VERSION,
            "entries": {
                "2021/gta": {
                    "source": "content/2021/gta.toml",
                    "template": "brief",
                    "inputs": [
                        {"path": "content/2021/gta.toml", "stat": null},
                        {"path": "content/2021/body.md", "stat": {
                            "size": 4, "mtime": [1, 2], "ctime": [3, 4], "ino": 5, "dev": 6,
                        }},
                    ],
                    "outputs": [{
                        "path": "2021/gta.pdf", "size": 3, "mtime": [1, 2],
                        "blake3": blake3::hash(b"pdf").to_hex().to_string(),
                    }],
                    "earlier": [{
                        "path": "2021/gta.epub", "size": 4, "mtime": [1, 2],
                        "blake3": blake3::hash(b"epub").to_hex().to_string(),
                    }],
                    "stale": [{
                        "path": "2021/gta.large-print.pdf", "size": 2, "mtime": [1, 2],
                        "blake3": blake3::hash(b"lp").to_hex().to_string(),
                    }],
                    "setup": blake3::hash(b"setup").to_hex().to_string(),
                    "fingerprint": blake3::hash(b"").to_hex().to_string(),
                    "warnings": 1,
                }
            }
        })
    }

    /// The cache file of `value`, a cache in its JSON form, unvalidated.
    fn encoded(value: &serde_json::Value) -> Vec<u8> {
        let cache: Cache = serde_json::from_value(value.clone()).unwrap();
        cache.encode().unwrap()
    }

    fn parse(value: &serde_json::Value) -> Result<Cache, String> {
        Cache::decode(&encoded(value))
    }

    #[test]
    fn a_valid_cache_round_trips() {
        let bytes = encoded(&valid_json());
        assert!(bytes.starts_with(MAGIC));
        let cache = Cache::decode(&bytes).unwrap();
        assert_eq!(cache.entries.len(), 1);
        let again = serde_json::to_value(&cache).unwrap();
        assert_eq!(again, valid_json());
        assert_eq!(cache.encode().unwrap(), bytes);
    }

    #[test]
    fn a_cache_read_before_the_lock_is_used_only_if_still_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let preloaded = || Some(Cache::preload(out));
        // No cache then, none now.
        assert!(Cache::load_locked(out, preloaded()).unwrap().is_none());
        let first = parse(&valid_json()).unwrap();
        first.save(out).unwrap();
        let early = preloaded();
        // Another build saves its cache in between: that one is read.
        let mut second = first.clone();
        second.entries.clear();
        second.save(out).unwrap();
        let now = Cache::load_locked(out, early).unwrap().unwrap();
        assert!(now.entries.is_empty());
        // Unchanged: what was read early is what is used.
        let early = preloaded();
        std::fs::write(out.join("marker"), "x").unwrap();
        assert!(
            Cache::load_locked(out, early)
                .unwrap()
                .unwrap()
                .entries
                .is_empty()
        );
        // Something unreadable is never taken as unchanged.
        std::fs::remove_file(out.join(CACHE_FILE)).unwrap();
        std::os::unix::fs::symlink("/dev/zero", out.join(CACHE_FILE)).unwrap();
        let early = preloaded();
        std::fs::remove_file(out.join(CACHE_FILE)).unwrap();
        first.save(out).unwrap();
        assert_eq!(
            Cache::load_locked(out, early)
                .unwrap()
                .unwrap()
                .entries
                .len(),
            1
        );
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
            (&format!("{entry}/inputs/1/path"), "/etc/passwd".into()),
            (
                &format!("{entry}/inputs/1/path"),
                "content/../../../etc/passwd".into(),
            ),
            (&format!("{entry}/inputs/1/path"), "content/a\0b".into()),
            (&format!("{entry}/inputs/1/path"), "".into()),
            (
                &format!("{entry}/inputs/1/stat/ctime"),
                serde_json::json!([0, 1_000_000_000u32]),
            ),
            (&format!("{entry}/setup"), "abc".into()),
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
            (&format!("{entry}/earlier/0/path"), "../gta.epub".into()),
            (&format!("{entry}/earlier/0/path"), "/2021/gta.epub".into()),
            (
                &format!("{entry}/stale/0/path"),
                "2021/../2021/gta.large-print.pdf".into(),
            ),
            (&format!("{entry}/stale/0/path"), "/etc/gta.pdf".into()),
            (&format!("{entry}/stale/0/blake3"), "".into()),
            // The same file in two lists.
            (&format!("{entry}/stale/0/path"), "2021/gta.pdf".into()),
            (
                &format!("{entry}/earlier/0/path"),
                "2021/gta.large-print.pdf".into(),
            ),
        ];
        for (pointer, value) in cases {
            let mut json = valid_json();
            *json.pointer_mut(pointer).unwrap() = value.clone();
            assert!(parse(&json).is_err(), "{pointer} = {value} was accepted");
        }
        let mut doubled = valid_json();
        let outputs = doubled.pointer_mut(&format!("{entry}/outputs")).unwrap();
        let first = outputs[0].clone();
        outputs.as_array_mut().unwrap().push(first);
        assert!(parse(&doubled).is_err(), "a repeated output was accepted");
        // More records than an entry can have names for.
        let mut many = valid_json();
        let stale = many.pointer_mut(&format!("{entry}/stale")).unwrap();
        let record = stale[0].clone();
        *stale = serde_json::Value::Array(vec![record; 100_000]);
        assert!(parse(&many).is_err(), "100,000 records were accepted");
        // A list claiming more records than memory holds: refused, not allocated.
        let header = (
            CACHE_VERSION,
            1usize,
            "a",
            "a.toml",
            "brief",
            0usize,
            0usize,
        );
        let huge = postcard::to_extend(&(header, u64::MAX >> 2), MAGIC.to_vec()).unwrap();
        assert!(Cache::decode(&huge).is_err());
        let mut renamed = valid_json();
        let value = renamed["entries"]["2021/gta"].take();
        renamed["entries"] = serde_json::json!({ "../gta": value });
        assert!(parse(&renamed).is_err(), "a stem with .. was accepted");
        let whole = encoded(&valid_json());
        let mut junk: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"{}".to_vec(),
            serde_json::to_vec(&valid_json()).unwrap(),
            MAGIC.to_vec(),
            [MAGIC, &[0xff; 12]].concat(),
            [&whole[..], b"\0"].concat(),
        ];
        // Any truncation of a valid cache is refused, never half-used.
        junk.extend((0..whole.len()).map(|len| whole[..len].to_vec()));
        for bytes in junk {
            assert!(Cache::decode(&bytes).is_err(), "{bytes:?}");
        }
        let mut old = valid_json();
        old["version"] = 2.into();
        assert_eq!(
            parse(&old).unwrap_err(),
            format!("it has format version 2; this briefpress writes version {CACHE_VERSION}")
        );
    }
}
