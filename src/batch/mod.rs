//! The batch: discover publications, plan, render in parallel, write atomically, report.
//!
//! Orchestration lives here and only here: renderers map a model to bytes,
//! this module decides what to build, in which order, on how many threads,
//! what is fresh, and where bytes land. One broken publication is reported
//! and the batch goes on; the exit code is decided at the end.

pub mod cache;
pub mod discover;
pub mod lock;
pub mod outdir;
pub mod report;
pub mod store;
pub mod untrusted;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::cli::{BuildArgs, CheckArgs, CommonArgs, Format};
use crate::diag::{Code, Diagnostic};
use crate::load::{self, LoadOptions};
use crate::model::Publication;
use crate::project::root::ProjectRoot;
use crate::project::template::{self, TemplateSource};
use crate::render::Renderer;
use crate::render::epub::EpubRenderer;
use crate::render::pdf::world::{TypstEngine, font_files, fonts_under};
use crate::render::pdf::{PdfProfile, PdfRenderer};
use cache::{Cache, Entry, Fingerprinter, Output, TYPST_EXTENSION};
use discover::Job;
use lock::LockError;
use outdir::{OutDir, Recorded};
use report::{Outcome, Reporter, Status};
use store::Store;

/// Process exit codes (documented in `--help` and the README).
pub mod exit {
    /// Everything built or checked.
    pub const OK: u8 = 0;
    /// At least one publication failed.
    pub const FAILED: u8 = 1;
    /// Nothing was started: bad usage, overlapping folders, or a busy output folder.
    pub const USAGE: u8 = 2;
}

/// What `build` adds to a run: where outputs go and how.
struct Target {
    out: OutDir,
    force: bool,
    prune: bool,
    emit_typst: bool,
    wait: bool,
}

/// What a run does with each publication once it is loaded.
enum Mode {
    /// Render and write outputs, with the incremental cache.
    Build(Target),
    /// Render in memory only, to validate content and templates.
    Check,
}

/// Everything a run needs, resolved and validated before work starts.
struct Run {
    root: ProjectRoot,
    mode: Mode,
    formats: Vec<Format>,
    template: Option<String>,
    fail_fast: bool,
    load: LoadOptions,
    reporter: Reporter,
    /// Built on first use, so EPUB-only runs never load fonts.
    pdf: OnceLock<PdfRenderer>,
    profile: PdfProfile,
    epub: EpubRenderer,
    fingerprinter: Fingerprinter,
    template_hashes: Mutex<HashMap<String, blake3::Hash>>,
    /// `--font-path` folders.
    font_paths: Vec<PathBuf>,
    /// Publications in flight at once (typst's own parallelism is separate).
    threads: usize,
}

/// `briefpress build`: returns the exit code.
pub fn build(args: BuildArgs) -> u8 {
    let mut formats = args.format.clone();
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        formats = vec![Format::Pdf, Format::Epub];
    }
    let reporter = Reporter::new(args.common.message_format, "Built");
    let out = match OutDir::resolve(&args.out) {
        Ok(out) => out,
        Err(message) => return usage(&reporter, message),
    };
    let mode = Mode::Build(Target {
        out,
        force: args.force,
        prune: args.prune,
        emit_typst: args.emit_typst,
        wait: !args.no_wait,
    });
    execute(&args.common, mode, formats, args.pdf_standard, reporter)
}

/// `briefpress check`: returns the exit code.
pub fn check(args: CheckArgs) -> u8 {
    let reporter = Reporter::new(args.common.message_format, "Checked");
    execute(
        &args.common,
        Mode::Check,
        vec![Format::Pdf, Format::Epub],
        PdfProfile::default(),
        reporter,
    )
}

/// Reports a problem that stops the run before it starts; returns exit code 2.
fn usage(reporter: &Reporter, message: String) -> u8 {
    reporter.diagnostic(&Diagnostic::error(Code::Usage, message));
    exit::USAGE
}

