//! The EPUB's accessibility metadata: what the package tells reading systems
//! and bookstores about how the edition can be read.
//!
//! The schema.org properties and the summary are derived from the content
//! (a publication with images says it has visual content with text
//! alternatives; one with footnotes says they are linked both ways), the
//! summary in the publication's language. The conformance claim,
//! `dcterms:conformsTo` "EPUB Accessibility 1.1 - WCAG 2.2 Level AA", rests
//! on what the renderer guarantees for every edition (language on every
//! document, DPUB-ARIA roles, headings and navigation, alt text required by
//! the loader, relative sizes) and on Ace by DAISY reporting no violation in
//! the tests. Nobody certified it, so `a11y:certifiedBy` is left out.

use crate::model::{Block, Inline, Publication};
use crate::project::labels::Label;
use crate::project::language::Language;

/// The conformance claim written as `dcterms:conformsTo`.
pub const CONFORMS_TO: &str = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA";

/// `(property, value)` pairs for the package's `<meta>` elements, the
/// summary in the publication's `language`.
pub fn metadata(p: &Publication, language: &Language) -> Vec<(&'static str, String)> {
    let images = has_content_images(p);
    let notes = !p.footnotes.is_empty();
    let mut meta = vec![("dcterms:conformsTo", CONFORMS_TO.to_string())];
    // Every edition shows an image (its cover, given or typeset) besides text.
    meta.push(("schema:accessMode", "textual".into()));
    meta.push(("schema:accessMode", "visual".into()));
    // Images carry alt text (the loader refuses an image without it), so
    // text alone is enough; with the images is the full experience.
    meta.push(("schema:accessModeSufficient", "textual".into()));
    meta.push(("schema:accessModeSufficient", "textual,visual".into()));
    if images {
        meta.push(("schema:accessibilityFeature", "alternativeText".into()));
    }
    for feature in [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ] {
        meta.push(("schema:accessibilityFeature", feature.into()));
    }
    meta.push(("schema:accessibilityHazard", "none".into()));
    meta.push((
        "schema:accessibilitySummary",
        summary(images, notes, language),
    ));
    meta
}

/// What a person reads before buying or opening the edition, in its
/// language: the label table's opening (or the publication's own, from
/// `[labels]`), then a sentence for images and one for footnotes, each only
/// when the edition has them, so the summary never claims what is absent.
fn summary(images: bool, notes: bool, language: &Language) -> String {
    let mut text = language.label(Label::AccessibilitySummary).to_string();
    let extra = [
        (images, Label::AccessibilitySummaryImages),
        (notes, Label::AccessibilitySummaryNotes),
    ];
    for (_, label) in extra.into_iter().filter(|(has, _)| *has) {
        let sentence = language.label(label);
        // Chinese and Japanese sentences follow each other without a space.
        if !text.is_empty() && !text.ends_with(['。', '．', '！', '？']) {
            text.push(' ');
        }
        text.push_str(sentence);
    }
    text
}

/// Whether the standfirst, a section or a footnote shows an image.
fn has_content_images(p: &Publication) -> bool {
    let summary = p.summary.iter().flatten();
    let sections = p.sections.iter().flat_map(|s| &s.blocks);
    let notes = p.footnotes.iter().flat_map(|n| &n.blocks);
    summary.chain(sections).chain(notes).any(block_has_image)
}

fn block_has_image(block: &Block) -> bool {
    match block {
        Block::Figure { .. } => true,
        Block::Paragraph(inlines)
        | Block::Heading {
            content: inlines, ..
        } => inlines_have_image(inlines),
        Block::List { items, .. } => items.iter().flatten().any(block_has_image),
        Block::Quote(blocks) => blocks.iter().any(block_has_image),
        Block::Table(table) => table
            .header
            .iter()
            .chain(table.rows.iter().flatten())
            .any(|cell| inlines_have_image(cell)),
        Block::Code { .. } | Block::Rule => false,
    }
}

fn inlines_have_image(inlines: &[Inline]) -> bool {
    inlines.iter().any(|inline| match inline {
        Inline::Image { .. } => true,
        Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => inlines_have_image(c),
        Inline::Passage { content, .. } => inlines_have_image(content),
        Inline::Link { content, .. } => inlines_have_image(content),
        Inline::Text(_)
        | Inline::Code(_)
        | Inline::FootnoteRef { .. }
        | Inline::SoftBreak
        | Inline::LineBreak => false,
    })
}
