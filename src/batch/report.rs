//! Reporting: what a run tells people (stderr) or machines (JSON on stdout).
//!
//! Publications finish in any order on many threads; each result is printed
//! whole, under a lock, as soon as it is known. The exit code is decided at
//! the end from the counts, never by the first failure.
//!
//! Output is best effort: a closed pipe (`briefpress build | head -1`) or a
//! full disk behind stdout/stderr silences the messages, never the build,
//! which still writes its outputs and cache and keeps its exit code.

use std::collections::HashSet;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use super::progress::Progress;
use crate::diag::Diagnostic;

/// How diagnostics and results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageFormat {
    /// Readable diagnostics with source snippets, on stderr.
    #[default]
    Human,
    /// One JSON object per line on stdout.
    Json,
}

/// How much a person is told (human format; JSON always carries every event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Only errors (`-q`), and warnings when `--deny-warnings` makes them fail the run.
    Quiet,
    /// Failures, warnings and a summary; on a terminal a progress bar.
    #[default]
    Normal,
    /// Every publication, fresh ones included (`-v`).
    Verbose,
}

/// How one publication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Rendered and written.
    Built,
    /// Rendered in memory and found valid (`check`).
    Checked,
    /// Skipped: nothing it depends on changed.
    Fresh,
    /// An error stopped it; nothing was written.
    Failed,
    /// Not started because of `--fail-fast`, or because the run was interrupted.
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Built => "built",
            Status::Checked => "checked",
            Status::Fresh => "fresh",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Status::Built => "Built",
            Status::Checked => "Checked",
            Status::Fresh => "Fresh",
            Status::Failed => "Failed",
            Status::Skipped => "Skipped",
        }
    }
}

/// The result of one publication.
#[derive(Debug)]
pub struct Outcome {
    /// The publication file as the user named it.
    pub file: String,
    /// How it ended.
    pub status: Status,
    /// Files written (or that are fresh).
    pub outputs: Vec<String>,
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Wall time spent on it.
    pub elapsed: Duration,
}

impl Outcome {
    /// How many of its diagnostics are warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }
}

/// Counts for the final summary and exit code.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Built (or checked) without errors.
    pub built: usize,
    /// Skipped as unchanged.
    pub fresh: usize,
    /// Failed.
    pub failed: usize,
    /// Not attempted after `--fail-fast` or an interrupt.
    pub skipped: usize,
    /// Warnings reported about publications.
    pub warnings: usize,
}

/// What a run prints for people, decided once from the options and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Show {
    /// A line per publication built (or checked) without diagnostics.
    built: bool,
    /// A line per fresh or skipped publication.
    fresh: bool,
    /// Warnings (diagnostics and the publication's line).
    warnings: bool,
    /// Notes, progress messages and the summary line.
    notes: bool,
    /// A progress bar on stderr.
    bar: bool,
}

impl Show {
    /// `interactive`: stderr is a terminal; `watching`: rounds of `watch`,
    /// where the point is what was rebuilt, and fresh is the normal case.
    fn new(verbosity: Verbosity, deny_warnings: bool, interactive: bool, watching: bool) -> Self {
        match verbosity {
            Verbosity::Quiet => Self {
                built: false,
                fresh: false,
                warnings: deny_warnings,
                notes: false,
                bar: false,
            },
            Verbosity::Normal => Self {
                built: !interactive || watching,
                fresh: !interactive && !watching,
                warnings: true,
                notes: true,
                bar: interactive,
            },
            Verbosity::Verbose => Self {
                built: true,
                fresh: true,
                warnings: true,
                notes: true,
                bar: interactive,
            },
        }
    }
}

/// Prints outcomes as they arrive and keeps the totals.
pub struct Reporter {
    format: MessageFormat,
    /// "Built" or "Checked".
    verb: Status,
    deny_warnings: bool,
    show: Show,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    totals: Totals,
    progress: Option<Progress>,
    /// While held ([`Reporter::hold`]): what would have been printed.
    held: Option<Held>,
    /// The shared causes printed in this pass ([`Reporter::once`]).
    announced: HashSet<String>,
}

/// What a held pass would have printed, and whether it built anything.
#[derive(Debug, Default)]
struct Held {
    prints: Vec<Print>,
    built: bool,
}

/// One thing to print.
#[derive(Debug)]
enum Print {
    /// A line on stdout.
    Out(String),
    /// A line on stderr.
    Err(String),
    /// A diagnostic (of a publication, if named), in the run's format.
    Diagnostic(Diagnostic, Option<String>),
}

