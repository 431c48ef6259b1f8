//! The EPUB 3 renderer: model → XHTML documents → epub-builder → fixed-up archive.
//!
//! Reading order mirrors the PDF: title page (standfirst, key figures), the
//! sections, then "Attachments & resources". File attachments are packaged
//! and linked, each with an XHTML fallback page so EPUBCheck accepts PDF/CSV
//! links; see [`package`] for the corrections applied to epub-builder's output.

pub mod accessibility;
pub mod cover;
pub mod package;
pub mod writer;
pub mod xhtml;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use epub_builder::{EpubBuilder, EpubContent, EpubVersion, ReferenceType, ZipLibrary};

use super::{Rendered, Renderer};
use crate::diag::{Code, Diagnostic};
use crate::model::{AssetId, AttachmentTarget, Block, Date, Inline, Publication};
use crate::project::labels::Label;
use crate::project::language::{Direction, Language};
use crate::project::root::ProjectRoot;
use crate::project::template::{self, TemplateSource};
use package::PackageFixes;
use xhtml::{Documents, Layout, section_file};

/// Renders publications to EPUB 3, styled by their template's `epub.css`.
pub struct EpubRenderer {
    root: ProjectRoot,
    /// Template name → stylesheet, read once per process.
    stylesheets: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl EpubRenderer {
    /// A renderer reading template stylesheets from `root`.
    pub fn new(root: ProjectRoot) -> Self {
        Self {
            root,
            stylesheets: Mutex::new(HashMap::new()),
        }
    }

    /// The template's `epub.css`; the built-in one when the template has none.
    fn stylesheet(&self, name: &str) -> Arc<Vec<u8>> {
        let Ok(mut cache) = self.stylesheets.lock() else {
            return Arc::new(
                template::built_in(template::STYLESHEET)
                    .unwrap_or_default()
                    .to_vec(),
            );
        };
        cache
            .entry(name.to_string())
            .or_insert_with(|| {
                let on_disk = (template::locate(self.root.dir(), name)
                    == Some(TemplateSource::Project))
                .then(|| {
                    self.root
                        .dir()
                        .join("templates")
                        .join(name)
                        .join(template::STYLESHEET)
                })
                .and_then(|path| self.root.confine(&path).ok())
                .and_then(|file| std::fs::read(file.abs).ok());
                Arc::new(on_disk.unwrap_or_else(|| {
                    template::built_in(template::STYLESHEET)
                        .unwrap_or_default()
                        .to_vec()
                }))
            })
            .clone()
    }

    fn build(
        &self,
        p: &Publication,
        layout: &Layout<'_>,
        language: &Language,
    ) -> Result<Vec<u8>, epub_builder::Error> {
        let docs = Documents::new(layout, language);
        let m = &p.meta;
        let mut epub = EpubBuilder::new(ZipLibrary::new()?)?;
        epub.epub_version(EpubVersion::V33);
        epub.set_title(&m.title);
        epub.add_language(&m.language);
        epub.set_generator(format!("briefpress {}", env!("CARGO_PKG_VERSION")));
        epub.set_toc_name(language.label(Label::Contents));
        if language.direction == Direction::Rtl {
            epub.metadata("direction", "rtl")?;
        }
        for author in &m.authors {
            epub.add_author(author);
        }
        for keyword in &m.keywords {
            epub.add_subject(keyword);
        }
        if let Some(summary) = &p.summary {
            epub.add_description(plain_text(summary));
        }
        epub.set_publication_date(midnight(m.date));
        epub.set_modified_date(midnight(m.modified()));
        epub.stylesheet(self.stylesheet(&p.template).as_slice())?;
        match p.cover {
            Some(cover) => {
                let asset = &p.assets[cover.0];
                epub.add_cover_image(
                    layout.asset_path(cover),
                    asset.data.as_slice(),
                    asset.media_type,
                )?;
            }
            None => {
                let svg = cover::svg(m, language);
                epub.add_cover_image("images/cover.svg", svg.as_bytes(), "image/svg+xml")?;
            }
        }
        for (i, asset) in p.assets.iter().enumerate() {
            if Some(i) != p.cover.map(|c| c.0) {
                let id = AssetId(i);
                epub.add_resource(
                    layout.asset_path(id),
                    asset.data.as_slice(),
                    asset.media_type,
                )?;
            }
        }
        let title_page = docs.title_page();
        epub.add_content(
            EpubContent::new("title.xhtml", title_page.as_bytes())
                .title(&m.title)
                .reftype(ReferenceType::TitlePage),
        )?;
        for (i, section) in p.sections.iter().enumerate() {
            let doc = docs.section(i);
            let mut content =
                EpubContent::new(section_file(i), doc.as_bytes()).title(&section.title);
            if i == 0 {
                content = content.reftype(ReferenceType::Text);
            }
            epub.add_content(content)?;
        }
        if !p.attachments.is_empty() {
            let doc = docs.resources();
            epub.add_content(
                EpubContent::new("resources.xhtml", doc.as_bytes()).title(docs.resources_title()),
            )?;
        }
        for attachment in &p.attachments {
            if let AttachmentTarget::File(id) = attachment.target {
                let doc = docs.fallback(attachment, id);
                epub.add_content(EpubContent::new(layout.fallback_path(id), doc.as_bytes()))?;
            }
        }
        let mut out = Vec::new();
        epub.generate(&mut out)?;
        Ok(out)
    }

    fn fixes<'a>(
        &self,
        p: &'a Publication,
        layout: &Layout<'_>,
        language: &'a Language,
    ) -> PackageFixes<'a> {
        let fallbacks: HashMap<String, String> = p
            .attachments
            .iter()
            .filter_map(|a| match a.target {
                AttachmentTarget::File(id) => {
                    Some((layout.asset_path(id).to_string(), layout.fallback_path(id)))
                }
                AttachmentTarget::Url(_) => None,
            })
            .collect();
        PackageFixes {
            identifier: &p.meta.identifier,
            language: &p.meta.language,
            publisher: p.meta.publisher.as_deref(),
            fallbacks,
            meta: accessibility::metadata(p),
            date: p.meta.modified(),
            rtl: language.direction == Direction::Rtl,
            landmarks: [
                ("cover", language.label(Label::Cover)),
                ("titlepage", language.label(Label::TitlePage)),
                ("bodymatter", language.label(Label::StartOfContent)),
            ],
            landmarks_name: language.label(Label::Landmarks),
        }
    }
}

impl Renderer for EpubRenderer {
    fn name(&self) -> &'static str {
        "epub"
    }

    fn render(&self, publication: &Publication) -> Result<Rendered, Vec<Diagnostic>> {
        let fail = |message: String| {
            vec![Diagnostic::error(
                Code::Internal,
                format!("{}: EPUB packaging failed: {message}", publication.source),
            )]
        };
        let layout = Layout::new(publication);
        let language = Language::of(publication);
        let raw = self
            .build(publication, &layout, &language)
            .map_err(|e| fail(e.to_string()))?;
        let fixes = self.fixes(publication, &layout, &language);
        let bytes = package::finish(&raw, &fixes).map_err(fail)?;
        Ok(Rendered {
            bytes,
            warnings: Vec::new(),
            reads: Vec::new(),
        })
    }
}

fn midnight(date: Date) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
        0,
        0,
        0,
    )
    .single()
    .unwrap_or_default()
}

/// The standfirst as one line of plain text, for `dc:description`.
fn plain_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(inlines) => Some(Inline::plain_text(inlines)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}
