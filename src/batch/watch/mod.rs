//! `briefpress watch`: build, then rebuild what changes, until Ctrl-C.
//!
//! One [`Run`] lives for the whole session: the project (templates, fonts),
//! the renderers and the typst engine with its memoized results stay warm,
//! and so does the build cache, so a one-section edit costs about one warm
//! compile. Each change starts a pass of the ordinary batch, which looks
//! only at the publications the written files reach (see [`scope`]); the
//! build cache's fingerprints decide which of those are fresh, exactly as
//! for `build`, so only the publications whose files changed are built
//! again (plus those that failed, which are tried on every change). When
//! templates, fonts or the project file change, the project is resolved
//! again first, and the pass looks at every publication.
//!
//! A write that reaches no publication (a log of this very output kept in
//! the project, `briefpress watch 2>&1 | tee watch.log`) starts no pass and
//! prints nothing; one that reaches only publications that failed tries them
//! again and prints only if one builds. So the watch never answers its own
//! messages.
//!
//! Watching starts before the first build, so an edit made while it runs is
//! not missed. Each pass takes the output folder's lock for its duration
//! only, so a `build` run beside the watch waits for a pass, not for the
//! session.

mod changes;
mod interrupt;
mod scope;

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use super::config::BuildConfig;
use super::{Run, usage};
use changes::{Change, Filter};
use interrupt::Interrupt;
use scope::{Reach, Scope};

/// How long the files must be quiet before a rebuild starts: an editor's
/// save (write a temporary file, rename it) is one change, not three.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Changed files named in the "Changed" line before "and N more".
const NAMED: usize = 3;

/// What the watch loop waits for.
#[derive(Debug, Clone)]
enum Wake {
    /// Files were written (`rescan`: events were lost, anything may have changed).
    Written { paths: Vec<PathBuf>, rescan: bool },
    /// The watcher failed.
    Failed(String),
    /// Ctrl-C.
    Stop,
}