impl Reporter {
    /// A reporter for `build` (`verb` [`Status::Built`]) or `check`
    /// ([`Status::Checked`]); `watching` for the rounds of `watch`.
    pub fn new(
        format: MessageFormat,
        verb: Status,
        verbosity: Verbosity,
        deny_warnings: bool,
        watching: bool,
    ) -> Self {
        let interactive = format == MessageFormat::Human && io::stderr().is_terminal();
        Self {
            format,
            verb,
            deny_warnings,
            show: Show::new(verbosity, deny_warnings, interactive, watching),
            state: Mutex::new(State::default()),
        }
    }

    /// Starts a run over `total` publications: on a terminal, shows the progress bar.
    pub fn begin(&self, total: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.totals = Totals::default();
            state.announced.clear();
            if self.show.bar {
                let verb = match self.verb {
                    Status::Checked => "Checking",
                    _ => "Building",
                };
                state.progress = Some(Progress::start(total, verb));
            }
        }
    }

    /// Holds everything printed from now on (a pass of `watch` that only
    /// tries failed publications again) until [`Reporter::release`].
    pub fn hold(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.held = Some(Held::default());
        }
    }

    /// Prints what was held if a publication was built meanwhile, else
    /// drops it (a pass that built nothing then printed nothing); returns
    /// whether it printed.
    pub fn release(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        match state.held.take() {
            Some(held) if held.built => {
                self.put(&mut state, held.prints);
                true
            }
            _ => false,
        }
    }

    /// Prints a diagnostic that belongs to no single publication (a warning
    /// only when warnings are shown).
    pub fn diagnostic(&self, diagnostic: &Diagnostic) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if diagnostic.is_error() || self.show.warnings || self.format == MessageFormat::Json {
            self.put(
                &mut state,
                vec![Print::Diagnostic(diagnostic.clone(), None)],
            );
        }
    }

    /// Prints an error that many publications share (a template they cannot
    /// use) the first time one of them meets it in this pass, and never again
    /// in the pass: one message per cause, not one per publication.
    pub fn once(&self, diagnostic: &Diagnostic) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let shown =
            diagnostic.is_error() || self.show.warnings || self.format == MessageFormat::Json;
        if shown && state.announced.insert(diagnostic.to_string()) {
            self.put(
                &mut state,
                vec![Print::Diagnostic(diagnostic.clone(), None)],
            );
        }
    }

    /// Prints a free-form note (human format, not with `-q`), e.g. stale outputs.
    pub fn note(&self, text: &str) {
        if self.format == MessageFormat::Human && self.show.notes {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            self.put(&mut state, vec![Print::Err(text.to_string())]);
        }
    }

    /// Prints a progress message on stderr in either format (stdout stays
    /// JSON only); not with `-q`.
    pub fn progress(&self, text: &str) {
        if self.show.notes {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            self.put(&mut state, vec![Print::Err(text.to_string())]);
        }
    }

    /// Prints a JSON event (JSON format only).
    pub fn event(&self, value: serde_json::Value) {
        if self.format == MessageFormat::Json {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            self.put(&mut state, vec![Print::Out(value.to_string())]);
        }
    }

    /// Records and prints one publication's outcome.
    pub fn outcome(&self, outcome: &Outcome) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let totals = &mut state.totals;
        match outcome.status {
            Status::Built | Status::Checked => totals.built += 1,
            Status::Fresh => totals.fresh += 1,
            Status::Failed => totals.failed += 1,
            Status::Skipped => totals.skipped += 1,
        }
        totals.warnings += outcome.warnings();
        if let Some(held) = &mut state.held {
            held.built |= outcome.status == Status::Built;
        }
        let mut prints = Vec::new();
        let of = || Some(outcome.file.clone());
        match self.format {
            MessageFormat::Json => {
                for diagnostic in &outcome.diagnostics {
                    prints.push(Print::Diagnostic(diagnostic.clone(), of()));
                }
                let event = serde_json::json!({
                    "type": "publication",
                    "file": outcome.file,
                    "status": outcome.status.as_str(),
                    "outputs": outcome.outputs,
                    "errors": outcome.diagnostics.iter().filter(|d| d.is_error()).count(),
                    "warnings": outcome.warnings(),
                    "duration_ms": outcome.elapsed.as_millis() as u64,
                });
                prints.push(Print::Out(event.to_string()));
            }
            MessageFormat::Human => {
                let shown: Vec<&Diagnostic> = outcome
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error() || self.show.warnings)
                    .collect();
                let listed = match outcome.status {
                    Status::Failed => true,
                    Status::Built | Status::Checked => self.show.built || !shown.is_empty(),
                    Status::Fresh | Status::Skipped => self.show.fresh,
                };
                for diagnostic in shown {
                    prints.push(Print::Diagnostic(diagnostic.clone(), of()));
                }
                if listed {
                    let target = if outcome.outputs.is_empty() {
                        String::new()
                    } else {
                        format!(" → {}", outcome.outputs.join(", "))
                    };
                    prints.push(Print::Err(format!(
                        "{:>9} {}{target} ({} ms)",
                        outcome.status.label(),
                        outcome.file,
                        outcome.elapsed.as_millis()
                    )));
                }
            }
        }
        self.put(&mut state, prints);
        if let Some(progress) = &state.progress {
            progress.advance(&outcome.file);
        }
    }

    /// Prints `prints` with the progress bar (if any) out of the way, or
    /// keeps them while output is held.
    fn put(&self, state: &mut State, prints: Vec<Print>) {
        if let Some(held) = &mut state.held {
            held.prints.extend(prints);
            return;
        }
        let print = || {
            for print in prints {
                match print {
                    Print::Out(line) => to_stdout(&line),
                    Print::Err(line) => to_stderr(&line),
                    Print::Diagnostic(diagnostic, publication) => {
                        self.print_diagnostic(&diagnostic, publication.as_deref());
                    }
                }
            }
        };
        match &state.progress {
            Some(progress) => progress.suspend(print),
            None => print(),
        }
    }

    fn print_diagnostic(&self, diagnostic: &Diagnostic, publication: Option<&str>) {
        match self.format {
            MessageFormat::Json => {
                let mut value = diagnostic.to_json();
                if let Some(object) = value.as_object_mut() {
                    object.insert("publication".into(), publication.into());
                }
                to_stdout(&value.to_string());
            }
            MessageFormat::Human => {
                let color = if std::io::stderr().is_terminal() {
                    ColorChoice::Auto
                } else {
                    ColorChoice::Never
                };
                let mut stderr = StandardStream::stderr(color);
                if let Err(err) = diagnostic.emit(&mut stderr)
                    && !is_closed(&err)
                {
                    // codespan could not draw the snippet: the plain message still helps.
                    to_stderr(&diagnostic.to_string());
                }
                let _ = stderr.flush();
            }
        }
    }

    /// Whether `totals` fail the run: a publication failed, or a warning was
    /// reported under `--deny-warnings`.
    pub fn failed(&self, totals: &Totals) -> bool {
        totals.failed > 0 || (self.deny_warnings && totals.warnings > 0)
    }

    /// Ends the run: removes the progress bar, prints the summary and returns
    /// the totals (counting starts afresh for the next run).
    pub fn finish(&self, elapsed: Duration) -> Totals {
        let Ok(mut state) = self.state.lock() else {
            return Totals::default();
        };
        if let Some(progress) = state.progress.take() {
            progress.finish();
        }
        let totals = std::mem::take(&mut state.totals);
        // "built" or "checked": the word for what this run does.
        let verb = self.verb.as_str();
        let mut prints = Vec::new();
        match self.format {
            MessageFormat::Json => {
                let event = serde_json::json!({
                    "type": "summary",
                    verb: totals.built,
                    "fresh": totals.fresh,
                    "failed": totals.failed,
                    "skipped": totals.skipped,
                    "warnings": totals.warnings,
                    "duration_ms": elapsed.as_millis() as u64,
                });
                prints.push(Print::Out(event.to_string()));
            }
            MessageFormat::Human => {
                if self.show.notes {
                    prints.push(Print::Err(format!(
                        "{:>9} {} {verb}, {} fresh, {} failed{} in {:.2} s",
                        "Finished",
                        totals.built,
                        totals.fresh,
                        totals.failed,
                        if totals.skipped > 0 {
                            format!(", {} skipped", totals.skipped)
                        } else {
                            String::new()
                        },
                        elapsed.as_secs_f64()
                    )));
                }
                if self.deny_warnings && totals.warnings > 0 {
                    prints.push(Print::Err(format!(
                        "{:>9} {} warning{} reported, and --deny-warnings fails the run on any warning",
                        "Denied",
                        totals.warnings,
                        if totals.warnings == 1 { "" } else { "s" }
                    )));
                }
            }
        }
        self.put(&mut state, prints);
        totals
    }
}

/// Writes one line to stdout; a closed or failing stdout is ignored.
fn to_stdout(line: &str) {
    let _ = writeln!(io::stdout().lock(), "{line}");
}

/// Writes one line to stderr; a closed or failing stderr is ignored.
fn to_stderr(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

fn is_closed(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::BrokenPipe
}
