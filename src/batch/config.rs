//! What a run was asked to do, resolved from the command line before any work.
//!
//! The CLI (`crate::cli`) turns its arguments into a [`BuildConfig`]; the
//! batch validates the parts that need the file system (the output folder,
//! the paths, the templates) and only then starts. Nothing here changes
//! while the run goes on: runtime state (renderers, cache, reporter) lives
//! in the batch itself.

use std::path::PathBuf;

use super::report::MessageFormat;
use crate::load::LoadOptions;
use crate::render::RenderOptions;

/// Everything `build` and `check` need to know before they start.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    /// Publication files and folders named on the command line.
    pub paths: Vec<PathBuf>,
    /// A template that replaces every publication's own.
    pub template: Option<String>,
    /// Folders of extra fonts (`--font-path`).
    pub font_paths: Vec<PathBuf>,
    /// How diagnostics and results are printed.
    pub message_format: MessageFormat,
    /// Publications processed at once (at least 1).
    pub jobs: usize,
    /// Stop starting publications after the first failure.
    pub fail_fast: bool,
    /// Only shard K of N (1-based).
    pub shard: Option<(u32, u32)>,
    /// Limits applied while loading each publication.
    pub load: LoadOptions,
    /// Formats and their options.
    pub render: RenderOptions,
    /// Where and how outputs are written; `None` checks without writing.
    pub output: Option<OutputConfig>,
}

/// What `build` adds to a run: where outputs go and how.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// The output folder, as given with `--out` (else the project file's
    /// `output`, else `output`).
    pub out: Option<PathBuf>,
    /// Rebuild publications whose outputs are fresh.
    pub force: bool,
    /// Delete outputs of publications that no longer exist (if provably ours).
    pub prune: bool,
    /// Wait for another build writing to the same folder, instead of failing.
    pub wait: bool,
}
