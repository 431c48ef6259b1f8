//! The batch: discover publications, plan, render in parallel, write atomically, report.
//!
//! Orchestration lives here and only here: renderers map a model to bytes,
//! this module decides what to build, in which order, on how many threads,
//! what is fresh, and where bytes land. One broken publication is reported
//! and the batch goes on; the exit code is decided at the end.

pub mod cache;
pub(crate) mod claim;
pub mod config;
pub mod discover;
pub(crate) mod editions;
pub(crate) mod journal;
pub(crate) mod legacy;
pub(crate) mod lock;
pub(crate) mod outdir;
pub(crate) mod progress;
pub mod report;
pub(crate) mod stale;
pub(crate) mod store;
pub(crate) mod untrusted;
pub mod watch;
pub(crate) mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::diag::{Code, Diagnostic};
use crate::load;
use crate::model::{Edition, Publication};
use crate::project::Project;
use crate::project::digest as project_digest;
use crate::project::language::Language;
use crate::project::root::ProjectRoot;
use crate::project::settings::Settings;
use crate::project::template;
use crate::render::{self, RenderContext, Renderer};
use cache::{Cache, Entry, Fingerprinter, Output, Preloaded};
use config::{BuildConfig, OutputConfig};
use discover::Job;
use lock::LockError;
use outdir::{OutDir, Recorded};
use report::{Outcome, Reporter, Status};
use store::Store;

/// The output folder when neither `--out` nor the project file names one.
pub const DEFAULT_OUTPUT: &str = "output";

/// Process exit codes (documented in `--help` and the README).
pub mod exit {
    /// Everything built or checked.
    pub const OK: u8 = 0;
    /// At least one publication failed (or had a warning, with `--deny-warnings`).
    pub const FAILED: u8 = 1;
    /// Nothing was started: bad usage, overlapping folders, or a busy output folder.
    pub const USAGE: u8 = 2;
}

/// Output stems a pass may take as fresh without looking at their files:
/// for `watch`, those fresh after its last pass and none of whose files it
/// saw change since.
type Untouched = HashSet<String>;

/// What a pass hands to the next pass of `watch`.
struct Passed {
    /// The exit code of the pass.
    code: u8,
    /// The cache as saved, if it was: the next pass need not read it again.
    kept: Option<Preloaded>,
    /// The stems built or fresh in this pass (without warnings, under
    /// `--deny-warnings`).
    settled: HashSet<String>,
}

/// The output folder of a `build`, resolved and checked.
struct Target {
    out: OutDir,
    config: OutputConfig,
}

/// A run: the configuration, the resolved project and the state every
/// worker shares. `build` and `check` make one pass over it; `watch` keeps
/// it (the project, the typst engine and its caches) between passes.
struct Run {
    config: BuildConfig,
    project: Arc<Project>,
    /// `None` for `check`, which renders in memory only.
    target: Option<Target>,
    renderers: Vec<Box<dyn Renderer>>,
    fingerprinter: Fingerprinter,
    reporter: Reporter,
    /// Workers rendering a publication right now (the others are checking
    /// fresh ones, or done): a publication's formats are rendered side by
    /// side only while some worker is not rendering, so the threads never
    /// outnumber the cores in a full batch.
    rendering: AtomicUsize,
}

/// One worker counted in [`Run::rendering`] while it renders.
struct Busy<'a> {
    counter: &'a AtomicUsize,
    /// Workers rendering, this one included, when it started.
    count: usize,
}

impl<'a> Busy<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        let count = counter.fetch_add(1, Ordering::Relaxed) + 1;
        Self { counter, count }
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Stack of the threads that render: typst recurses deeply on nested
/// content, so they get a main-thread-sized stack.
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// Runs `build` (with an output folder) or `check` (without): returns the exit code.
pub fn run(config: BuildConfig) -> u8 {
    let started = Instant::now();
    let mut run = match Run::open(config, false) {
        Ok(run) => run,
        Err(code) => return code,
    };
    // The cache is read while the publications are found: each is a few
    // milliseconds of a rebuild that changes one publication in thousands.
    let (planned, preloaded) = std::thread::scope(|scope| {
        let preload = scope.spawn(|| run.target.as_ref().map(|t| Cache::preload(t.out.given())));
        let planned = run.plan();
        (planned, preload.join().ok().flatten())
    });
    match planned {
        Ok(jobs) => {
            run.pass(&jobs, started, &AtomicBool::new(false), preloaded, None)
                .code
        }
        Err(code) => code,
    }
}

