//! Loading: publication TOML + Markdown + files → a validated [`Publication`].
//!
//! The loader collects every problem it can find (not just the first) as
//! diagnostics pointing at file, line and column, and only returns a model
//! when there are no errors. It is the only place that reads content files.
//!
//! This file holds the entry point and the order of work; each part of a
//! publication has its own module: [`fields`] (metadata, key figures, the
//! small values), [`sections`] (sections and their Markdown), [`attachments`],
//! [`assets`] (files read as images or attachments), [`style`] (the
//! publication's look over the project's), [`text`] (reading text files,
//! checking strings), and [`problems`] (the wording of file problems). The
//! project file, `briefpress.toml`, is read by [`settings`], once per run.

mod assets;
mod attachments;
mod budget;
mod fields;
mod language;
mod lines;
pub(crate) mod manifest;
mod markdown;
mod problems;
mod sections;
pub mod settings;
mod style;
mod text;
mod toml_string;
mod typed;
mod unbroken;
mod values;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use crate::diag::{self, Diagnostic, SourceText};
use crate::media::raster;
use crate::model::{AssetId, Footnote, Publication};
use crate::project::Project;
use crate::project::fonts::Fonts;
use crate::project::root::{ProjectFile, ProjectRoot};
use crate::project::settings::Settings;
use crate::project::template::{self, Templates};
use assets::{AssetKind, Assets};
use budget::Budget;
use manifest::RawPublication;
use markdown::MarkdownDoc;
use typed::{Place, Refused};

pub use values::is_forbidden_char;

/// Limits that protect a batch from hostile or broken input: one
/// publication over a limit fails with `too-large`, the batch goes on.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Largest file (TOML, Markdown, image, attachment) accepted, in bytes.
    pub max_file_size: u64,
    /// Deepest Markdown nesting (lists in quotes in lists…) accepted.
    pub max_depth: usize,
    /// Largest image accepted, in pixels (width × height), read from the
    /// header before anything decodes it.
    pub max_image_pixels: u64,
    /// Most entries in each list of one publication: sections, highlights,
    /// attachments, authors, keywords.
    pub max_entries: usize,
    /// Most text (TOML and Markdown files together) in one publication, in bytes.
    pub max_text: u64,
    /// Most Markdown elements (blocks and inline elements) in one publication.
    pub max_elements: usize,
    /// Most headings (sections included) in one publication.
    pub max_headings: usize,
    /// Most image uses in one publication.
    pub max_images: usize,
    /// Most inline elements in one paragraph, heading or table cell.
    pub max_inline_run: usize,
    /// Most cells in one table (header included).
    pub max_table_cells: usize,
    /// Most table cells in one publication.
    pub max_cells: usize,
    /// Most pixels of all distinct images of one publication together.
    pub max_total_pixels: u64,
    /// Most bytes of all images and attachments of one publication together.
    pub max_total_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_size: 50 * 1024 * 1024,
            max_depth: 24,
            max_image_pixels: raster::DEFAULT_MAX_PIXELS,
            max_entries: 2_000,
            max_text: 4 * 1024 * 1024,
            max_elements: 100_000,
            max_headings: 5_000,
            max_images: 1_000,
            max_inline_run: 5_000,
            max_table_cells: 5_000,
            max_cells: 10_000,
            max_total_pixels: 250_000_000,
            max_total_file_size: 200 * 1024 * 1024,
        }
    }
}

/// The outcome of loading one publication: the model (absent on error) and
/// every diagnostic found, warnings included.
#[derive(Debug)]
pub struct Loaded {
    /// The model, when no error was found.
    pub publication: Option<Publication>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Errors about a file many publications share (a template that cannot
    /// be used), for the run to report once however many publications meet
    /// them; `diagnostics` holds this publication's short reference to each.
    pub shared: Vec<Diagnostic>,
}

/// Which templates a run's outputs read, beyond the publication's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateUse<'a> {
    /// The template that replaces every publication's own (`--template`).
    pub replacing: Option<&'a str>,
    /// A template every output also reads (the PDF imports `brief` to read
    /// its contract).
    pub also: Option<&'a str>,
}

