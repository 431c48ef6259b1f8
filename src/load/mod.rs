//! Loading: publication TOML + Markdown + files → a validated [`Publication`].
//!
//! The loader collects every problem it can find (not just the first) as
//! diagnostics pointing at file, line and column, and only returns a model
//! when there are no errors. It is the only place that reads content files.

pub mod budget;
pub mod language;
pub mod manifest;
pub mod markdown;
pub mod toml_string;
pub mod values;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::value::Datetime;

use crate::diag::{self, Code, Diagnostic, Location, SourceText};
use crate::media::{kind, raster, svg};
use crate::model::{
    Asset, AssetId, Attachment, AttachmentTarget, Block, Date, Edition, Footnote, Highlight, Meta,
    Publication, Section,
};
use crate::project::root::{PathProblem, ProjectFile, ProjectRoot, read_limited};
use crate::project::template;
use budget::{Budget, Spend};
use manifest::{RawAttachment, RawPublication, RawSection};
use markdown::MarkdownDoc;
use toml_string::StringMap;
use values::{derived_identifier, is_language_tag, is_valid_id, slug, web_url};

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
}

/// What an asset is used for, which decides the checks applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    /// An image shown in the text or as the cover: must be PNG, JPEG, GIF or SVG.
    Image,
    /// A file attachment: any type.
    Attachment,
}

/// Loads and validates the publication at `path` (a file inside `root`).
pub fn load(root: &ProjectRoot, path: &Path, options: &LoadOptions) -> Loaded {
    let mut loader = Loader::new(root, options);
    let mut publication = loader.publication(path);
    if let Some(publication) = publication.as_mut() {
        loader.diagnostics.extend(language::apply(publication));
    }
    let failed = loader.diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        publication: publication.filter(|_| !failed),
        diagnostics: diag::cap_per_file(loader.diagnostics, diag::MAX_PER_FILE),
    }
}

/// Mutable state while loading one publication.
pub struct Loader<'a> {
    root: &'a ProjectRoot,
    options: &'a LoadOptions,
    diagnostics: Vec<Diagnostic>,
    assets: Vec<Asset>,
    asset_index: HashMap<String, AssetId>,
    /// Files already refused, so each is reported once, not at every use.
    refused: HashSet<String>,
    footnotes: Vec<Footnote>,
    inputs: Vec<PathBuf>,
    texts: Vec<SourceText>,
    /// Bytes of TOML and Markdown read so far, against `max_text`.
    text_bytes: u64,
    budget: Budget,
    internal_links: Vec<(String, SourceText, Range<usize>)>,
}

impl<'a> Loader<'a> {
    fn new(root: &'a ProjectRoot, options: &'a LoadOptions) -> Self {
        Self {
            root,
            options,
            diagnostics: Vec::new(),
            assets: Vec::new(),
            asset_index: HashMap::new(),
            refused: HashSet::new(),
            footnotes: Vec::new(),
            inputs: Vec::new(),
            texts: Vec::new(),
            text_bytes: 0,
            budget: Budget::default(),
            internal_links: Vec::new(),
        }
    }

    /// Records a diagnostic.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The load limits in force.
    pub fn options(&self) -> &LoadOptions {
        self.options
    }

    /// Counts an element against the publication's limits (see [`budget`]).
    pub fn spend(&mut self, what: Spend) -> Result<(), Option<String>> {
        self.budget.spend(what, self.options)
    }

    fn publication(&mut self, path: &Path) -> Option<Publication> {
        let name = self.root.display(path);
        let file = match self.root.confine(path) {
            Ok(file) => file,
            Err(problem) => {
                let source = SourceText::unread(name.clone());
                self.report_path_problem(problem, &name, &source, None);
                return None;
            }
        };
        let source = self.read_text(&file, None)?;
        // A stray byte-order mark outside a string is a syntax error too:
        // report it once, as what it is.
        if let Some(at) = source.text.find(is_stray_mark) {
            self.report(forbidden_char(&source, at));
            return None;
        }
        let (raw, diagnostics) = manifest::parse(&source);
        self.diagnostics.extend(diagnostics);
        let raw = raw?;
        let dir = file.abs.parent().unwrap_or(self.root.dir()).to_path_buf();
        self.build(raw, &file, &source, &dir)
    }

