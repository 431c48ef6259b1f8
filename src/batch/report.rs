//! Reporting: what a run tells people (stderr) or machines (JSON on stdout).
//!
//! Publications finish in any order on many threads; each result is printed
//! whole, under a lock, as soon as it is known. The exit code is decided at
//! the end from the counts, never by the first failure.
//!
//! Output is best effort: a closed pipe (`briefpress build | head -1`) or a
//! full disk behind stdout/stderr silences the messages, never the build,
//! which still writes its outputs and cache and keeps its exit code.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

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

/// How one publication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Rendered and written (or, for `check`, validated).
    Built,
    /// Skipped: nothing it depends on changed.
    Fresh,
    /// An error stopped it; nothing was written.
    Failed,
    /// Not started because of `--fail-fast`.
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Built => "built",
            Status::Fresh => "fresh",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
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

/// Counts for the final summary and exit code.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Built (or checked) without errors.
    pub built: usize,
    /// Skipped as unchanged.
    pub fresh: usize,
    /// Failed.
    pub failed: usize,
    /// Not attempted after `--fail-fast`.
    pub skipped: usize,
}

/// Prints outcomes as they arrive and keeps the totals.
pub struct Reporter {
    format: MessageFormat,
    verb: &'static str,
    totals: Mutex<Totals>,
}

impl Reporter {
    /// A reporter; `verb` is "Built" or "Checked".
    pub fn new(format: MessageFormat, verb: &'static str) -> Self {
        Self {
            format,
            verb,
            totals: Mutex::new(Totals::default()),
        }
    }

    /// Prints a diagnostic that belongs to no single publication.
    pub fn diagnostic(&self, diagnostic: &Diagnostic) {
        let _guard = self.totals.lock();
        self.print_diagnostic(diagnostic, None);
    }

    /// Prints a free-form note (human format only), e.g. stale outputs.
    pub fn note(&self, text: &str) {
        if self.format == MessageFormat::Human {
            let _guard = self.totals.lock();
            to_stderr(text);
        }
    }

    /// Prints a progress message on stderr in either format (stdout stays JSON only).
    pub fn progress(&self, text: &str) {
        let _guard = self.totals.lock();
        to_stderr(text);
    }

    /// Prints a JSON event (JSON format only).
    pub fn event(&self, value: serde_json::Value) {
        if self.format == MessageFormat::Json {
            let _guard = self.totals.lock();
            to_stdout(&value.to_string());
        }
    }

    /// Records and prints one publication's outcome.
    pub fn outcome(&self, outcome: &Outcome) {
        let Ok(mut totals) = self.totals.lock() else {
            return;
        };
        match outcome.status {
            Status::Built => totals.built += 1,
            Status::Fresh => totals.fresh += 1,
            Status::Failed => totals.failed += 1,
            Status::Skipped => totals.skipped += 1,
        }
        for diagnostic in &outcome.diagnostics {
            self.print_diagnostic(diagnostic, Some(&outcome.file));
        }
        match self.format {
            MessageFormat::Json => {
                let event = serde_json::json!({
                    "type": "publication",
                    "file": outcome.file,
                    "status": outcome.status.as_str(),
                    "outputs": outcome.outputs,
                    "errors": outcome.diagnostics.iter().filter(|d| d.is_error()).count(),
                    "warnings": outcome.diagnostics.iter().filter(|d| !d.is_error()).count(),
                    "duration_ms": outcome.elapsed.as_millis() as u64,
                });
                to_stdout(&event.to_string());
            }
            MessageFormat::Human => {
                let label = match outcome.status {
                    Status::Built => self.verb,
                    Status::Fresh => "Fresh",
                    Status::Failed => "Failed",
                    Status::Skipped => "Skipped",
                };
                let target = if outcome.outputs.is_empty() {
                    String::new()
                } else {
                    format!(" → {}", outcome.outputs.join(", "))
                };
                to_stderr(&format!(
                    "{label:>9} {}{target} ({} ms)",
                    outcome.file,
                    outcome.elapsed.as_millis()
                ));
            }
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

    /// Prints the summary line and returns the totals.
    pub fn finish(&self, elapsed: Duration) -> Totals {
        let totals = self.totals.lock().map(|t| *t).unwrap_or_default();
        match self.format {
            MessageFormat::Json => {
                let event = serde_json::json!({
                    "type": "summary",
                    "built": totals.built,
                    "fresh": totals.fresh,
                    "failed": totals.failed,
                    "skipped": totals.skipped,
                    "duration_ms": elapsed.as_millis() as u64,
                });
                to_stdout(&event.to_string());
            }
            MessageFormat::Human => {
                to_stderr(&format!(
                    "{:>9} {} {}, {} fresh, {} failed{} in {:.2} s",
                    "Finished",
                    totals.built,
                    self.verb.to_lowercase(),
                    totals.fresh,
                    totals.failed,
                    if totals.skipped > 0 {
                        format!(", {} skipped", totals.skipped)
                    } else {
                        String::new()
                    },
                    elapsed.as_secs_f64()
                ));
            }
        }
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
