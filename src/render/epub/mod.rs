//! The EPUB 3 renderer: model → XHTML documents → epub-builder → fixed-up archive.
//!
//! Reading order mirrors the PDF: title page (standfirst, key figures), the
//! sections, then "Attachments & resources". File attachments are packaged
//! and linked, each with an XHTML fallback page so EPUBCheck accepts PDF/CSV
//! links; see [`package`] for the corrections applied to epub-builder's output.

pub(crate) mod accessibility;
pub(crate) mod cover;
pub(crate) mod package;
mod theme;
pub(crate) mod writer;
pub(crate) mod xhtml;

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use epub_builder::{EpubBuilder, EpubContent, EpubVersion, ReferenceType, TocElement, ZipLibrary};

use super::{RenderContext, Rendered, Renderer};
use crate::diag::{Code, Diagnostic};
use crate::model::{AssetId, AttachmentTarget, Block, Date, Publication};
use crate::project::labels::Label;
use crate::project::language::{Direction, Language};
use package::PackageFixes;
use xhtml::{Documents, Layout, section_file, subheadings};

/// The EPUB's file extension.
pub const EXTENSION: &str = "epub";

/// Renders publications to EPUB 3, styled by their template's `epub.css`.
pub struct EpubRenderer;

impl EpubRenderer {
    /// Builds the raw package with epub-builder: metadata, resources, then
    /// the documents in reading order.
    fn build(
        &self,
        p: &Publication,
        cx: &RenderContext<'_>,
        layout: &Layout<'_>,
    ) -> Result<Vec<u8>, epub_builder::Error> {
        let mut epub = EpubBuilder::new(ZipLibrary::new()?)?;
        metadata(&mut epub, p, cx)?;
        resources(&mut epub, p, cx, layout)?;
        documents(&mut epub, p, &Documents::new(layout, cx.language), layout)?;
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
            title: &p.meta.title,
            language: &p.meta.language,
            publisher: p.meta.publisher.as_deref(),
            fallbacks,
            meta: accessibility::metadata(p, language),
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
    fn extension(&self) -> &'static str {
        EXTENSION
    }

    fn render(
        &self,
        publication: &Publication,
        cx: &RenderContext<'_>,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let fail = |message: String| {
            vec![Diagnostic::error(
                Code::Internal,
                format!("{}: EPUB packaging failed: {message}", publication.source),
            )]
        };
        let layout = Layout::new(publication);
        let raw = self
            .build(publication, cx, &layout)
            .map_err(|e| fail(e.to_string()))?;
        let fixes = self.fixes(publication, &layout, cx.language);
        let bytes = package::finish(&raw, &fixes).map_err(fail)?;
        Ok(Rendered {
            bytes,
            side: Vec::new(),
            warnings: Vec::new(),
            reads: Vec::new(),
        })
    }
}

/// The package metadata and the stylesheet.
fn metadata(
    epub: &mut EpubBuilder<ZipLibrary>,
    p: &Publication,
    cx: &RenderContext<'_>,
) -> Result<(), epub_builder::Error> {
    let m = &p.meta;
    epub.epub_version(EpubVersion::V33);
    epub.set_title(&m.title);
    epub.add_language(&m.language);
    epub.set_generator(format!("briefpress {}", env!("CARGO_PKG_VERSION")));
    epub.set_toc_name(cx.language.label(Label::Contents));
    if cx.language.direction == Direction::Rtl {
        epub.metadata("direction", "rtl")?;
    }
    for author in &m.authors {
        epub.add_author(author);
    }
    for keyword in &m.keywords {
        epub.add_subject(keyword);
    }
    if let Some(summary) = &p.summary {
        epub.add_description(Block::plain_text(summary));
    }
    epub.set_publication_date(midnight(m.date));
    epub.set_modified_date(midnight(m.modified()));
    epub.stylesheet(theme::stylesheet(cx.template.stylesheet.as_slice(), &p.style).as_ref())?;
    Ok(())
}

/// The cover (the publication's, or one drawn from its metadata) and every
/// other image and attached file.
fn resources(
    epub: &mut EpubBuilder<ZipLibrary>,
    p: &Publication,
    cx: &RenderContext<'_>,
    layout: &Layout<'_>,
) -> Result<(), epub_builder::Error> {
    match p.cover {
        Some(cover) => {
            let asset = p.asset(cover);
            epub.add_cover_image(
                layout.asset_path(cover),
                asset.data.as_slice(),
                asset.media_type,
            )?;
        }
        None => {
            let svg = cover::svg(p, cx.language);
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
    Ok(())
}

/// The content documents in reading order: title page, sections, the
/// resources page, then the attachments' fallback pages (outside the spine).
fn documents(
    epub: &mut EpubBuilder<ZipLibrary>,
    p: &Publication,
    docs: &Documents<'_>,
    layout: &Layout<'_>,
) -> Result<(), epub_builder::Error> {
    let title_page = docs.title_page();
    epub.add_content(
        EpubContent::new("title.xhtml", title_page.as_bytes())
            .title(&p.meta.title)
            .reftype(ReferenceType::TitlePage),
    )?;
    for (i, section) in p.sections.iter().enumerate() {
        let doc = docs.section(i);
        let mut content = EpubContent::new(section_file(i), doc.as_bytes()).title(&section.title);
        if i == 0 {
            content = content.reftype(ReferenceType::Text);
        }
        // The subheadings nest under their section, as in the PDF outline.
        for sub in subheadings(section, i) {
            let entry = TocElement::new(sub.href, sub.title).level(1 + i32::from(sub.level));
            content.toc.add(entry);
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
    Ok(())
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