    fn build(
        &mut self,
        raw: RawPublication,
        file: &ProjectFile,
        source: &SourceText,
        dir: &Path,
    ) -> Option<Publication> {
        if !self.within_entry_limits(&raw, source) {
            return None;
        }
        let meta = self.meta(&raw, source);
        let summary = raw.summary.as_ref().map(|s| {
            let text = self.text(s, source);
            markdown::convert(
                self,
                MarkdownDoc::inline(source, s, &text, dir, None, false),
            )
        });
        let cover = raw
            .cover
            .as_ref()
            .and_then(|c| self.asset(dir, c, source, AssetKind::Image));
        let template = raw
            .template
            .as_ref()
            .map_or_else(|| "brief".to_string(), |t| self.template_name(t, source));
        let editions = self.editions(&raw.editions, source);
        let highlights = raw
            .highlights
            .iter()
            .map(Spanned::get_ref)
            .map(|h| Highlight {
                value: self.required_text(&h.value, source, "value"),
                label: self.required_text(&h.label, source, "label"),
                source: h.source.as_ref().map(|s| self.text(s, source)),
            })
            .collect();
        let sections = self.sections(&raw.sections, source, dir);
        // Attachments come last: a file also shown as an image has passed
        // the image checks before its cached asset is reused here.
        let attachments = self.attachments(&raw.attachments, source, dir);
        self.check_internal_links(&sections);
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
            assets: std::mem::take(&mut self.assets),
            inputs: std::mem::take(&mut self.inputs),
            texts: std::mem::take(&mut self.texts),
            labels: Default::default(),
        })
    }

    /// Refuses lists longer than `max_entries`, before any work on them:
    /// typst needs tens of kilobytes for every section, key figure or
    /// attachment it lays out.
    fn within_entry_limits(&mut self, raw: &RawPublication, source: &SourceText) -> bool {
        let max = self.options.max_entries;
        let lists = [
            ("sections", first_over(&raw.sections, max)),
            ("highlights", first_over(&raw.highlights, max)),
            ("attachments", first_over(&raw.attachments, max)),
            ("authors", first_over(&raw.authors, max)),
            ("keywords", first_over(&raw.keywords, max)),
        ];
        let mut within = true;
        for (name, first_over) in lists {
            let Some((span, count)) = first_over else {
                continue;
            };
            within = false;
            self.report(
                Diagnostic::error(
                    Code::TooLarge,
                    format!("the publication has {count} {name}, over the limit of {max}"),
                )
                .at(source, Some(span))
                .hint("split it into several publications"),
            );
        }
        within
    }

    fn meta(&mut self, raw: &RawPublication, source: &SourceText) -> Option<Meta> {
        let title = self.required_text(&raw.title, source, "title");
        let publisher = raw.publisher.as_ref().map(|p| self.text(p, source));
        let date = self.date(&raw.date, source);
        let updated = raw.updated.as_ref().and_then(|u| self.date(u, source));
        if let (Some(date), Some(updated), Some(raw_updated)) = (date, updated, &raw.updated)
            && updated < date
        {
            self.report(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("`updated` ({updated}) is earlier than `date` ({date})"),
                )
                .at(source, Some(raw_updated.span()))
                .hint("`updated` is the last-revised date; it cannot precede publication"),
            );
        }
        let language = match &raw.language {
            Some(lang) if is_language_tag(lang.get_ref()) => lang.get_ref().clone(),
            Some(lang) => {
                self.report(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a BCP 47 language tag", lang.get_ref()),
                    )
                    .at(source, Some(lang.span()))
                    .hint("use a tag such as \"en\", \"en-GB\" or \"fr\""),
                );
                "en".into()
            }
            None => "en".into(),
        };
        let date = date?;
        let identifier = match &raw.identifier {
            Some(id) => self.required_text(id, source, "identifier"),
            None => derived_identifier(&title, publisher.as_deref(), date),
        };
        Some(Meta {
            subtitle: raw.subtitle.as_ref().map(|s| self.text(s, source)),
            authors: raw.authors.iter().map(|a| self.text(a, source)).collect(),
            keywords: raw.keywords.iter().map(|k| self.text(k, source)).collect(),
            title,
            publisher,
            date,
            updated,
            language,
            identifier,
        })
    }

    fn sections(
        &mut self,
        raw: &[Spanned<RawSection>],
        source: &SourceText,
        dir: &Path,
    ) -> Vec<Section> {
        if raw.is_empty() {
            self.report(
                Diagnostic::error(Code::MissingKey, "a publication needs at least one section")
                    .at(source, None)
                    .hint("add a `[[sections]]` table with a `title` and a `body` or `file`"),
            );
        }
        let mut ids = SectionIds::default();
        let mut sections = Vec::with_capacity(raw.len());
        for (index, entry) in raw.iter().enumerate() {
            if let Err(crossed) = self.spend(Spend::Heading) {
                if let Some(message) = crossed {
                    self.report(
                        Diagnostic::error(Code::TooLarge, message)
                            .at(source, Some(entry.span()))
                            .hint("split the publication into several"),
                    );
                }
                break;
            }
            let section = entry.get_ref();
            let title = self.required_text(&section.title, source, "title");
            let id = self.section_id(section, &title, index, &mut ids, source);
            let blocks = match (&section.body, &section.file) {
                (Some(body), None) => {
                    let text = self.text(body, source);
                    markdown::convert(
                        self,
                        MarkdownDoc::inline(source, body, &text, dir, Some(index), true),
                    )
                }
                (None, Some(file)) => self.markdown_file(dir, file, source, index),
                (Some(_), Some(file)) => {
                    self.report(
                        Diagnostic::error(
                            Code::ConflictingKeys,
                            "a section has both `body` and `file`",
                        )
                        .at(source, Some(file.span()))
                        .hint("keep one: `body` for inline Markdown, `file` for a Markdown file"),
                    );
                    Vec::new()
                }
                (None, None) => {
                    self.report(
                        Diagnostic::error(
                            Code::ConflictingKeys,
                            format!("section \"{title}\" has neither `body` nor `file`"),
                        )
                        .at(source, Some(entry.span()))
                        .hint("add `body = \"\"\"…\"\"\"` or `file = \"path/to/section.md\"`"),
                    );
                    Vec::new()
                }
            };
            sections.push(Section { id, title, blocks });
        }
        sections
    }

    fn section_id(
        &mut self,
        section: &RawSection,
        title: &str,
        index: usize,
        taken: &mut SectionIds,
        source: &SourceText,
    ) -> String {
        let Some(given) = &section.id else {
            let base = slug(title).unwrap_or_else(|| format!("section-{}", index + 1));
            return taken.derive(base);
        };
        let id = given.get_ref();
        let duplicate = !taken.taken.insert(id.clone());
        if !is_valid_id(id) {
            self.report(
                Diagnostic::error(Code::InvalidValue, format!("`{id}` is not a valid section id"))
                    .at(source, Some(given.span()))
                    .hint("start with a letter; use only letters, digits, `-` and `_`; ids starting with `bp-` are reserved"),
            );
        } else if duplicate {
            self.report(
                Diagnostic::error(Code::Duplicate, format!("section id `{id}` is used twice"))
                    .at(source, Some(given.span()))
                    .hint("give each section a unique `id`"),
            );
        }
        id.clone()
    }

    fn markdown_file(
        &mut self,
        dir: &Path,
        reference: &Spanned<String>,
        source: &SourceText,
        section: usize,
    ) -> Vec<Block> {
        let Some(file) = self.resolve(dir, reference, source) else {
            return Vec::new();
        };
        let Some(md) = self.read_text(&file, Some((source, reference.span()))) else {
            return Vec::new();
        };
        if let Some(at) = md.text.find(|c| is_forbidden_char(c) || is_stray_mark(c)) {
            self.report(forbidden_char(&md, at));
            return Vec::new();
        }
        let md_dir = file.abs.parent().unwrap_or(self.root.dir()).to_path_buf();
        markdown::convert(self, MarkdownDoc::file(&md, &md_dir, Some(section), true))
    }

    fn attachments(
        &mut self,
        raw: &[Spanned<RawAttachment>],
        source: &SourceText,
        dir: &Path,
    ) -> Vec<Attachment> {
        let mut names: HashMap<String, ()> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for entry in raw {
            let att = entry.get_ref();
            let title = self.required_text(&att.title, source, "title");
            let description = att.description.as_ref().map(|d| self.text(d, source));
            let target = match (&att.file, &att.url) {
                (Some(file), None) => {
                    let id = self.asset(dir, file, source, AssetKind::Attachment);
                    if let Some(id) = id {
                        let name = self.assets[id.0].file_name.clone();
                        if names.insert(name.clone(), ()).is_some() {
                            self.report(
                                Diagnostic::error(
                                    Code::Duplicate,
                                    format!("two attachments are named `{name}`"),
                                )
                                .at(source, Some(file.span()))
                                .hint("attachments are embedded by file name: rename one of the files"),
                            );
                        }
                    }
                    id.map(AttachmentTarget::File)
                }
                (None, Some(url)) => self.url(url, source).map(AttachmentTarget::Url),
                (Some(_), Some(url)) => {
                    self.report(
                        Diagnostic::error(
                            Code::ConflictingKeys,
                            "an attachment has both `file` and `url`",
                        )
                        .at(source, Some(url.span()))
                        .hint("an attachment is either a packaged file or a link: keep one"),
                    );
                    None
                }
                (None, None) => {
                    self.report(
                        Diagnostic::error(
                            Code::ConflictingKeys,
                            format!("attachment \"{title}\" has neither `file` nor `url`"),
                        )
                        .at(source, Some(entry.span()))
                        .hint("add `file = \"path/to/file.pdf\"` or `url = \"https://…\"`"),
                    );
                    None
                }
            };
            if let Some(target) = target {
                out.push(Attachment {
                    title,
                    description,
                    target,
                });
            }
        }
        out
    }

    fn url(&mut self, url: &Spanned<String>, source: &SourceText) -> Option<String> {
        let text = self.text(url, source);
        if let Some(url) = web_url(&text) {
            Some(url)
        } else {
            self.report(
                Diagnostic::error(Code::InvalidUrl, format!("`{text}` is not an http(s) URL"))
                    .at(source, Some(url.span()))
                    .hint("attachment URLs must start with https:// or http://; for a local file use `file = …`"),
            );
            None
        }
    }

    /// Records an internal `#id` link to check once all section ids are known.
    pub fn internal_link(&mut self, target: String, source: &SourceText, span: Range<usize>) {
        self.internal_links.push((target, source.clone(), span));
    }

    fn check_internal_links(&mut self, sections: &[Section]) {
        let ids: HashSet<&str> = sections.iter().map(|s| s.id.as_str()).collect();
        let mut known = String::new();
        for (target, source, span) in std::mem::take(&mut self.internal_links) {
            if !ids.contains(target.as_str()) {
                if known.is_empty() {
                    known = sections
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                }
                self.report(
                    Diagnostic::error(
                        Code::InvalidLink,
                        format!("link to `#{target}`, but no section has that id"),
                    )
                    .at(&source, Some(span))
                    .hint(format!("section ids are: {known}")),
                );
            }
        }
    }

    /// Allocates a new footnote slot and returns its index.
    pub fn new_footnote(&mut self, section: Option<usize>) -> usize {
        self.footnotes.push(Footnote {
            section,
            blocks: Vec::new(),
        });
        self.footnotes.len() - 1
    }

    /// Fills a footnote slot with its text.
    pub fn set_footnote(&mut self, index: usize, blocks: Vec<Block>) {
        if let Some(note) = self.footnotes.get_mut(index) {
            note.blocks = blocks;
        }
    }

    /// Resolves, reads and checks a file referenced from content; `None` after reporting.
    pub fn asset(
        &mut self,
        dir: &Path,
        reference: &Spanned<String>,
        source: &SourceText,
        kind: AssetKind,
    ) -> Option<AssetId> {
        self.asset_at(dir, reference.get_ref(), source, reference.span(), kind)
    }

    /// Like [`Loader::asset`], for a reference with an explicit span (Markdown images).
    pub fn asset_at(
        &mut self,
        dir: &Path,
        reference: &str,
        source: &SourceText,
        span: Range<usize>,
        kind: AssetKind,
    ) -> Option<AssetId> {
        let file = match self.root.resolve(dir, reference) {
            Ok(file) => file,
            Err(problem) => {
                self.report_path_problem(problem, reference, source, Some(span));
                return None;
            }
        };
        if let Some(&id) = self.asset_index.get(&file.rel) {
            return Some(id);
        }
        if self.refused.contains(&file.rel) {
            return None;
        }
        let data = match read_limited(&file, self.options.max_file_size) {
            Ok(data) => data,
            Err(problem) => {
                self.report_path_problem(problem, reference, source, Some(span));
                return None;
            }
        };
        let used_at = Location {
            source: source.clone(),
            span: Some(span),
        };
        let media_type = match kind {
            AssetKind::Image => {
                let Some(media_type) = self.image(reference, &file, &data, &used_at) else {
                    self.refused.insert(file.rel);
                    return None;
                };
                media_type
            }
            AssetKind::Attachment => kind::attachment_media_type(&file.rel),
        };
        let file_name = file.rel.rsplit('/').next().unwrap_or(&file.rel).to_string();
        let id = AssetId(self.assets.len());
        self.inputs.push(file.abs.clone());
        self.asset_index.insert(file.rel.clone(), id);
        self.assets.push(Asset {
            path: file.rel,
            file_name,
            media_type,
            data: Arc::new(data),
            used_at,
        });
        Some(id)
    }

    /// Checks an image's type and size before anything decodes it; its media
    /// type, or `None` after reporting.
    fn image(
        &mut self,
        reference: &str,
        file: &ProjectFile,
        data: &[u8],
        used_at: &Location,
    ) -> Option<&'static str> {
        let max_pixels = self.options.max_image_pixels;
        let at = |diag: Diagnostic| diag.at(&used_at.source, used_at.span.clone());
        let Some(media_type) = kind::image_media_type(&file.rel, data) else {
            self.report(at(Diagnostic::error(
                Code::NotAnImage,
                format!("`{reference}` is not a PNG, JPEG, GIF or SVG image"),
            )
            .hint(
                "convert it to PNG, JPEG, GIF or SVG; both editions accept those",
            )));
            return None;
        };
        if media_type == "image/svg+xml" {
            return self.svg(file, data, used_at).then_some(media_type);
        }
        match raster::check_raster(data, max_pixels) {
            Ok(()) => Some(media_type),
            Err(raster::RasterProblem::TooLarge(dims)) => {
                self.report(at(Diagnostic::error(
                    Code::TooLarge,
                    format!("`{reference}` is {dims}"),
                )
                .hint(too_many_pixels_hint())));
                None
            }
            Err(raster::RasterProblem::Unreadable(reason)) => {
                self.report(at(Diagnostic::error(
                    Code::NotAnImage,
                    format!("`{reference}` cannot be read as an image: {reason}"),
                )
                .hint("re-save the file as a PNG, JPEG or GIF image")));
                None
            }
        }
    }

    /// Checks an SVG: well-formed, self-contained, embedded images within
    /// budget. Problems point into the SVG; a hint names where it is used.
    fn svg(&mut self, file: &ProjectFile, data: &[u8], used_at: &Location) -> bool {
        let Ok(text) = std::str::from_utf8(data) else {
            let at = used_at.span.clone();
            self.report(
                Diagnostic::error(
                    Code::NotAnImage,
                    format!("`{}` is not UTF-8 text", file.rel),
                )
                .at(&used_at.source, at)
                .hint("an SVG is an XML text file: save it as UTF-8"),
            );
            return false;
        };
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let Err(problem) = svg::check(text, self.options.max_image_pixels) else {
            return true;
        };
        let svg_text = SourceText::new(file.rel.clone(), text);
        let used = match used_at.span.as_ref() {
            Some(span) => {
                let (line, column) = used_at.source.line_col(span.start);
                format!("{}:{line}:{column}", used_at.source.name)
            }
            None => used_at.source.name.clone(),
        };
        let diag = match problem {
            svg::SvgProblem::Malformed { message, span } => {
                Diagnostic::error(Code::NotAnImage, format!("broken SVG: {message}"))
                    .at(&svg_text, span)
                    .hint("fix or re-export the SVG; both editions need it to be valid XML")
            }
            svg::SvgProblem::TooManyNodes(max) => Diagnostic::error(
                Code::TooLarge,
                format!("the SVG has more than {max} XML nodes"),
            )
            .at(&svg_text, None)
            .hint("simplify the drawing, or save it as a PNG"),
            svg::SvgProblem::External { reference, span } => {
                let fix = if reference.starts_with(['@', '<']) {
                    "copy the styles into the SVG's own <style> element"
                } else {
                    "embed the image in the SVG as a data: URI, or show it from the Markdown as an image of its own"
                };
                Diagnostic::error(
                    Code::InvalidLink,
                    format!("the SVG loads `{reference}`, a file outside itself that the EPUB would not carry"),
                )
                .at(&svg_text, Some(span))
                .hint(fix)
                .hint("references inside the SVG (`#id`) are fine")
            }
            svg::SvgProblem::Embedded { problem, span } => match problem {
                raster::RasterProblem::TooLarge(dims) => Diagnostic::error(
                    Code::TooLarge,
                    format!("an image embedded in the SVG is {dims}"),
                )
                .at(&svg_text, Some(span))
                .hint(too_many_pixels_hint()),
                raster::RasterProblem::Unreadable(reason) => Diagnostic::error(
                    Code::NotAnImage,
                    format!("an image embedded in the SVG cannot be read: {reason}"),
                )
                .at(&svg_text, Some(span))
                .hint("embed PNG, JPEG or GIF data, or an SVG"),
            },
        };
        self.report(diag.hint(format!("the SVG is used at {used}")));
        false
    }

    fn resolve(
        &mut self,
        dir: &Path,
        reference: &Spanned<String>,
        source: &SourceText,
    ) -> Option<ProjectFile> {
        match self.root.resolve(dir, reference.get_ref()) {
            Ok(file) => Some(file),
            Err(problem) => {
                self.report_path_problem(
                    problem,
                    reference.get_ref(),
                    source,
                    Some(reference.span()),
                );
                None
            }
        }
    }

    /// Reads a UTF-8 text file (TOML or Markdown) within the size limit.
    fn read_text(
        &mut self,
        file: &ProjectFile,
        referenced_from: Option<(&SourceText, Range<usize>)>,
    ) -> Option<SourceText> {
        let (source, span) = match referenced_from {
            Some((s, span)) => (s.clone(), Some(span)),
            None => (SourceText::unread(file.rel.clone()), None),
        };
        let limit = self.options.max_text.min(self.options.max_file_size);
        let bytes = match read_limited(file, limit.saturating_sub(self.text_bytes)) {
            Ok(bytes) => bytes,
            Err(PathProblem::TooLarge { size, .. }) if size <= self.options.max_file_size => {
                self.report(
                    Diagnostic::error(
                        Code::TooLarge,
                        format!(
                            "with `{}` ({}), the publication's text would reach {}, over the limit of {}",
                            file.rel,
                            mebibytes(size),
                            mebibytes(self.text_bytes + size),
                            mebibytes(self.options.max_text)
                        ),
                    )
                    .at(&source, span)
                    .hint("split the publication into several; the limit counts its TOML and Markdown files together"),
                );
                return None;
            }
            Err(problem) => {
                self.report_path_problem(problem, &file.rel, &source, span);
                return None;
            }
        };
        self.text_bytes += bytes.len() as u64;
        self.inputs.push(file.abs.clone());
        let mut bytes = bytes;
        // Windows editors start UTF-8 files with a byte-order mark; it is not text.
        if bytes.starts_with(BOM.as_bytes()) {
            bytes.drain(..BOM.len());
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                let text = SourceText::new(file.rel.clone(), text);
                self.texts.push(text.clone());
                Some(text)
            }
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let text = SourceText::new(file.rel.clone(), lossy);
                self.report(
                    Diagnostic::error(Code::InvalidValue, "the file is not valid UTF-8")
                        .at(&text, Some(at..at + 1))
                        .hint("save the file as UTF-8"),
                );
                None
            }
        }
    }

    fn report_path_problem(
        &mut self,
        problem: PathProblem,
        reference: &str,
        source: &SourceText,
        span: Option<Range<usize>>,
    ) {
        let diag = match problem {
            PathProblem::Absolute => Diagnostic::error(
                Code::PathOutsideRoot,
                format!("`{reference}` is an absolute path"),
            )
            .hint("write paths relative to the file that contains them"),
            PathProblem::Escapes => Diagnostic::error(
                Code::PathOutsideRoot,
                format!("`{reference}` points outside the project root"),
            )
            .hint("move the file into the project (the folder briefpress runs in)"),
            PathProblem::SymlinkOutside(real) => Diagnostic::error(
                Code::PathOutsideRoot,
                format!(
                    "`{reference}` is a link to `{}`, outside the project root",
                    real.display()
                ),
            )
            .hint("copy the file into the project instead of linking to it"),
            PathProblem::Missing(err) => Diagnostic::error(
                Code::MissingFile,
                format!("cannot read `{reference}`: {}", io_reason(&err)),
            )
            .hint("check the path: it is relative to the file that contains it"),
            PathProblem::NotAFile => {
                Diagnostic::error(Code::MissingFile, format!("`{reference}` is not a file"))
            }
            PathProblem::TooLarge { size, limit } => Diagnostic::error(
                Code::TooLarge,
                format!(
                    "`{reference}` is {}, over the limit of {}",
                    mebibytes(size),
                    mebibytes(limit)
                ),
            )
            .hint("shrink the file, or raise the limit with --max-file-size"),
        };
        self.report(diag.at(source, span));
    }

    /// A string value, checked for characters XML cannot carry.
    pub fn text(&mut self, value: &Spanned<String>, source: &SourceText) -> String {
        let text = value.get_ref();
        if let Some((at, c)) = text
            .char_indices()
            .find(|&(_, c)| is_forbidden_char(c) || is_stray_mark(c))
        {
            let map = StringMap::new(&source.text, value.span().start, text);
            let span = map.range(&(at..at + c.len_utf8()));
            let diag = if is_stray_mark(c) {
                Diagnostic::error(
                    Code::ForbiddenCharacter,
                    "this text contains a byte-order mark (U+FEFF), an invisible character",
                )
                .hint("delete the \\uFEFF escape")
            } else {
                Diagnostic::error(
                    Code::ForbiddenCharacter,
                    "this text contains a control character that XML (and so EPUB) forbids",
                )
                .hint("remove the \\u0000–\\u001F escape (tabs and newlines are fine)")
            };
            self.report(diag.at(source, Some(span)));
        }
        text.clone()
    }

    fn required_text(&mut self, value: &Spanned<String>, source: &SourceText, key: &str) -> String {
        let text = self.text(value, source);
        if text.trim().is_empty() {
            self.report(
                Diagnostic::error(Code::InvalidValue, format!("`{key}` is empty"))
                    .at(source, Some(value.span()))
                    .hint(format!("give `{key}` some text")),
            );
        }
        text
    }

    fn date(&mut self, value: &Spanned<Datetime>, source: &SourceText) -> Option<Date> {
        let dt = value.get_ref();
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => Some(Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            _ => {
                self.report(
                    Diagnostic::error(Code::InvalidDate, format!("`{dt}` is not a plain date"))
                        .at(source, Some(value.span()))
                        .hint("write a calendar date without a time, e.g. 2021-10-19"),
                );
                None
            }
        }
    }

    fn template_name(&mut self, value: &Spanned<String>, source: &SourceText) -> String {
        let name = value.get_ref();
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            self.report(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{name}` is not a template name"),
                )
                .at(source, Some(value.span()))
                .hint("name a folder under templates/, using letters, digits, `-` and `_`"),
            );
        } else if template::locate(self.root.dir(), name).is_none() {
            self.report(
                Diagnostic::error(Code::Template, format!("template `{name}` not found"))
                    .at(source, Some(value.span()))
                    .hint(format!(
                        "create templates/{name}/{}, or remove `template` to use the built-in \"{}\"",
                        template::ENTRY,
                        template::DEFAULT
                    )),
            );
        }
        name.clone()
    }

    /// The `editions` list: known names only (with a "did you mean"), no repeats.
    fn editions(&mut self, raw: &[Spanned<String>], source: &SourceText) -> Vec<Edition> {
        let mut editions = Vec::new();
        for value in raw {
            let name = value.get_ref();
            match Edition::from_name(name) {
                Some(edition) if !editions.contains(&edition) => editions.push(edition),
                Some(_) => self.report(
                    Diagnostic::warning(
                        Code::InvalidValue,
                        format!("edition `{name}` is listed twice"),
                    )
                    .at(source, Some(value.span())),
                ),
                None => {
                    let names = Edition::ALL.map(Edition::name);
                    let hint = match diag::closest(name, names) {
                        Some(close) => format!("did you mean \"{close}\"?"),
                        None => format!("the editions are \"{}\"", names.join("\", \"")),
                    };
                    self.report(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{name}` is not an edition"),
                        )
                        .at(source, Some(value.span()))
                        .hint(hint),
                    );
                }
            }
        }
        editions
    }
}