/// Loads and validates the publication at `path` (a file inside the project).
pub fn load(project: &Project, path: &Path, options: &LoadOptions) -> Loaded {
    load_for(project, path, options, TemplateUse::default())
}

/// [`load`], checking that the templates of `uses` can be read too.
pub fn load_for(
    project: &Project,
    path: &Path,
    options: &LoadOptions,
    uses: TemplateUse<'_>,
) -> Loaded {
    let mut loader = Loader::new(project, options);
    loader.uses = uses;
    let mut publication = loader.publication(path);
    if let Some(publication) = publication.as_mut() {
        loader
            .diagnostics
            .extend(language::apply(publication, project.settings()));
    }
    let failed = loader.diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        publication: publication.filter(|_| !failed),
        diagnostics: diag::cap_per_file(loader.diagnostics, diag::MAX_PER_FILE),
        shared: loader.shared,
    }
}

/// Mutable state while loading one publication.
struct Loader<'a> {
    root: &'a ProjectRoot,
    /// The run's templates, each resolved once (`template = "…"` is checked against them).
    templates: &'a Templates,
    /// The project file's defaults.
    settings: &'a Settings,
    /// The project's fonts (`[style]` fonts are checked against their families).
    fonts: &'a Fonts,
    options: &'a LoadOptions,
    diagnostics: Vec<Diagnostic>,
    /// Files read as images or attachments, and every input read so far.
    assets: Assets<'a>,
    footnotes: Vec<Footnote>,
    texts: Vec<SourceText>,
    /// Bytes of TOML and Markdown read so far, against `max_text`.
    text_bytes: u64,
    budget: Budget,
    /// `#id` links found in Markdown, checked once every section id is known.
    internal_links: Vec<(String, SourceText, Range<usize>)>,
    /// Keys whose values were refused for their type: not reported again as missing.
    refused: Refused,
    /// Errors about shared files, for the run to report once (see [`Loaded::shared`]).
    shared: Vec<Diagnostic>,
    /// The templates the run reads beyond the publication's own.
    uses: TemplateUse<'a>,
}

impl<'a> Loader<'a> {
    fn new(project: &'a Project, options: &'a LoadOptions) -> Self {
        Self {
            root: project.root(),
            templates: project.templates(),
            settings: project.settings(),
            fonts: project.fonts(),
            options,
            diagnostics: Vec::new(),
            assets: Assets::new(project.root(), options),
            footnotes: Vec::new(),
            texts: Vec::new(),
            text_bytes: 0,
            budget: Budget::default(),
            internal_links: Vec::new(),
            refused: Refused::default(),
            shared: Vec::new(),
            uses: TemplateUse::default(),
        }
    }

    /// Records a diagnostic.
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn publication(&mut self, path: &Path) -> Option<Publication> {
        let name = self.root.display(path);
        let file = match self.root.confine(path) {
            Ok(file) => file,
            Err(problem) => {
                let source = SourceText::unread(name.clone());
                self.report(problems::path(problem, &name).at(&source, None));
                return None;
            }
        };
        let source = self.read_text(&file, None)?;
        // A stray byte-order mark outside a string is a syntax error too:
        // report it once, as what it is.
        if let Some(at) = source.text.find(text::is_stray_mark) {
            self.report(problems::forbidden_char(&source, at));
            return None;
        }
        let (parsed, diagnostics) = manifest::parse(&source);
        self.diagnostics.extend(diagnostics);
        let parsed = parsed?;
        self.refused = parsed.refused;
        let raw = parsed.raw;
        let dir = file.abs.parent().unwrap_or(self.root.dir()).to_path_buf();
        self.build(raw, &file, &source, &dir)
    }