/// Reports a problem that stops the run before it starts; returns exit code 2.
fn usage(reporter: &Reporter, message: String) -> u8 {
    reporter.diagnostic(&Diagnostic::error(Code::Usage, message));
    exit::USAGE
}

/// Resolves the project in the current folder and reads its project file;
/// a problem in either stops the run before it starts (exit code 2).
fn open_project(config: &BuildConfig, reporter: &Reporter) -> Result<Project, u8> {
    let root = std::env::current_dir()
        .and_then(|dir| ProjectRoot::new(&dir))
        .map_err(|err| {
            usage(
                reporter,
                format!("cannot use the current folder as project root: {err}"),
            )
        })?;
    let project = Project::open(root, &config.font_paths, config.load.max_file_size);
    for warning in &project.fonts().skipped {
        reporter.diagnostic(warning);
    }
    let (settings, diagnostics) = load::settings::read(&project, &config.load);
    for diagnostic in &diagnostics {
        reporter.diagnostic(diagnostic);
    }
    match settings {
        Some(settings) => Ok(project.with_settings(settings)),
        None => Err(exit::USAGE),
    }
}

/// The output folder: `--out`, else the project file's `output`, else `output`.
fn output_folder(output: &OutputConfig, settings: &Settings) -> PathBuf {
    output
        .out
        .clone()
        .or_else(|| settings.output.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT))
}

/// Creates and locks the output folder, then removes what a killed build left.
fn take_output_folder(target: &mut Target, reporter: &Reporter) -> Result<lock::OutputLock, u8> {
    let shown = target.out.given().display().to_string();
    target.out.create().map_err(|err| {
        usage(
            reporter,
            format!("cannot create the output folder `{shown}`: {err}"),
        )
    })?;
    let waiting = || {
        reporter.progress(&format!(
            "  Waiting for another build writing to `{shown}` to finish (it holds `{}`)",
            target.out.file(lock::LOCK_FILE).display()
        ));
    };
    let held =
        lock::lock(target.out.given(), target.config.wait, waiting).map_err(|err| match err {
            LockError::Busy(path) => usage(
                reporter,
                format!(
                    "another build is writing to `{shown}` (it holds `{}`); \
                 run again when it has finished, or without --no-wait to wait for it",
                    path.display()
                ),
            ),
            LockError::Io(path, err) => usage(
                reporter,
                format!(
                    "cannot lock the output folder with `{}`: {err}",
                    path.display()
                ),
            ),
        })?;
    let removed = target.out.remove_leftover_temps();
    if removed > 0 {
        reporter.note(&format!(
            "{:>9} {removed} temporary file(s) left in `{shown}` by an interrupted build",
            "Removed"
        ));
    }
    Ok(held)
}

impl Run {
    /// Resolves the output folder, the project root and the project
    /// (templates, fonts) of `config`, or the exit code of a usage error,
    /// reported before any work starts. `watching`: for `watch`'s passes.
    fn open(config: BuildConfig, watching: bool) -> Result<Self, u8> {
        let verb = if config.output.is_some() {
            Status::Built
        } else {
            Status::Checked
        };
        let reporter = Reporter::new(
            config.message_format,
            verb,
            config.verbosity,
            config.deny_warnings,
            watching,
        );
        let project = open_project(&config, &reporter)?;
        let target = match &config.output {
            Some(output) => {
                let folder = output_folder(output, project.settings());
                match OutDir::resolve(&folder) {
                    Ok(out) => Some(Target {
                        out,
                        config: output.clone(),
                    }),
                    Err(message) => return Err(usage(&reporter, message)),
                }
            }
            None => None,
        };
        let project = Arc::new(project);
        let (renderers, fingerprinter) = engine(&config, &project);
        Ok(Self {
            config,
            project,
            target,
            renderers,
            fingerprinter,
            reporter,
            rendering: AtomicUsize::new(0),
        })
    }