/// Runs `watch`: returns the exit code of the last pass (or 2 when the
/// first cannot start or the files cannot be watched).
pub fn run(mut config: BuildConfig) -> u8 {
    let started = Instant::now();
    // Passes compile the same publications again and again.
    config.render.incremental = true;
    let (sender, receiver) = mpsc::channel();
    let mut run = match Run::open(config, true) {
        Ok(run) => run,
        Err(code) => return code,
    };
    let interrupt = match Interrupt::install(sender.clone(), Wake::Stop) {
        Ok(interrupt) => interrupt,
        Err(message) => return usage(&run.reporter, message),
    };
    let mut jobs = match run.plan() {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    let mut scope = Scope::new(run.root().dir());
    scope.found(&jobs);
    // Watch first: an edit made during the first build starts the next.
    let _watcher = match watch(&run, sender) {
        Ok(watcher) => watcher,
        Err(message) => return usage(&run.reporter, message),
    };
    interrupt.set_busy(true);
    let passed = run.pass(&jobs, started, interrupt.flag(), None, None);
    interrupt.set_busy(false);
    let mut code = passed.code;
    scope.passed(passed.kept, passed.settled, run.fingerprinter.aliases());
    if let Some(target) = &mut run.target {
        // --force rebuilds everything once, not on every change.
        target.config.force = false;
    }
    let mut filter = filter(&run);
    filter.reading(scope.passed_over());
    // Whether to say "Watching" again: not after writes that changed nothing
    // (a log of this very output, written in the project, would otherwise
    // be answered by more output, forever).
    let mut said = false;
    while !interrupt.stopped() {
        if !said {
            run.reporter
                .note(&format!("{:>9} for changes (Ctrl-C to stop)", "Watching"));
            said = true;
        }
        let Some(change) = next_change(&receiver, &filter, &run) else {
            break;
        };
        let started = Instant::now();
        let reach = match &change {
            Change::Files(paths) => scope.reach(paths, &jobs),
            _ => Reach::Publications,
        };
        let (Change::Files(paths) | Change::Project(paths)) = &change else {
            continue;
        };
        if reach == Reach::Nothing {
            continue;
        }
        let held = reach == Reach::Unsettled;
        if held {
            run.reporter.hold();
        }
        said = false;
        let shown: Vec<String> = paths.iter().map(|p| filter.shown(p)).collect();
        run.reporter.note(&changed_line(&shown));
        let (preloaded, untouched) = if matches!(change, Change::Project(_)) {
            let preloaded = scope.everything();
            if let Err(failed) = run.reopen() {
                // Reported; the next change may fix it.
                code = failed;
                continue;
            }
            (preloaded, None)
        } else {
            run.reload();
            let (preloaded, untouched) = scope.next(paths);
            (preloaded, Some(untouched))
        };
        if scope.finds_again(paths) {
            match run.plan() {
                Ok(found) => {
                    scope.found(&found);
                    jobs = found;
                }
                Err(failed) => {
                    // Reported; the next change may fix it.
                    scope.lose();
                    code = failed;
                    continue;
                }
            }
        }
        interrupt.set_busy(true);
        let passed = run.pass(
            &jobs,
            started,
            interrupt.flag(),
            preloaded,
            untouched.as_ref(),
        );
        interrupt.set_busy(false);
        if held {
            said = !run.reporter.release();
        }
        code = passed.code;
        scope.passed(passed.kept, passed.settled, run.fingerprinter.aliases());
        filter.reading(scope.passed_over());
    }
    code
}

/// Waits for the next batch of writes that matter; `None` on Ctrl-C (or
/// when the watcher is gone). A watcher error is reported and waiting goes on.
fn next_change(receiver: &Receiver<Wake>, filter: &Filter, run: &Run) -> Option<Change> {
    loop {
        match receiver.recv().ok()? {
            Wake::Stop => return None,
            Wake::Failed(message) => run.reporter.diagnostic(
                &crate::diag::Diagnostic::warning(crate::diag::Code::Io, message).hint(
                    "changes may be missed: restart `briefpress watch` if a rebuild does not come",
                ),
            ),
            Wake::Written { paths, rescan } => {
                let change = filter.classify(&paths, rescan);
                if change != Change::Nothing {
                    return Some(change);
                }
            }
        }
    }
}

/// "Changed content/a.md, content/b.md and 3 more".
fn changed_line(paths: &[String]) -> String {
    let mut line = format!("{:>9} ", "Changed");
    if paths.is_empty() {
        line.push_str("files (the watcher lost track: checking everything)");
        return line;
    }
    line.push_str(
        &paths
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    );
    if paths.len() > NAMED {
        line.push_str(&format!(" and {} more", paths.len() - NAMED));
    }
    line
}

/// Starts watching the project root and the `--font-path` folders; the
/// debounced writes arrive on `sender`.
fn watch(
    run: &Run,
    sender: Sender<Wake>,
) -> Result<Debouncer<RecommendedWatcher, RecommendedCache>, String> {
    let handler = move |result: DebounceEventResult| {
        let wake = match result {
            Ok(events) => {
                let rescan = events.iter().any(|e| e.need_rescan());
                let paths: Vec<PathBuf> = events
                    .into_iter()
                    .filter(|e| Filter::writes(&e.kind))
                    .flat_map(|e| e.event.paths)
                    .collect();
                if paths.is_empty() && !rescan {
                    return;
                }
                Wake::Written { paths, rescan }
            }
            Err(errors) => Wake::Failed(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        let _ = sender.send(wake);
    };
    let mut debouncer = new_debouncer(DEBOUNCE, None, handler)
        .map_err(|err| format!("cannot watch for changes: {err}"))?;
    let root = run.root().dir().to_path_buf();
    debouncer
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|err| format!("cannot watch `{}`: {err}", root.display()))?;
    for folder in font_folders(run) {
        if !folder.starts_with(&root) {
            debouncer
                .watch(&folder, RecursiveMode::Recursive)
                .map_err(|err| format!("cannot watch `{}`: {err}", folder.display()))?;
        }
    }
    Ok(debouncer)
}

/// The `--font-path` folders that exist, canonical.
fn font_folders(run: &Run) -> Vec<PathBuf> {
    run.config
        .font_paths
        .iter()
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect()
}

/// The filter for `run`'s project and output folder (created by the first pass).
fn filter(run: &Run) -> Filter {
    let mut out = Vec::new();
    if let Some(target) = &run.target {
        let given = target.out.given();
        out.push(run.root().dir().join(given));
        out.extend(std::fs::canonicalize(given).ok());
    }
    Filter::new(run.root().dir(), out, &font_folders(run)).ignoring(changes::own_streams())
}