    /// Turns the parsed TOML into the model, in reading order.
    fn build(
        &mut self,
        raw: RawPublication,
        file: &ProjectFile,
        source: &SourceText,
        dir: &Path,
    ) -> Option<Publication> {
        if !self.within_entry_limits(&raw, source) || !self.within_line_limits(&raw, source) {
            return None;
        }
        let meta = self.meta(&raw, source);
        let summary = raw.summary.as_ref().map(|s| {
            let text = self.text(s, source);
            self.markdown(MarkdownDoc::inline(source, s, &text, dir, None, false))
        });
        let cover = raw
            .cover
            .as_ref()
            .and_then(|c| self.asset(dir, c, source, AssetKind::Image));
        let template = match &raw.template {
            Some(name) => self.template_name(name, source),
            None => self
                .settings
                .template
                .clone()
                .unwrap_or_else(|| template::DEFAULT.to_string()),
        };
        // A project template whose folder links outside the root cannot be
        // read: say so here rather than fail in typst. That is the template
        // used, or one every output reads (`brief`, for the PDF). The cause,
        // at the template's file, is the run's to report once; this
        // publication fails with a short reference to it.
        let used = self.uses.replacing.unwrap_or(&template);
        let refused = std::iter::once(used)
            .chain(self.uses.also)
            .filter_map(|name| self.templates.get(name))
            .find_map(|t| t.refusal().map(|refusal| (t, refusal)));
        if let Some((unusable, refusal)) = refused {
            let at = match self.uses.replacing {
                None => raw.template.as_ref().map(Spanned::span),
                Some(_) => None,
            };
            self.report(unusable.refused_use(used, source, at));
            self.shared.push(refusal);
        }
        let mut editions = self.editions(&raw.editions, source);
        if raw.editions.is_empty() {
            editions.clone_from(&self.settings.editions);
        }
        let publisher = raw.publisher.as_ref().map(|p| p.get_ref().as_str());
        let style = self.style(&raw.style, source, dir, publisher);
        let highlights = self.highlights(&raw.highlights, source);
        let sections = self.sections(&raw.sections, source, dir);
        // Attachments come last: a file also shown as an image has passed
        // the image checks before its cached asset is reused here.
        let attachments = self.attachments(&raw.attachments, source, dir);
        self.check_internal_links(&sections);
        let (assets, inputs) = self.assets.take();
        Some(Publication {
            source: file.rel.clone(),
            meta: meta?,
            summary,
            cover,
            template,
            editions,
            highlights,
            sections,
            footnotes: std::mem::take(&mut self.footnotes),
            attachments,
            assets,
            inputs,
            texts: std::mem::take(&mut self.texts),
            labels: Default::default(),
            style,
        })
    }

    /// Reports a required key that is absent, unless its value was refused
    /// for its type already; `entry` is the span of the list entry holding it.
    fn missing(
        &mut self,
        place: Place<'_>,
        key: &str,
        entry: Option<Range<usize>>,
        source: &SourceText,
    ) {
        if self.refused.has(place, key) {
            return;
        }
        let diag = Diagnostic::error(
            diag::Code::MissingKey,
            format!("missing required key `{key}`"),
        );
        self.report(match place {
            // No line: the first line would read as if it were wrong.
            Place::Top => diag.at(source, None).hint(format!(
                "add `{key} = …` at the top of the file, before any [[…]] table"
            )),
            Place::Entry(..) => diag
                .at(source, entry)
                .hint(format!("add `{key} = …` to this table")),
        });
    }

    /// Resolves, reads and checks a file named by a TOML value; `None` after reporting.
    fn asset(
        &mut self,
        dir: &Path,
        reference: &Spanned<String>,
        source: &SourceText,
        kind: AssetKind,
    ) -> Option<AssetId> {
        let used_at = diag::Location {
            source: source.clone(),
            span: Some(reference.span()),
        };
        self.assets.add(
            dir,
            reference.get_ref(),
            used_at,
            kind,
            &mut self.diagnostics,
        )
    }
}