    /// Resolves the project again (templates, fonts, with a new typst
    /// engine): after their files changed.
    /// A project file that no longer reads is reported, and the project
    /// resolved before is kept (`Err` with the exit code).
    fn reopen(&mut self) -> Result<(), u8> {
        self.project = Arc::new(open_project(&self.config, &self.reporter)?);
        (self.renderers, self.fingerprinter) = engine(&self.config, &self.project);
        Ok(())
    }

    /// Makes the renderers read project files again on their next use,
    /// keeping what they computed from them (typst's caches): between passes
    /// of `watch`, after files changed.
    fn reload(&mut self) {
        for renderer in &mut self.renderers {
            renderer.reload();
        }
    }

    /// The publications of this run (sharded), or the exit code of a usage
    /// error or output conflict, reported before any work starts.
    fn plan(&self) -> Result<Vec<Job>, u8> {
        let reporter = &self.reporter;
        let usage = |message: String| usage(reporter, message);
        let config = &self.config;
        let (jobs, skipped) = discover::discover(&config.paths, self.root()).map_err(usage)?;
        for warning in &skipped {
            reporter.diagnostic(warning);
        }
        // With every publication deleted, `--prune` still has the outputs to remove.
        let pruning = self.target.as_ref().is_some_and(|t| t.config.prune);
        if jobs.is_empty() && !pruning {
            let paths: Vec<String> = config
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            return Err(usage(format!(
                "no publications (*.toml) found in {}",
                paths.join(", ")
            )));
        }
        if let Some(name) = &config.template
            && !self.project.templates().exists(name)
        {
            return Err(usage(format!(
                "--template {name}: no templates/{name}/{} in the project",
                template::ENTRY
            )));
        }
        // A `--template` every publication would fail to use: said once, up front.
        if let Some(refusal) = config
            .template
            .as_ref()
            .and_then(|name| self.project.templates().get(name))
            .and_then(|used| used.refusal())
        {
            reporter.diagnostic(&refusal);
            return Err(exit::USAGE);
        }
        if let Some(target) = &self.target {
            // Outputs never overwrite inputs: checked for every publication named,
            // whichever shard this run keeps.
            let folders: Vec<PathBuf> = config
                .paths
                .iter()
                .filter(|p| p.is_dir())
                .cloned()
                .collect();
            let overlaps = target.out.overlaps(&jobs, &folders, self.root());
            if !overlaps.is_empty() {
                for message in overlaps {
                    reporter.diagnostic(&Diagnostic::error(Code::Usage, message));
                }
                return Err(exit::USAGE);
            }
        }
        let conflicts = discover::conflicts(&jobs);
        if !conflicts.is_empty() {
            for diagnostic in &conflicts {
                reporter.diagnostic(diagnostic);
            }
            return Err(exit::FAILED);
        }
        Ok(match config.shard {
            Some((k, n)) => discover::shard(jobs, k, n),
            None => jobs,
        })
    }

    /// Builds (or checks) `jobs` under the output folder's lock and saves the
    /// cache (`preloaded` is the cache read before the lock, if it was);
    /// stops starting publications once `interrupt` is set. `untouched`
    /// (from `watch`) are taken as fresh unchecked, if `preloaded` is the
    /// cache the folder still holds.
    fn pass(
        &mut self,
        jobs: &[Job],
        started: Instant,
        interrupt: &AtomicBool,
        preloaded: Option<Preloaded>,
        untouched: Option<&Untouched>,
    ) -> Passed {
        // The lock is held until the pass (and its last cache save) is over.
        let _lock = match &mut self.target {
            Some(target) => match take_output_folder(target, &self.reporter) {
                Ok(lock) => Some(lock),
                Err(code) => {
                    return Passed {
                        code,
                        kept: None,
                        settled: HashSet::new(),
                    };
                }
            },
            None => None,
        };
        // Inputs changed after this are not trusted by their stat keys.
        self.fingerprinter = self.fingerprinter.renew();
        let (totals, kept, settled) = self.all(jobs, started, interrupt, preloaded, untouched);
        let code = if self.reporter.failed(&totals) {
            exit::FAILED
        } else {
            exit::OK
        };
        Passed {
            code,
            kept,
            settled,
        }
    }

