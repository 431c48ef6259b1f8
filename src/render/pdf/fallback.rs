//! Running text that typst set in the monospace font because no text font
//! covers its script.
//!
//! typst falls back to any loaded font that has a glyph. For a script the
//! template's fonts lack, that is often DejaVu Sans Mono: the PDF stays valid
//! (every character shows), so nothing fails, but readers get running text in
//! a typewriter face. After layout, the letters set in the monospace font are
//! compared with what the publication sets in monospace on purpose (code,
//! file names, web addresses, the identifier); any other letter earns one
//! warning per script, at the first place it is written, naming a font.

use std::collections::BTreeSet;

use typst::layout::{Frame, FrameItem};
use typst_layout::PagedDocument;
use unicode_script::{Script, UnicodeScript};

use super::diagnostics::{first_written, font_for};
use crate::diag::{Code, Diagnostic};
use crate::model::{AttachmentTarget, Block, Inline, LinkTarget, Publication};

/// The monospace family the embedded fonts provide.
const MONOSPACE: &str = "DejaVu Sans Mono";

/// One warning per script whose letters fell back to the monospace font.
pub(crate) fn warnings(document: &PagedDocument, publication: &Publication) -> Vec<Diagnostic> {
    let mut set_in_monospace = BTreeSet::new();
    for page in document.pages() {
        monospace_letters(&page.frame, &mut set_in_monospace);
    }
    if set_in_monospace.is_empty() {
        return Vec::new();
    }
    let intended = intended_monospace(publication);
    let mut scripts: Vec<(Script, Vec<char>)> = Vec::new();
    for c in set_in_monospace
        .into_iter()
        .filter(|c| !intended.contains(c))
    {
        match scripts.iter_mut().find(|(s, _)| *s == c.script()) {
            Some((_, chars)) => chars.push(c),
            None => scripts.push((c.script(), vec![c])),
        }
    }
    scripts
        .into_iter()
        .map(|(script, chars)| warning(publication, script.full_name(), &chars))
        .collect()
}

/// Letters outside ASCII in text runs set in the monospace font.
fn monospace_letters(frame: &Frame, out: &mut BTreeSet<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => monospace_letters(&group.frame, out),
            FrameItem::Text(text) if text.font.info().family == MONOSPACE => {
                out.extend(text.text.chars().filter(|c| is_letter(*c)));
            }
            _ => {}
        }
    }
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_ascii()
}

/// The letters the publication sets in monospace on purpose.
fn intended_monospace(p: &Publication) -> BTreeSet<char> {
    let mut texts: Vec<&str> = vec![&p.meta.identifier];
    for attachment in &p.attachments {
        match &attachment.target {
            AttachmentTarget::Url(url) => texts.push(url),
            AttachmentTarget::File(id) => texts.push(&p.asset(*id).file_name),
        }
    }
    let blocks = p
        .summary
        .iter()
        .flatten()
        .chain(p.sections.iter().flat_map(|s| &s.blocks))
        .chain(p.footnotes.iter().flat_map(|n| &n.blocks));
    for block in blocks {
        code_in_block(block, &mut texts);
    }
    texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| is_letter(*c))
        .collect()
}

/// Code and web addresses in a block: the text a template may set in monospace.
fn code_in_block<'a>(block: &'a Block, out: &mut Vec<&'a str>) {
    match block {
        Block::Code { text, .. } => out.push(text),
        Block::Paragraph(inlines)
        | Block::Heading {
            content: inlines, ..
        } => {
            code_in_inlines(inlines, out);
        }
        Block::List { items, .. } => items.iter().flatten().for_each(|b| code_in_block(b, out)),
        Block::Quote(blocks) => blocks.iter().for_each(|b| code_in_block(b, out)),
        Block::Table(table) => table
            .header
            .iter()
            .chain(table.rows.iter().flatten())
            .for_each(|cell| code_in_inlines(cell, out)),
        Block::Figure { .. } | Block::Rule => {}
    }
}

fn code_in_inlines<'a>(inlines: &'a [Inline], out: &mut Vec<&'a str>) {
    for inline in inlines {
        match inline {
            Inline::Code(code) => out.push(code),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => code_in_inlines(c, out),
            Inline::Passage { content, .. } => code_in_inlines(content, out),
            Inline::Link { target, content } => {
                if let LinkTarget::External(url) = target {
                    out.push(url);
                }
                code_in_inlines(content, out);
            }
            Inline::Text(_)
            | Inline::Image { .. }
            | Inline::FootnoteRef { .. }
            | Inline::SoftBreak
            | Inline::LineBreak => {}
        }
    }
}

/// The warning for `chars` of `script`, at the first place one is written.
fn warning(publication: &Publication, script: &str, chars: &[char]) -> Diagnostic {
    let listed: Vec<String> = chars.iter().take(12).map(|c| format!("`{c}`")).collect();
    let listed = listed.join(", ");
    let mut diag = Diagnostic::warning(
        Code::FontFallback,
        format!(
            "{script} text ({listed}) is set in the monospace font {MONOSPACE}: \
             no text font of the template covers it"
        ),
    );
    if let Some(suggestion) = font_for(script) {
        diag = diag.hint(suggestion);
    }
    let diag = diag.hint(format!(
        "add a font for it to fonts/ or templates/{}/fonts/, or name a folder with --font-path",
        publication.template
    ));
    match first_written(publication, chars) {
        Some((text, span)) => diag.at(text, Some(span)),
        None => diag,
    }
}
