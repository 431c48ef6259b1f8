//! The batch: discover publications, plan, render in parallel, write atomically, report.
//!
//! Orchestration lives here and only here: renderers map a model to bytes,
//! this module decides what to build, in which order, on how many threads,
//! what is fresh, and where bytes land. One broken publication is reported
//! and the batch goes on; the exit code is decided at the end.

pub mod cache;
pub mod discover;
pub mod report;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::cli::{BuildArgs, CheckArgs, CommonArgs, Format};
use crate::diag::{Code, Diagnostic};
use crate::load::paths::ProjectRoot;
use crate::load::{self, LoadOptions};
use crate::model::Publication;
use crate::render::Renderer;
use crate::render::epub::EpubRenderer;
use crate::render::pdf::world::{TypstEngine, font_files};
use crate::render::pdf::{PdfProfile, PdfRenderer};
use crate::template::{self, TemplateSource};
use cache::{Cache, Entry, Fingerprinter};
use discover::Job;
use report::{Outcome, Reporter, Status};

/// Process exit codes (documented in `--help` and the README).
pub mod exit {
    /// Everything built or checked.
    pub const OK: u8 = 0;
    /// At least one publication failed.
    pub const FAILED: u8 = 1;
    /// Bad usage: arguments or paths.
    pub const USAGE: u8 = 2;
}

/// What a run does with each publication once it is loaded.
enum Mode {
    /// Render and write outputs, with the incremental cache.
    Build {
        out: PathBuf,
        force: bool,
        prune: bool,
        emit_typst: bool,
    },
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
    let mode = Mode::Build {
        out: args.out.clone(),
        force: args.force,
        prune: args.prune,
        emit_typst: args.emit_typst,
    };
    execute(&args.common, mode, formats, args.pdf_standard, "Built")
}

/// `briefpress check`: returns the exit code.
pub fn check(args: CheckArgs) -> u8 {
    execute(
        &args.common,
        Mode::Check,
        vec![Format::Pdf, Format::Epub],
        PdfProfile::default(),
        "Checked",
    )
}

