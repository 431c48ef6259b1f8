//! The build cache while a build runs: looked up by the workers, updated as
//! each publication finishes, and saved every so often.
//!
//! Saving as the batch goes means a build killed half-way (SIGKILL, an OOM
//! kill, a CI timeout) keeps what it finished: the next run finds those
//! publications fresh. The whole run holds the output folder's lock, so the
//! cache on disk is only ever written from here while the run lasts, and
//! entries of publications outside this run (another shard's, say) are kept
//! as they were loaded.

use std::io;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::cache::{Cache, Entry};
use super::legacy::Legacy;
use super::outdir::OutDir;

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
}

impl<'a> Store<'a> {
    /// A store writing `cache` back to `out`; `on_disk` says whether it is
    /// what the folder holds (otherwise the first save writes it).
    pub fn new(out: &'a OutDir, cache: Cache, on_disk: bool) -> Self {
        Self {
            out,
            state: Mutex::new(State {
                cache,
                dirty: !on_disk,
                saved: Instant::now(),
            }),
            legacy: OnceLock::new(),
        }
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
        state.dirty = true;
        if state.saved.elapsed() >= SAVE_EVERY {
            // A failure here is retried by the next save and reported by the last.
            let _ = self.save_locked(&mut state);
        }
    }

    /// The entries that `keep` selects, copied out.
    pub fn select(&self, keep: impl Fn(&Entry) -> bool) -> Vec<(String, Entry)> {
        let Ok(state) = self.state.lock() else {
            return Vec::new();
        };
        state
            .cache
            .entries
            .iter()
            .filter(|(_, entry)| keep(entry))
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
        if !state.dirty {
            return Ok(());
        }
        state.saved = Instant::now();
        state.cache.save(self.out.given())?;
        state.dirty = false;
        Ok(())
    }
}
