//! The build cache while a build runs: looked up by the workers, updated as
//! each publication finishes, and saved every so often.
//!
//! Saving as the batch goes means a build killed half-way (SIGKILL, an OOM
//! kill, a CI timeout) keeps what it finished: the next run finds those
//! publications fresh. The whole run holds the output folder's lock, so the
//! cache on disk is only ever written from here while the run lasts, and
//! entries of publications outside this run (another shard's, say) are kept
//! as they were loaded.
//!
//! Outputs renamed into place since the last save are proven by the write
//! journal ([`super::journal`]): the store appends a group's records before
//! its renames, folds a journal a killed build left into the cache it
//! loaded, and removes the journal (or keeps only the records of groups
//! still being written) whenever it saves the cache.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::cache::{Cache, Entry, Output};
use super::journal::{self, Record};
use super::legacy::Legacy;
use super::outdir::OutDir;
use super::write::{self, WriteError, write_atomic};

/// How often, at most, the cache is saved while publications finish: at most
/// this much finished work is lost when a build is killed.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// The cache of one build, shared by its workers.
pub struct Store<'a> {
    out: &'a OutDir,
    state: Mutex<State>,
    /// The outputs the JSON cache of an older briefpress records, read at
    /// the first need.
    legacy: OnceLock<Option<Legacy>>,
}

struct State {
    cache: Cache,
    /// Changed since the last save.
    dirty: bool,
    saved: Instant,
    /// A journal file may be there (this run appended to it, or found one).
    journal: bool,
    /// The journal records of groups whose entries are not recorded yet, by
    /// stem: a save keeps them in the journal.
    pending: BTreeMap<String, Vec<Record>>,
}

/// Whose outputs a group is: what a journal record names besides the file.
pub struct Owner<'o> {
    /// The output stem.
    pub stem: &'o str,
    /// The publication file, relative to the project root.
    pub source: &'o str,
    /// The template it was built with.
    pub template: &'o str,
}

impl<'a> Store<'a> {
    /// A store writing `cache` back to `out`; `on_disk` says whether it is
    /// what the folder holds (otherwise the first save writes it). A journal
    /// a killed build left is folded into it and the cache saved at once,
    /// so the journal is removed before anything is appended to it; `warn`
    /// is told about a journal that could not be read whole.
    pub fn new(out: &'a OutDir, mut cache: Cache, on_disk: bool, warn: impl Fn(String)) -> Self {
        let shown = || journal::path(out.given()).display().to_string();
        let (found, folded) = match journal::read(out.given()) {
            Ok(None) => (false, 0),
            Ok(Some(parsed)) => {
                if parsed.garbage > 0 {
                    warn(format!(
                        "skipped {} unreadable record(s) of the write journal `{}`",
                        parsed.garbage,
                        shown()
                    ));
                }
                (true, journal::fold(&mut cache, out, parsed.records))
            }
            Err(why) => {
                warn(format!("ignoring the write journal `{}`: {why}", shown()));
                (true, 0)
            }
        };
        let store = Self {
            out,
            state: Mutex::new(State {
                cache,
                dirty: !on_disk || folded > 0,
                saved: Instant::now(),
                journal: found,
                pending: BTreeMap::new(),
            }),
            legacy: OnceLock::new(),
        };
        if found {
            // A failure is retried by the next save and reported by the last.
            let _ = store.save();
        }
        store
    }

    /// Writes a group of outputs of `owner` (`names` in the output folder,
    /// receiving `rendered`) atomically, journaling each file before any is
    /// renamed into place; returns what the cache records of each. The
    /// entry recorded next for `owner.stem` ([`Store::record`]) takes over
    /// from the journal.
    pub fn write(
        &self,
        owner: &Owner,
        names: &[String],
        rendered: &[Vec<u8>],
    ) -> Result<Vec<Output>, WriteError> {
        let files: Vec<(PathBuf, &[u8])> = names
            .iter()
            .zip(rendered)
            .map(|(name, bytes)| (self.out.file(name), bytes.as_slice()))
            .collect();
        let hashes: Vec<String> = rendered
            .iter()
            .map(|bytes| blake3::hash(bytes).to_hex().to_string())
            .collect();
        let outputs = |written: &[write::Written]| -> Vec<Output> {
            names
                .iter()
                .zip(&hashes)
                .zip(written)
                .map(|((name, hash), written)| Output {
                    path: name.clone(),
                    size: written.size,
                    mtime: written.mtime,
                    blake3: hash.clone(),
                })
                .collect()
        };
        let journaled = |written: &[write::Written]| {
            let records: Vec<Record> = outputs(written)
                .into_iter()
                .map(|output| Record {
                    stem: owner.stem.to_string(),
                    source: owner.source.to_string(),
                    template: owner.template.to_string(),
                    output,
                })
                .collect();
            self.journal(owner.stem, records)
        };
        match write::write_group_then(&files, journaled) {
            Ok(written) => Ok(outputs(&written)),
            Err(err) => {
                // Nothing of the group stays to be proven.
                if let Ok(mut state) = self.state.lock() {
                    state.pending.remove(owner.stem);
                }
                Err(err)
            }
        }
    }

