//! The progress bar a person sees on a terminal while a batch runs.
//!
//! One line at the bottom of stderr: how many publications are done out of
//! how many (`n/N`), the rate, the time left, and the last one finished.
//! Everything else the reporter prints goes above it ([`Progress::suspend`]),
//! so messages and the bar never garble each other. Only used when stderr is
//! a terminal and the messages are for people: pipes and CI logs get plain
//! lines, JSON stays JSON.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the bar redraws while nothing finishes (elapsed time and ETA keep moving).
const TICK: Duration = Duration::from_millis(200);

/// A progress bar over the publications of one run.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Shows a bar for `total` publications, labelled `verb` ("Building", "Checking").
    pub fn start(total: usize, verb: &'static str) -> Self {
        let style = ProgressStyle::with_template(
            "{prefix:>9.cyan.bold} [{bar:25}] {pos}/{len} {per_sec:.dim} ETA {eta} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(
            Some(u64::try_from(total).unwrap_or(u64::MAX)),
            ProgressDrawTarget::stderr(),
        )
        .with_style(style)
        .with_prefix(verb);
        bar.enable_steady_tick(TICK);
        Self { bar }
    }

    /// Counts one publication as done; `file` is shown as the last finished.
    pub fn advance(&self, file: &str) {
        self.bar.set_message(file.to_string());
        self.bar.inc(1);
    }

    /// Hides the bar while `print` writes to stderr, then draws it again below.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Removes the bar (the summary line takes its place).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
