//! Ctrl-C (and SIGTERM, SIGHUP) while `watch` runs: stop cleanly.
//!
//! The first signal asks the watch to end: it stops waiting for changes at
//! once, or, during a rebuild, starts no further publication and lets those
//! in flight finish, so every output is written whole (temporary file, then
//! rename) and the cache and the lock are left in order. A second signal ends
//! the process at once; the next build removes any temporary file left.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Exit code after a second Ctrl-C: 128 + SIGINT, as a shell reports a process killed by it.
const FORCED: i32 = 130;

/// The shared state the signal thread sets.
#[derive(Debug, Clone)]
pub struct Interrupt {
    stop: Arc<AtomicBool>,
    busy: Arc<AtomicBool>,
}

impl Interrupt {
    /// Handles SIGINT, SIGTERM and SIGHUP from now on; on the first, sets the
    /// flag and sends `wake` on `sender` (to end a wait for changes).
    pub fn install<T: Clone + Send + 'static>(sender: Sender<T>, wake: T) -> Result<Self, String> {
        let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
            .map_err(|err| format!("cannot handle Ctrl-C: {err}"))?;
        let interrupt = Self {
            stop: Arc::new(AtomicBool::new(false)),
            busy: Arc::new(AtomicBool::new(false)),
        };
        let shared = interrupt.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for _ in signals.forever() {
                    if shared.stop.swap(true, Ordering::SeqCst) {
                        std::process::exit(FORCED);
                    }
                    if shared.busy.load(Ordering::SeqCst) {
                        eprintln!(
                            "{:>9} after the publications in progress (Ctrl-C again to stop at once)",
                            "Stopping"
                        );
                    }
                    let _ = sender.send(wake.clone());
                }
            })
            .map_err(|err| format!("cannot handle Ctrl-C: {err}"))?;
        Ok(interrupt)
    }

    /// The flag a rebuild checks before starting each publication.
    pub fn flag(&self) -> &AtomicBool {
        &self.stop
    }

    /// Whether a stop was asked for.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Says whether a rebuild is running (the handler then says what it waits for).
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::SeqCst);
    }
}