    fn all(
        &self,
        jobs: &[Job],
        started: Instant,
        interrupt: &AtomicBool,
        preloaded: Option<Preloaded>,
        untouched: Option<&Untouched>,
    ) -> (report::Totals, Option<Preloaded>, HashSet<String>) {
        // What another build may have changed since the last pass is not known.
        let untouched = untouched.filter(|_| {
            let current = |t: &Target| {
                preloaded
                    .as_ref()
                    .is_some_and(|p| p.is_current(t.out.given()))
            };
            self.target.as_ref().is_some_and(current)
        });
        let store = self
            .target
            .as_ref()
            .map(|t| self.open_cache(&t.out, preloaded));
        let settled = Mutex::new(HashSet::new());
        let stop = AtomicBool::new(false);
        self.reporter.begin(jobs.len());
        // N workers take publications in order from a shared index: exactly N
        // are in flight, in input order, so `-j 1 --fail-fast` stops where
        // the first failure is.
        let next = AtomicUsize::new(0);
        let work = || {
            while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                let outcome = if stop.load(Ordering::Relaxed) || interrupt.load(Ordering::Relaxed) {
                    Outcome {
                        file: job.source.clone(),
                        status: Status::Skipped,
                        outputs: Vec::new(),
                        diagnostics: Vec::new(),
                        elapsed: Default::default(),
                    }
                } else {
                    let untouched = untouched.is_some_and(|u| u.contains(&job.stem));
                    self.one(job, store.as_ref(), untouched)
                };
                let denied = self.config.deny_warnings && outcome.warnings() > 0;
                if matches!(outcome.status, Status::Built | Status::Fresh)
                    && !denied
                    && let Ok(mut settled) = settled.lock()
                {
                    settled.insert(job.stem.clone());
                }
                if (outcome.status == Status::Failed || denied) && self.config.fail_fast {
                    stop.store(true, Ordering::Relaxed);
                }
                self.reporter.outcome(&outcome);
            }
        };
        std::thread::scope(|scope| {
            // Never more workers than publications.
            for _ in 0..self.config.jobs.min(jobs.len()) {
                let spawned = std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, work);
                if spawned.is_err() {
                    work();
                }
            }
        });
        let mut kept = None;
        if let (Some(target), Some(store)) = (&self.target, store) {
            let scope: Vec<String> = self
                .config
                .paths
                .iter()
                .filter_map(|path| self.root().relative(path))
                .collect();
            stale::sweep(
                &store,
                &target.out,
                self.root(),
                &self.reporter,
                target.config.prune,
                untouched,
                &scope,
            );
            if let Err(err) = store.save() {
                self.reporter.diagnostic(&Diagnostic::warning(
                    Code::Io,
                    format!(
                        "cannot write the build cache in `{}`: {err}",
                        target.out.given().display()
                    ),
                ));
            }
            let out = target.out.given();
            kept = store.into_saved().map(|cache| Preloaded::kept(out, cache));
        }
        let settled = settled.into_inner().unwrap_or_default();
        (self.reporter.finish(started.elapsed()), kept, settled)
    }

    /// Loads the cache of `out` (or takes `preloaded`, if still current);
    /// one that fails validation is discarded whole, with one warning.
    fn open_cache<'a>(&self, out: &'a OutDir, preloaded: Option<Preloaded>) -> Store<'a> {
        let warn = |message: String| {
            self.reporter
                .diagnostic(&Diagnostic::warning(Code::Io, message).hint(
                    "outputs it alone proves are not replaced: \
                 move them away if a publication fails with output-conflict",
                ));
        };
        match Cache::load_locked(out.given(), preloaded) {
            Ok(Some(cache)) => Store::new(out, cache, true, warn),
            Ok(None) => {
                let old = out.file(cache::OLD_CACHE_FILE);
                if std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_file()) {
                    self.reporter.note(&format!(
                        "{:>9} `{}` is the build cache of an older briefpress: every publication \
                         is built once, and the outputs it records are replaced as briefpress's own; \
                         delete it once every publication has built",
                        "Note",
                        old.display()
                    ));
                }
                Store::new(out, Cache::default(), false, warn)
            }
            Err(why) => {
                self.reporter.diagnostic(
                    &Diagnostic::warning(
                        Code::Io,
                        format!(
                            "ignoring the build cache `{}`: {why}",
                            out.file(cache::CACHE_FILE).display()
                        ),
                    )
                    .hint("every publication is rebuilt and the cache written anew"),
                );
                Store::new(out, Cache::default(), false, warn)
            }
        }
    }

    fn root(&self) -> &ProjectRoot {
        self.project.root()
    }

    /// Processes one publication; a built one's cache entry goes to `store`.
    /// `untouched`: fresh if its entry is there, without looking at its files.
    fn one(&self, job: &Job, store: Option<&Store>, untouched: bool) -> Outcome {
        let started = Instant::now();
        let source = job.source.clone();
        let mut outcome = Outcome {
            file: source.clone(),
            status: Status::Failed,
            outputs: Vec::new(),
            diagnostics: Vec::new(),
            elapsed: Default::default(),
        };
        if let (Some(target), Some(store)) = (&self.target, store)
            && !target.config.force
            && let Some(mut entry) = store.entry(&job.stem)
            && let Some((touched, inputs)) = if untouched
                && entry.source == source
                && !(self.config.deny_warnings && entry.warnings > 0)
            {
                Some((Vec::new(), None))
            } else {
                self.is_fresh(&entry, job, &source, target)
            }
        {
            if !touched.is_empty() || inputs.is_some() {
                // Same bytes, new time or stat key: remember them so the next check is cheap.
                for (i, mtime) in touched {
                    entry.outputs[i].mtime = mtime;
                }
                if let Some(inputs) = inputs {
                    entry.inputs = inputs;
                }
                store.record(&job.stem, entry.clone());
            }
            outcome.status = Status::Fresh;
            outcome.outputs = entry
                .outputs
                .iter()
                .map(|o| display(&target.out.file(&o.path)))
                .collect();
            outcome.elapsed = started.elapsed();
            return outcome;
        }
        let uses = load::TemplateUse {
            replacing: self.config.template.as_deref(),
            // The PDF imports `brief` to read the contract of any template.
            also: (self.renderers.iter().any(|r| r.extension() == "pdf"))
                .then_some(template::DEFAULT),
        };
        let loaded = load::load_for(&self.project, &job.input, &self.config.load, uses);
        // A cause many publications share is reported once per pass; each
        // of them carries a short reference to it.
        for cause in &loaded.shared {
            self.reporter.once(cause);
        }
        outcome.diagnostics = loaded.diagnostics;
        if let Some(mut publication) = loaded.publication {
            if let Some(template) = &self.config.template {
                publication.template = template.clone();
            }
            let entry = self.render(job, publication, &mut outcome, store);
            if let (Some(entry), Some(store)) = (entry, store) {
                store.record(&job.stem, entry);
            }
        }
        outcome.elapsed = started.elapsed();
        outcome
    }

    /// Which renderer writes which edition, in output order: a renderer
    /// with editions once per edition, any other once.
    fn slots(&self, editions: &[Edition]) -> Vec<(&dyn Renderer, Edition)> {
        let mut slots = Vec::new();
        for renderer in &self.renderers {
            if renderer.has_editions() {
                slots.extend(editions.iter().map(|e| (renderer.as_ref(), *e)));
            } else {
                slots.push((renderer.as_ref(), Edition::Standard));
            }
        }
        slots
    }

    /// The output names for `stem` in `editions`: every main output, then
    /// the side outputs.
    fn output_names(&self, stem: &str, editions: &[Edition]) -> Vec<String> {
        let slots = self.slots(editions);
        let main = slots
            .iter()
            .map(|(r, e)| render::output_name(stem, *e, r.extension()));
        let side = slots.iter().flat_map(|(r, e)| {
            r.side_extensions()
                .iter()
                .map(move |x| render::output_name(stem, *e, x))
        });
        main.chain(side).collect()
    }

    /// The editions to build of `publication`: the command line's, else the
    /// publication's, else the standard one.
    fn editions_of(&self, publication: &Publication) -> Vec<Edition> {
        let mut editions = match &self.config.render.editions {
            Some(editions) => editions.clone(),
            None if publication.editions.is_empty() => vec![Edition::Standard],
            None => publication.editions.clone(),
        };
        editions.sort();
        editions
    }

    /// The editions a cache entry's outputs were built in (the publication's
    /// own choice is part of its fingerprinted TOML).
    fn recorded_editions(&self, stem: &str, recorded: &[&str]) -> Vec<Edition> {
        if let Some(editions) = &self.config.render.editions {
            return editions.clone();
        }
        Edition::ALL
            .into_iter()
            .filter(|e| {
                self.renderers.iter().any(|r| {
                    r.has_editions()
                        && recorded.contains(&render::output_name(stem, *e, r.extension()).as_str())
                })
            })
            .collect()
    }

    /// Whether `entry` still describes `job`'s outputs: the same publication,
    /// the outputs this run would write, each the file recorded, and inputs
    /// that are unchanged, and (under `--deny-warnings`) no warnings when it
    /// was built. `Some` lists outputs whose time changed but whose bytes did
    /// not, and the inputs' new stat keys if they changed.
    fn is_fresh(
        &self,
        entry: &Entry,
        job: &Job,
        source: &str,
        target: &Target,
    ) -> Option<(Touched, Option<Vec<cache::Input>>)> {
        // A publication with warnings is never fresh under --deny-warnings:
        // built again, its warnings are reported and fail the run again.
        if self.config.deny_warnings && entry.warnings > 0 {
            return None;
        }
        let recorded: Vec<&str> = entry.outputs.iter().map(|o| o.path.as_str()).collect();
        let editions = self.recorded_editions(&job.stem, &recorded);
        if entry.source != source || recorded != self.output_names(&job.stem, &editions) {
            return None;
        }
        let mut touched = Vec::new();
        for (i, output) in entry.outputs.iter().enumerate() {
            match target.out.recorded(output) {
                Recorded::Unchanged => {}
                Recorded::Touched(mtime) => touched.push((i, mtime)),
                Recorded::Changed => return None,
            }
        }
        let inputs = self
            .fingerprinter
            .check(entry, &self.template_hash(&entry.template))?;
        Some((touched, inputs))
    }

    /// Renders every format, then writes all outputs together (or none).
    fn render(
        &self,
        job: &Job,
        publication: Publication,
        outcome: &mut Outcome,
        store: Option<&Store>,
    ) -> Option<Entry> {
        let editions = self.editions_of(&publication);
        let rendered = self.render_outputs(&publication, &editions, outcome);
        let Some(target) = &self.target else {
            outcome.status = match rendered {
                Some(_) => Status::Checked,
                None => Status::Failed,
            };
            return None;
        };
        let (rendered, reads) = rendered?;
        let inputs = self.inputs_of(&publication, reads);
        let names = self.output_names(&job.stem, &editions);
        if let Some(refusal) = self.refuse_overwrite(&names, &inputs, &target.out) {
            outcome.diagnostics.push(refusal);
            return None;
        }
        let old = store.and_then(|s| s.entry(&job.stem));
        // Every file an earlier build wrote counts, not only the last build's.
        let known: Vec<Output> = old.iter().flat_map(Entry::records).cloned().collect();
        let legacy = || {
            store?.legacy(|why| {
                self.reporter.diagnostic(&Diagnostic::warning(
                    Code::Io,
                    format!(
                        "ignoring the old build cache `{}`: {why}",
                        target.out.file(cache::OLD_CACHE_FILE).display()
                    ),
                ));
            })
        };
        let unproven = claim::unproven(&target.out, &job.stem, &names, &rendered, &known, &legacy);
        if !unproven.is_empty() {
            outcome
                .diagnostics
                .push(claim::conflict(&target.out, &unproven));
            return None;
        }
        let owner = store::Owner {
            stem: &job.stem,
            source: &publication.source,
            template: &publication.template,
        };
        let outputs = self.write_outputs(&target.out, &owner, names, &rendered, outcome, store)?;
        // What its own `editions` asks for decides which earlier outputs are stale.
        let own_editions = if publication.editions.is_empty() {
            vec![Edition::Standard]
        } else {
            publication.editions.clone()
        };
        let (earlier, stale) = stale::remembered(
            &target.out,
            &job.stem,
            old.as_ref(),
            &outputs,
            &own_editions,
        );
        let template_hash = self.template_hash(&publication.template);
        let recorded = self
            .fingerprinter
            .record(&inputs, &template_hash)
            .unwrap_or_else(|unreadable| {
                outcome.diagnostics.push(
                    Diagnostic::warning(
                        Code::Io,
                        format!(
                            "{}: a file it reads was removed or replaced while it was built",
                            publication.source
                        ),
                    )
                    .hint("its outputs are written as built; the next build builds it again"),
                );
                unreadable
            });
        Some(Entry {
            source: publication.source.clone(),
            template: publication.template.clone(),
            inputs: recorded.inputs,
            outputs,
            earlier,
            stale,
            setup: recorded.setup,
            fingerprint: recorded.fingerprint,
            warnings: outcome.warnings(),
        })
    }

    /// Every output of `publication` in `editions`, in the order of
    /// [`Run::output_names`], and the project files the renderers read; `None`
    /// when any renderer failed (its diagnostics are in `outcome`).
    fn render_outputs(
        &self,
        publication: &Publication,
        editions: &[Edition],
        outcome: &mut Outcome,
    ) -> Option<(Vec<Vec<u8>>, Vec<String>)> {
        let Some(template) = self.project.templates().get(&publication.template) else {
            outcome.diagnostics.push(missing_template(publication));
            return None;
        };
        let mut main: Vec<Vec<u8>> = Vec::new();
        let mut side: Vec<Vec<u8>> = Vec::new();
        let mut reads: Vec<String> = Vec::new();
        let mut failed = false;
        let language = Language::of(publication);
        let render = |(renderer, edition): (&dyn Renderer, Edition)| {
            let cx = RenderContext {
                template: &template,
                edition,
                language: &language,
            };
            renderer.render(publication, &cx)
        };
        // The formats are independent: while a core is spare (a single
        // changed publication, the end of a batch) they are rendered side by
        // side, so the publication takes the time of its PDF, not of all
        // formats one after the other. Results are taken in slot order.
        let busy = Busy::enter(&self.rendering);
        let side_by_side = busy.count < self.config.jobs;
        let results: Vec<Result<render::Rendered, Vec<Diagnostic>>> = std::thread::scope(|scope| {
            let mut slots = self.slots(editions).into_iter();
            let first = slots.next();
            let others: Vec<_> = slots
                .map(|slot| {
                    if !side_by_side {
                        return Err(slot);
                    }
                    std::thread::Builder::new()
                        .stack_size(WORKER_STACK)
                        .spawn_scoped(scope, move || render(slot))
                        .map_err(|_| slot)
                })
                .collect();
            first
                .map(render)
                .into_iter()
                .chain(others.into_iter().map(|spawned| match spawned {
                    Ok(handle) => handle.join().unwrap_or_else(|_| {
                        Err(vec![Diagnostic::error(
                            Code::Internal,
                            "a renderer crashed; please report this with the publication",
                        )])
                    }),
                    Err(slot) => render(slot),
                }))
                .collect()
        });
        drop(busy);
        let mut merged = editions::Merged::default();
        let several = editions.len() > 1;
        for ((_, edition), result) in self.slots(editions).into_iter().zip(results) {
            match result {
                Ok(result) => {
                    merged.add(result.warnings, edition, several);
                    reads.extend(result.reads);
                    main.push(result.bytes);
                    side.extend(result.side);
                }
                Err(diagnostics) => {
                    merged.add(diagnostics, edition, several);
                    failed = true;
                }
            }
        }
        outcome.diagnostics.extend(merged.into_vec());
        (!failed).then(|| (main.into_iter().chain(side).collect(), reads))
    }

    /// What the outputs depend on, root-relative: the publication's own
    /// files, then what typst read for it that exists on disk (built-in
    /// template files change only with the binary).
    fn inputs_of(&self, publication: &Publication, reads: Vec<String>) -> Vec<String> {
        // As named: a path through a symlink stays one, so that the
        // symlink's target is looked at again on every run.
        let named = |path: &PathBuf| match path.strip_prefix(self.root().dir()) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => self.root().display(path),
        };
        let mut seen = HashSet::new();
        let mut inputs: Vec<String> = Vec::with_capacity(publication.inputs.len());
        for input in publication.inputs.iter().map(named) {
            if seen.insert(input.clone()) {
                inputs.push(input);
            }
        }
        for read in reads {
            if !seen.contains(&read) && self.root().dir().join(&read).is_file() {
                seen.insert(read.clone());
                inputs.push(read);
            }
        }
        inputs
    }

    /// Writes `rendered` under `names` as one group (all or none), journaled
    /// in `store` first, and returns what the cache records of each file.
    fn write_outputs(
        &self,
        out: &OutDir,
        owner: &store::Owner,
        names: Vec<String>,
        rendered: &[Vec<u8>],
        outcome: &mut Outcome,
        store: Option<&Store>,
    ) -> Option<Vec<Output>> {
        let written = match store {
            Some(store) => store.write(owner, &names, rendered),
            None => {
                let files: Vec<(PathBuf, &[u8])> = names
                    .iter()
                    .zip(rendered)
                    .map(|(name, bytes)| (out.file(name), bytes.as_slice()))
                    .collect();
                write::write_group(&files).map(|written| {
                    names
                        .iter()
                        .zip(rendered)
                        .zip(written)
                        .map(|((name, bytes), written)| Output::new(name.clone(), bytes, written))
                        .collect()
                })
            }
        };
        match written {
            Ok(outputs) => {
                outcome.status = Status::Built;
                outcome.outputs = names.iter().map(|name| display(&out.file(name))).collect();
                Some(outputs)
            }
            Err(err) => {
                outcome.diagnostics.push(Diagnostic::error(
                    Code::Io,
                    format!("cannot write `{}`: {}", err.path.display(), err.error),
                ));
                None
            }
        }
    }

    /// Outputs never overwrite inputs: refuses a publication that reads a
    /// file inside `--out` (where this or another publication's output may
    /// land, and `--prune` may delete), or a target that a symlinked folder
    /// leads out of `--out`.
    fn refuse_overwrite(
        &self,
        names: &[String],
        inputs: &[String],
        out: &OutDir,
    ) -> Option<Diagnostic> {
        for input in inputs {
            let path = self.root().dir().join(input);
            if out.contains(&path) {
                return Some(
                    Diagnostic::error(
                        Code::OutputConflict,
                        format!(
                            "this publication reads `{input}`, which is inside the output folder `{}`; \
                             a build may overwrite it",
                            out.given().display()
                        ),
                    )
                    .hint("move the file out of the output folder, or choose another --out"),
                );
            }
        }
        for name in names {
            if let Some(why) = out.blocked(name) {
                return Some(Diagnostic::error(Code::OutputConflict, why));
            }
        }
        None
    }

    /// Hash of every file of template `name` (resolved once per run); a
    /// template that no longer exists hashes as an empty one.
    fn template_hash(&self, name: &str) -> blake3::Hash {
        self.project
            .templates()
            .get(name)
            .map_or_else(|| project_digest::files(std::iter::empty()), |t| t.hash)
    }
}