fn execute(
    common: &CommonArgs,
    mode: Mode,
    formats: Vec<Format>,
    profile: PdfProfile,
    verb: &'static str,
) -> u8 {
    let started = Instant::now();
    let reporter = Reporter::new(common.message_format, verb);
    let (root, jobs) = match plan(common, &reporter) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let threads = common
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let emit_typst = matches!(
        mode,
        Mode::Build {
            emit_typst: true,
            ..
        }
    );
    let options = format!(
        "formats={formats:?};pdf={profile:?};template={:?};emit={emit_typst};fonts={}",
        common.template,
        project_fonts_hash(&root),
    );
    let run = Run {
        pdf: OnceLock::new(),
        profile,
        epub: EpubRenderer::new(root.clone()),
        fingerprinter: Fingerprinter::new(root.dir(), &options),
        root,
        mode,
        formats,
        template: common.template.clone(),
        fail_fast: common.fail_fast,
        load: LoadOptions {
            max_file_size: common.max_file_size.saturating_mul(1024 * 1024),
            ..LoadOptions::default()
        },
        reporter,
        template_hashes: Mutex::new(HashMap::new()),
        threads: threads.max(1),
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
fn plan(common: &CommonArgs, reporter: &Reporter) -> Result<(ProjectRoot, Vec<Job>), u8> {
    let usage = |message: String| {
        reporter.diagnostic(&Diagnostic::error(Code::Usage, message));
        exit::USAGE
    };
    let root = std::env::current_dir()
        .and_then(|dir| ProjectRoot::new(&dir))
        .map_err(|err| {
            usage(format!(
                "cannot use the current folder as project root: {err}"
            ))
        })?;
    let jobs = discover::discover(&common.paths).map_err(usage)?;
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

/// Fonts are part of every output: embedded ones change only with the binary
/// (which is versioned), the project's are hashed here.
fn project_fonts_hash(root: &ProjectRoot) -> blake3::Hash {
    let fonts: Vec<(String, Vec<u8>)> = font_files(root)
        .iter()
        .filter_map(|p| Some((root.display(p), std::fs::read(p).ok()?)))
        .collect();
    cache::hash_files(fonts.iter().map(|(n, d)| (n.clone(), d.as_slice())))
}

impl Run {
    fn all(&self, jobs: &[Job], started: Instant) -> report::Totals {
        let mut cache = match &self.mode {
            Mode::Build { out, .. } => Cache::load(out),
            Mode::Check => Cache::default(),
        };
        let stop = AtomicBool::new(false);
        let entries: Mutex<Vec<(String, Entry)>> = Mutex::new(Vec::new());
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
                    let (outcome, entry) = self.one(job, &cache);
                    if let (Some(entry), Ok(mut entries)) = (entry, entries.lock()) {
                        entries.push((job.stem.clone(), entry));
                    }
                    outcome
                };
                if outcome.status == Status::Failed && self.fail_fast {
                    stop.store(true, Ordering::Relaxed);
                }
                self.reporter.outcome(&outcome);
            }
        };
        std::thread::scope(|scope| {
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
        if let Mode::Build { out, prune, .. } = &self.mode {
            for (stem, entry) in entries.into_inner().unwrap_or_default() {
                cache.entries.insert(stem, entry);
            }
            self.stale(&mut cache, out, *prune);
            if let Err(err) = cache.save(out) {
                self.reporter.diagnostic(&Diagnostic::warning(
                    Code::Io,
                    format!("cannot write the build cache in `{}`: {err}", out.display()),
                ));
            }
        }
        self.reporter.finish(started.elapsed())
    }

    fn pdf(&self) -> &PdfRenderer {
        self.pdf
            .get_or_init(|| PdfRenderer::new(TypstEngine::new(self.root.clone()), self.profile))
    }

    /// Processes one publication; returns its outcome and, when built, its cache entry.
    fn one(&self, job: &Job, cache: &Cache) -> (Outcome, Option<Entry>) {
        let started = Instant::now();
        let source = self.root.display(&job.input);
        let mut outcome = Outcome {
            file: source.clone(),
            status: Status::Failed,
            outputs: Vec::new(),
            diagnostics: Vec::new(),
            elapsed: Default::default(),
        };
        if let Mode::Build {
            out, force: false, ..
        } = &self.mode
            && let Some(entry) = cache.entries.get(&job.stem)
            && self.is_fresh(entry, &source, out)
        {
            outcome.status = Status::Fresh;
            outcome.outputs = entry
                .outputs
                .iter()
                .map(|o| display(&out.join(o)))
                .collect();
            outcome.elapsed = started.elapsed();
            return (outcome, None);
        }
        let loaded = load::load(&self.root, &job.input, &self.load);
        outcome.diagnostics = loaded.diagnostics;
        let entry = loaded.publication.and_then(|mut publication| {
            if let Some(template) = &self.template {
                publication.template = template.clone();
            }
            self.render(job, publication, &mut outcome)
        });
        outcome.elapsed = started.elapsed();
        (outcome, entry)
    }

    fn is_fresh(&self, entry: &Entry, source: &str, out: &Path) -> bool {
        entry.source == source
            && entry.outputs.iter().all(|o| out.join(o).is_file())
            && self
                .fingerprinter
                .fingerprint(&entry.inputs, &self.template_hash(&entry.template))
                .is_some_and(|fp| fp == entry.fingerprint)
    }

    /// Renders every format, then writes all outputs (or none).
    fn render(&self, job: &Job, publication: Publication, outcome: &mut Outcome) -> Option<Entry> {
        let mut rendered: Vec<(String, Vec<u8>)> = Vec::new();
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
                    rendered.push((format!("{}.{}", job.stem, format.extension()), result.bytes));
                }
                Err(diagnostics) => {
                    outcome.diagnostics.extend(diagnostics);
                    failed = true;
                }
            }
        }
        let Mode::Build {
            out, emit_typst, ..
        } = &self.mode
        else {
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
        if *emit_typst {
            let source = self.pdf().source(&publication).into_bytes();
            rendered.push((format!("{}.typ", job.stem), source));
        }
        for (name, bytes) in &rendered {
            let path = out.join(name);
            if let Err(err) = write::write_atomic(&path, bytes) {
                outcome.diagnostics.push(Diagnostic::error(
                    Code::Io,
                    format!("cannot write `{}`: {err}", path.display()),
                ));
                return None;
            }
            outcome.outputs.push(display(&path));
        }
        outcome.status = Status::Built;
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
        let template_hash = self.template_hash(&publication.template);
        let fingerprint = self.fingerprinter.fingerprint(&inputs, &template_hash)?;
        Some(Entry {
            source: publication.source.clone(),
            template: publication.template.clone(),
            inputs,
            outputs: rendered.into_iter().map(|(name, _)| name).collect(),
            fingerprint,
        })
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

    /// Reports (and with `--prune` deletes) outputs whose publication is gone.
    fn stale(&self, cache: &mut Cache, out: &Path, prune: bool) {
        let gone: Vec<String> = cache
            .entries
            .iter()
            .filter(|(_, e)| !self.root.dir().join(&e.source).is_file())
            .map(|(stem, _)| stem.clone())
            .collect();
        for stem in gone {
            let Some(entry) = cache.entries.get(&stem).cloned() else {
                continue;
            };
            let outputs: Vec<String> = entry
                .outputs
                .iter()
                .map(|o| display(&out.join(o)))
                .collect();
            if prune {
                for output in &entry.outputs {
                    let _ = std::fs::remove_file(out.join(output));
                }
                cache.entries.remove(&stem);
            }
            let verb = if prune { "removed" } else { "stale" };
            self.reporter.note(&format!(
                "{:>9} {} ({} no longer exists{})",
                if prune { "Pruned" } else { "Stale" },
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
                "action": verb,
            }));
        }
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