fn execute(
    common: &CommonArgs,
    mut mode: Mode,
    formats: Vec<Format>,
    profile: PdfProfile,
    reporter: Reporter,
) -> u8 {
    let started = Instant::now();
    let (root, jobs) = match plan(common, &mode, &reporter) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    // The lock is held until the run (and its last cache save) is over.
    let _lock = match &mut mode {
        Mode::Build(target) => match take_output_folder(target, &reporter) {
            Ok(lock) => Some(lock),
            Err(code) => return code,
        },
        Mode::Check => None,
    };
    let threads = common
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let emit_typst = matches!(
        mode,
        Mode::Build(Target {
            emit_typst: true,
            ..
        })
    );
    let options = format!(
        "formats={formats:?};pdf={profile:?};template={:?};emit={emit_typst};fonts={}",
        common.template,
        fonts_hash(&root, &common.font_paths),
    );
    let max_file_size = common.max_file_size.saturating_mul(1024 * 1024);
    let run = Run {
        pdf: OnceLock::new(),
        profile,
        epub: EpubRenderer::new(root.clone()),
        fingerprinter: Fingerprinter::new(root.clone(), &options, max_file_size),
        root,
        mode,
        formats,
        template: common.template.clone(),
        fail_fast: common.fail_fast,
        font_paths: common.font_paths.clone(),
        load: LoadOptions {
            max_file_size,
            max_image_pixels: common.max_image_pixels.saturating_mul(1_000_000),
            ..LoadOptions::default()
        },
        reporter,
        template_hashes: Mutex::new(HashMap::new()),
        threads,
    };
    let totals = run.all(&jobs, started);
    if totals.failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// Resolves the root and the publications of this run (sharded), or the exit
/// code of a usage error or output conflict, reported before any work starts.
fn plan(
    common: &CommonArgs,
    mode: &Mode,
    reporter: &Reporter,
) -> Result<(ProjectRoot, Vec<Job>), u8> {
    let usage = |message: String| usage(reporter, message);
    let root = std::env::current_dir()
        .and_then(|dir| ProjectRoot::new(&dir))
        .map_err(|err| {
            usage(format!(
                "cannot use the current folder as project root: {err}"
            ))
        })?;
    let jobs = discover::discover(&common.paths, &root).map_err(usage)?;
    if jobs.is_empty() {
        let paths: Vec<String> = common
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(usage(format!(
            "no publications (*.toml) found in {}",
            paths.join(", ")
        )));
    }
    if let Some(name) = &common.template
        && template::locate(root.dir(), name).is_none()
    {
        return Err(usage(format!(
            "--template {name}: no templates/{name}/{} in the project",
            template::ENTRY
        )));
    }
    if let Mode::Build(target) = mode {
        // Outputs never overwrite inputs: checked for every publication named,
        // whichever shard this run keeps.
        let folders: Vec<PathBuf> = common
            .paths
            .iter()
            .filter(|p| p.is_dir())
            .cloned()
            .collect();
        let overlaps = target.out.overlaps(&jobs, &folders, &root);
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
    let jobs = match common.shard {
        Some((k, n)) => discover::shard(jobs, k, n),
        None => jobs,
    };
    Ok((root, jobs))
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
    let held = lock::lock(target.out.given(), target.wait, waiting).map_err(|err| match err {
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

/// Fonts are part of every output: embedded ones change only with the binary
/// (which is versioned), the project's are hashed here.
/// The hash of every font a PDF may use besides the built-in ones: the
/// project's and those under `--font-path`.
fn fonts_hash(root: &ProjectRoot, font_paths: &[PathBuf]) -> blake3::Hash {
    let fonts: Vec<(String, Vec<u8>)> = font_files(root)
        .iter()
        .map(|p| (root.display(p), p))
        .chain(
            fonts_under(font_paths)
                .iter()
                .map(|p| (p.display().to_string(), p)),
        )
        .filter_map(|(name, p)| Some((name, std::fs::read(p).ok()?)))
        .collect();
    cache::hash_files(fonts.iter().map(|(n, d)| (n.clone(), d.as_slice())))
}

impl Run {
    fn all(&self, jobs: &[Job], started: Instant) -> report::Totals {
        let store = match &self.mode {
            Mode::Build(target) => Some(self.open_cache(&target.out)),
            Mode::Check => None,
        };
        let stop = AtomicBool::new(false);
        // N workers take publications in order from a shared index: exactly N
        // are in flight, in input order, so `-j 1 --fail-fast` stops where
        // the first failure is.
        let next = AtomicUsize::new(0);
        let work = || {
            while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                let outcome = if stop.load(Ordering::Relaxed) {
                    Outcome {
                        file: self.root.display(&job.input),
                        status: Status::Skipped,
                        outputs: Vec::new(),
                        diagnostics: Vec::new(),
                        elapsed: Default::default(),
                    }
                } else {
                    self.one(job, store.as_ref())
                };
                if outcome.status == Status::Failed && self.fail_fast {
                    stop.store(true, Ordering::Relaxed);
                }
                self.reporter.outcome(&outcome);
            }
        };
        std::thread::scope(|scope| {
            // Never more workers than publications.
            for _ in 0..self.threads.min(jobs.len()) {
                // typst recurses deeply on nested content: give workers a main-thread-sized stack.
                let spawned = std::thread::Builder::new()
                    .stack_size(8 * 1024 * 1024)
                    .spawn_scoped(scope, work);
                if spawned.is_err() {
                    work();
                }
            }
        });
        if let (Mode::Build(target), Some(store)) = (&self.mode, &store) {
            self.stale(store, &target.out, target.prune);
            if let Err(err) = store.save() {
                self.reporter.diagnostic(&Diagnostic::warning(
                    Code::Io,
                    format!(
                        "cannot write the build cache in `{}`: {err}",
                        target.out.given().display()
                    ),
                ));
            }
        }
        self.reporter.finish(started.elapsed())
    }

    /// Loads the cache of `out`; one that fails validation is discarded whole, with one warning.
    fn open_cache<'a>(&self, out: &'a OutDir) -> Store<'a> {
        match Cache::load(out.given()) {
            Ok(Some(cache)) => Store::new(out, cache, true),
            Ok(None) => Store::new(out, Cache::default(), false),
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
                Store::new(out, Cache::default(), false)
            }
        }
    }

    fn pdf(&self) -> &PdfRenderer {
        self.pdf.get_or_init(|| {
            let engine = TypstEngine::with_fonts(
                self.root.clone(),
                self.load.max_image_pixels,
                &self.font_paths,
            );
            PdfRenderer::new(engine, self.profile)
        })
    }

    /// Processes one publication; a built one's cache entry goes to `store`.
    fn one(&self, job: &Job, store: Option<&Store>) -> Outcome {
        let started = Instant::now();
        let source = self.root.display(&job.input);
        let mut outcome = Outcome {
            file: source.clone(),
            status: Status::Failed,
            outputs: Vec::new(),
            diagnostics: Vec::new(),
            elapsed: Default::default(),
        };
        if let (Mode::Build(target), Some(store)) = (&self.mode, store)
            && !target.force
            && let Some(mut entry) = store.entry(&job.stem)
            && let Some(touched) = self.is_fresh(&entry, job, &source, target)
        {
            if !touched.is_empty() {
                // Same bytes, new time: remember the time so the next check is cheap.
                for (i, mtime) in touched {
                    entry.outputs[i].mtime = mtime;
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
        let loaded = load::load(&self.root, &job.input, &self.load);
        outcome.diagnostics = loaded.diagnostics;
        if let Some(mut publication) = loaded.publication {
            if let Some(template) = &self.template {
                publication.template = template.clone();
            }
            let entry = self.render(job, publication, &mut outcome);
            if let (Some(entry), Some(store)) = (entry, store) {
                store.record(&job.stem, entry);
            }
        }
        outcome.elapsed = started.elapsed();
        outcome
    }

    /// The output names this run writes for `stem`.
    fn output_names(&self, stem: &str, emit_typst: bool) -> Vec<String> {
        let mut names: Vec<String> = self
            .formats
            .iter()
            .map(|format| format!("{stem}.{}", format.extension()))
            .collect();
        if emit_typst {
            names.push(format!("{stem}.{TYPST_EXTENSION}"));
        }
        names
    }

    /// Whether `entry` still describes `job`'s outputs: the same publication,
    /// the outputs this run would write, each the file recorded, and inputs
    /// that hash to the same fingerprint. `Some` lists outputs whose time
    /// changed but whose bytes did not.
    fn is_fresh(
        &self,
        entry: &Entry,
        job: &Job,
        source: &str,
        target: &Target,
    ) -> Option<Vec<(usize, (i64, u32))>> {
        let recorded: Vec<&str> = entry.outputs.iter().map(|o| o.path.as_str()).collect();
        if entry.source != source || recorded != self.output_names(&job.stem, target.emit_typst) {
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
        let fingerprint = self
            .fingerprinter
            .fingerprint(&entry.inputs, &self.template_hash(&entry.template))?;
        (fingerprint == entry.fingerprint).then_some(touched)
    }

    /// Renders every format, then writes all outputs together (or none).
    fn render(&self, job: &Job, publication: Publication, outcome: &mut Outcome) -> Option<Entry> {
        let mut rendered: Vec<Vec<u8>> = Vec::new();
        let mut reads: Vec<String> = Vec::new();
        let mut failed = false;
        for format in &self.formats {
            let renderer: &dyn Renderer = match format {
                Format::Pdf => self.pdf(),
                Format::Epub => &self.epub,
            };
            match renderer.render(&publication) {
                Ok(result) => {
                    outcome.diagnostics.extend(result.warnings);
                    reads.extend(result.reads);
                    rendered.push(result.bytes);
                }
                Err(diagnostics) => {
                    outcome.diagnostics.extend(diagnostics);
                    failed = true;
                }
            }
        }
        let Mode::Build(target) = &self.mode else {
            outcome.status = if failed {
                Status::Failed
            } else {
                Status::Built
            };
            return None;
        };
        if failed {
            return None;
        }
        if target.emit_typst {
            rendered.push(self.pdf().source(&publication).into_bytes());
        }
        // What the publication read, then what typst read for it that exists on
        // disk (built-in template files change only with the binary).
        let mut inputs: Vec<String> = publication
            .inputs
            .iter()
            .map(|p| self.root.display(p))
            .collect();
        for read in reads {
            if !inputs.contains(&read) && self.root.dir().join(&read).is_file() {
                inputs.push(read);
            }
        }
        let names = self.output_names(&job.stem, target.emit_typst);
        if let Some(refusal) = self.refuse_overwrite(&names, &inputs, &target.out) {
            outcome.diagnostics.push(refusal);
            return None;
        }
        let files: Vec<(PathBuf, &[u8])> = names
            .iter()
            .zip(&rendered)
            .map(|(name, bytes)| (target.out.file(name), bytes.as_slice()))
            .collect();
        let written = match write::write_group(&files) {
            Ok(written) => written,
            Err(err) => {
                outcome.diagnostics.push(Diagnostic::error(
                    Code::Io,
                    format!("cannot write `{}`: {}", err.path.display(), err.error),
                ));
                return None;
            }
        };
        outcome.status = Status::Built;
        outcome.outputs = files.iter().map(|(path, _)| display(path)).collect();
        let outputs = names
            .into_iter()
            .zip(&rendered)
            .zip(written)
            .map(|((name, bytes), written)| Output::new(name, bytes, written))
            .collect();
        let template_hash = self.template_hash(&publication.template);
        let fingerprint = self.fingerprinter.fingerprint(&inputs, &template_hash)?;
        Some(Entry {
            source: publication.source.clone(),
            template: publication.template.clone(),
            inputs,
            outputs,
            fingerprint,
        })
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
            let path = self.root.dir().join(input);
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
            if !out.holds(name) {
                return Some(Diagnostic::error(
                    Code::OutputConflict,
                    format!(
                        "`{}` is behind a symlink that leads out of the output folder `{}`; refusing to write it",
                        out.file(name).display(),
                        out.given().display()
                    ),
                ));
            }
        }
        None
    }

    /// Hash of every file of template `name`, computed once per run.
    fn template_hash(&self, name: &str) -> blake3::Hash {
        let compute = || match template::locate(self.root.dir(), name) {
            Some(TemplateSource::Project) => {
                let dir = self.root.dir().join("templates").join(name);
                let files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&dir)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .filter_map(|e| {
                        let data = std::fs::read(e.path()).ok()?;
                        Some((self.root.display(e.path()), data))
                    })
                    .collect();
                cache::hash_files(files.iter().map(|(n, d)| (n.clone(), d.as_slice())))
            }
            Some(TemplateSource::BuiltIn) => {
                cache::hash_files(template::built_in_files().map(|(n, d)| (n.to_string(), d)))
            }
            None => cache::hash_files(std::iter::empty()),
        };
        match self.template_hashes.lock() {
            Ok(mut hashes) => *hashes.entry(name.to_string()).or_insert_with(compute),
            Err(_) => compute(),
        }
    }

    /// Reports outputs whose publication is gone; with `--prune`, deletes those
    /// that are provably the files briefpress wrote, and keeps (with a warning) the rest.
    fn stale(&self, store: &Store, out: &OutDir, prune: bool) {
        let gone = store.select(|entry| !self.root.dir().join(&entry.source).is_file());
        if prune {
            let stems: Vec<String> = gone.iter().map(|(stem, _)| stem.clone()).collect();
            store.remove(&stems);
        }
        for (_, entry) in gone {
            let outputs: Vec<String> = entry
                .outputs
                .iter()
                .map(|o| display(&out.file(&o.path)))
                .collect();
            let mut kept = Vec::new();
            if prune {
                for (output, shown) in entry.outputs.iter().zip(&outputs) {
                    if let Err(why) = out.remove_recorded(output) {
                        self.reporter.diagnostic(&Diagnostic::warning(
                            Code::Io,
                            format!("kept `{shown}` instead of pruning it: {why}"),
                        ));
                        kept.push(shown.clone());
                    }
                }
            }
            let action = match (prune, kept.is_empty()) {
                (false, _) => "stale",
                (true, true) => "removed",
                (true, false) => "kept",
            };
            self.reporter.note(&format!(
                "{:>9} {} ({} no longer exists{})",
                match action {
                    "stale" => "Stale",
                    "removed" => "Pruned",
                    _ => "Kept",
                },
                outputs.join(", "),
                entry.source,
                if prune {
                    ""
                } else {
                    "; run with --prune to remove"
                }
            ));
            self.reporter.event(serde_json::json!({
                "type": "stale",
                "source": entry.source,
                "outputs": outputs,
                "action": action,
            }));
        }
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