/// Outputs whose modification time changed but whose bytes did not: index and new time.
type Touched = Vec<(usize, (i64, u32))>;

/// The renderers of `config` for `project`, and the fingerprinter of their
/// options (the project's fonts among them).
fn engine(config: &BuildConfig, project: &Arc<Project>) -> (Vec<Box<dyn Renderer>>, Fingerprinter) {
    let mut options = format!(
        "formats={:?};pdf={:?};template={:?};emit={};fonts={}",
        config.render.formats,
        config.render.pdf_profile,
        config.template,
        config.render.emit_typst,
        project.fonts().hash,
    );
    if let Some(editions) = &config.render.editions {
        options.push_str(&format!(";editions={editions:?}"));
    }
    if let Some(hash) = project.settings().hash() {
        options.push_str(&format!(";settings={hash}"));
    }
    (
        render::renderers(&config.render, project),
        Fingerprinter::new(
            project.root().clone(),
            &options,
            config.load.max_file_size,
            cache::Stamp::now(),
        ),
    )
}

/// A publication names a template that neither the project nor the binary has.
fn missing_template(publication: &Publication) -> Diagnostic {
    Diagnostic::error(
        Code::Template,
        format!(
            "{}: template `{}` not found",
            publication.source, publication.template
        ),
    )
    .hint(format!(
        "create templates/{}/{} or remove `template` to use the built-in \"{}\"",
        publication.template,
        template::ENTRY,
        template::DEFAULT
    ))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