    /// Appends `records` of `stem` to the journal and keeps them until its entry is recorded.
    fn journal(&self, stem: &str, records: Vec<Record>) -> Result<(), WriteError> {
        let path = journal::path(self.out.given());
        let Ok(mut state) = self.state.lock() else {
            return Err(WriteError {
                path,
                error: io::Error::other("a worker panicked"),
            });
        };
        state.journal = true;
        journal::append(self.out.given(), &records).map_err(|error| WriteError { path, error })?;
        state
            .pending
            .entry(stem.to_string())
            .or_default()
            .extend(records);
        Ok(())
    }

    /// The old JSON cache's records, read the first time they are asked for;
    /// `warn` is told why once if the file is there but not trusted.
    pub fn legacy(&self, warn: impl FnOnce(String)) -> Option<&Legacy> {
        self.legacy
            .get_or_init(|| {
                Legacy::load(self.out.given()).unwrap_or_else(|why| {
                    warn(why);
                    None
                })
            })
            .as_ref()
    }

    /// The recorded entry of an output stem.
    pub fn entry(&self, stem: &str) -> Option<Entry> {
        let state = self.state.lock().ok()?;
        state.cache.entries.get(stem).cloned()
    }

    /// Records a publication's new entry (or updated file times), saving if one is due.
    pub fn record(&self, stem: &str, entry: Entry) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.cache.entries.insert(stem.to_string(), entry);
        state.pending.remove(stem);
        state.dirty = true;
        if state.saved.elapsed() >= SAVE_EVERY {
            // A failure here is retried by the next save and reported by the last.
            let _ = self.save_locked(&mut state);
        }
    }

    /// The entries that `keep` selects, copied out.
    pub fn select(&self, keep: impl Fn(&str, &Entry) -> bool) -> Vec<(String, Entry)> {
        let Ok(state) = self.state.lock() else {
            return Vec::new();
        };
        state
            .cache
            .entries
            .iter()
            .filter(|(stem, entry)| keep(stem, entry))
            .map(|(stem, entry)| (stem.clone(), entry.clone()))
            .collect()
    }

    /// Changes the entry of `stem`, if there is one.
    pub fn edit(&self, stem: &str, change: impl FnOnce(&mut Entry)) {
        if let Ok(mut state) = self.state.lock()
            && let Some(entry) = state.cache.entries.get_mut(stem)
        {
            change(entry);
            state.dirty = true;
        }
    }

    /// Forgets the entries of `stems`.
    pub fn remove(&self, stems: &[String]) {
        if let Ok(mut state) = self.state.lock() {
            for stem in stems {
                state.dirty |= state.cache.entries.remove(stem).is_some();
            }
        }
    }

    /// Saves the cache now if anything changed since the last save.
    pub fn save(&self) -> io::Result<()> {
        match self.state.lock() {
            Ok(mut state) => self.save_locked(&mut state),
            Err(_) => Err(io::Error::other("a worker panicked")),
        }
    }

    /// The cache, if it is what the folder holds (saved, nothing changed since).
    pub fn into_saved(self) -> Option<Cache> {
        let state = self.state.into_inner().ok()?;
        (!state.dirty).then_some(state.cache)
    }

    fn save_locked(&self, state: &mut State) -> io::Result<()> {
        if state.dirty {
            state.saved = Instant::now();
            state.cache.save(self.out.given())?;
            state.dirty = false;
        }
        if state.journal {
            self.settle_journal(state)?;
        }
        Ok(())
    }

    /// Once the cache is saved, the journal proves only the groups still
    /// being written: it is removed, or rewritten with just their records.
    fn settle_journal(&self, state: &mut State) -> io::Result<()> {
        let path = journal::path(self.out.given());
        if state.pending.is_empty() {
            match fs::symlink_metadata(&path) {
                // Only a regular file is ours to remove.
                Ok(meta) if meta.is_file() => fs::remove_file(&path)?,
                // Not ours: left alone (reported when read, and appends to it fail).
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
            state.journal = false;
        } else {
            let records: Vec<Record> = state.pending.values().flatten().cloned().collect();
            write_atomic(&path, &journal::encode(&records)?)?;
        }
        Ok(())
    }
}