/// "2.0 MiB", the unit of `--max-file-size`.
fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// The span of the first entry past `max`, and how many there are.
fn first_over<T>(list: &[Spanned<T>], max: usize) -> Option<(Range<usize>, usize)> {
    list.get(max).map(|entry| (entry.span(), list.len()))
}

/// The UTF-8 byte-order mark, stripped from the start of every text file.
const BOM: &str = "\u{feff}";

/// A byte-order mark anywhere but the start of a file: invisible, and no
/// font has a glyph for it.
fn is_stray_mark(c: char) -> bool {
    c == '\u{feff}'
}

fn forbidden_char(source: &SourceText, at: usize) -> Diagnostic {
    let len = source.text[at..].chars().next().map_or(1, char::len_utf8);
    let message = if source.text[at..].starts_with(BOM) {
        "this file contains a byte-order mark (U+FEFF) after its start, an invisible character"
    } else {
        "this file contains a control character that XML (and so EPUB) forbids"
    };
    Diagnostic::error(Code::ForbiddenCharacter, message)
        .at(source, Some(at..at + len))
        .hint("delete the invisible character at this position")
}

/// The hint for an image over the pixel budget.
fn too_many_pixels_hint() -> String {
    "scale the image down (a full A4 page at 300 dpi needs 8.7 megapixels), or raise the limit with --max-image-pixels".into()
}

/// Section ids handed out so far. Derived ids count up per base, so a
/// thousand sections with one title cost a thousand lookups, not half a million.
#[derive(Default)]
struct SectionIds {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

impl SectionIds {
    /// `base`, or `base-2`, `base-3`… whichever is free first.
    fn derive(&mut self, base: String) -> String {
        let mut n = self.next.get(&base).copied().unwrap_or(1);
        loop {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            n += 1;
            if self.taken.insert(id.clone()) {
                self.next.insert(base, n);
                return id;
            }
        }
    }
}
