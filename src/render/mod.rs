//! Renderers: each maps a [`Publication`] and a [`RenderContext`] to the bytes of one output format.
//!
//! Renderers share this small trait (after mdBook's `Renderer`) so the batch
//! runner treats every format alike and a new format is one new module and
//! one [`Format`] variant. They do no file I/O of their own: the model
//! carries the content's bytes and the context the project's resolved
//! settings (the PDF renderer's typst World reads template files, confined to
//! the project root).

pub mod epub;
pub mod pdf;

use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::model::{Edition, Publication};
use crate::project::Project;
use crate::project::language::Language;
use crate::project::template::Template;

/// What a renderer needs besides the publication, resolved once by the project.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// The publication's template.
    pub template: &'a Template,
    /// The edition to render (always [`Edition::Standard`] for a renderer
    /// without editions).
    pub edition: Edition,
    /// The publication's language: its labels (with overrides), date and
    /// list formats, and writing direction.
    pub language: &'a Language,
}

/// A finished output, its side outputs, and the warnings produced on the way.
#[derive(Debug)]
pub struct Rendered {
    /// The output file's bytes.
    pub bytes: Vec<u8>,
    /// Side outputs, in the order of [`Renderer::side_extensions`].
    pub side: Vec<Vec<u8>>,
    /// Non-fatal diagnostics.
    pub warnings: Vec<Diagnostic>,
    /// Project files read while rendering besides the publication's own
    /// (template files and what they import), root-relative.
    pub reads: Vec<String>,
}

/// One output format.
pub trait Renderer: Send + Sync {
    /// The extension of the main output file (`pdf`, `epub`).
    fn extension(&self) -> &'static str;

    /// Extensions of the side outputs this renderer was asked for (`typ`).
    fn side_extensions(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether the renderer writes one output per [`Edition`] (the PDF), or
    /// one for all (the EPUB: reading systems scale its text).
    fn has_editions(&self) -> bool {
        false
    }

    /// Forgets the project files read so far, so the next render reads them
    /// again (`watch`, after files changed); what was computed from them may
    /// be kept. The default has nothing to forget.
    fn reload(&mut self) {}

    /// Renders `publication`; errors (and any warnings) on failure.
    fn render(
        &self,
        publication: &Publication,
        cx: &RenderContext<'_>,
    ) -> Result<Rendered, Vec<Diagnostic>>;
}

/// Every file extension a renderer may write, side outputs included: the
/// build cache refuses to record (and so ever to prune) any other file.
pub const EXTENSIONS: &[&str] = &[pdf::EXTENSION, pdf::SOURCE_EXTENSION, epub::EXTENSION];

/// The output formats briefpress writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// The typeset PDF brief.
    Pdf,
    /// The EPUB 3 edition.
    Epub,
}

/// How to render, resolved from the command line before work starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The formats to write, sorted, without repeats.
    pub formats: Vec<Format>,
    /// The PDF standards to conform to.
    pub pdf_profile: pdf::PdfProfile,
    /// Also return the typst source of each PDF (`<name>.typ`).
    pub emit_typst: bool,
    /// The PDF editions to build of every publication; `None` builds what
    /// each publication asks for (the standard edition if it names none).
    pub editions: Option<Vec<Edition>>,
    /// Largest image a template may load, in pixels.
    pub max_image_pixels: u64,
    /// Keep what the last compile of each publication made, so the next one
    /// redoes only what changed (`watch`); a batch compiles each once.
    pub incremental: bool,
}

/// The file name of an output: `<stem>.pdf`, `<stem>.large-print.pdf`, …
pub fn output_name(stem: &str, edition: Edition, extension: &str) -> String {
    format!("{stem}{}.{extension}", edition.infix())
}

/// The renderers for `options`, in format order.
pub fn renderers(options: &RenderOptions, project: &Arc<Project>) -> Vec<Box<dyn Renderer>> {
    options
        .formats
        .iter()
        .map(|format| -> Box<dyn Renderer> {
            match format {
                Format::Pdf => Box::new(pdf::PdfRenderer::new(project.clone(), options)),
                Format::Epub => Box::new(epub::EpubRenderer),
            }
        })
        .collect()
}
