//! Renderers: each maps a [`Publication`] to the bytes of one output format.
//!
//! Renderers share this small trait (after mdBook's `Renderer`) so the batch
//! runner treats every format alike and a new format is one new module. They
//! do no file I/O of their own: the model carries the content's bytes.

pub mod epub;
pub mod pdf;

use crate::diag::Diagnostic;
use crate::model::Publication;

/// A finished output and the warnings produced on the way.
#[derive(Debug)]
pub struct Rendered {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Non-fatal diagnostics.
    pub warnings: Vec<Diagnostic>,
    /// Project files read while rendering besides the publication's own
    /// (template files and what they import), root-relative.
    pub reads: Vec<String>,
}

/// One output format.
pub trait Renderer: Send + Sync {
    /// The format's name, also the output file extension (`pdf`, `epub`).
    fn name(&self) -> &'static str;

    /// Renders `publication`; errors (and any warnings) on failure.
    fn render(&self, publication: &Publication) -> Result<Rendered, Vec<Diagnostic>>;
}
