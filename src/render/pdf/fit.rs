//! Warnings for what the template had to fit into the page.
//!
//! The template measures every table and every long word it is handed (see
//! `fit-table` and `long-word` in the brief template), and the words of its
//! own display text (title, headings, running heads, key figures:
//! `fit-words`), and changes only what does not fit: smaller type, a
//! landscape page, words broken between characters. Each change leaves a `metadata` value labelled `<bp-fit>` in
//! the laid-out document; this module reads them from its introspector and
//! turns each into one `too-wide` warning that names the table (section,
//! number, first header) or the word, at the place it is written.

use std::collections::BTreeSet;

use typst::foundations::{Dict, Label, Value};
use typst::introspection::{Introspector as _, MetadataElem};
use typst::utils::PicoStr;
use typst_layout::PagedDocument;

use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::{Block, Inline, Publication, Table};

/// The label of the template's records.
const LABEL: &str = "bp-fit";

/// The longest word (bytes) looked for in any letter case.
const MAX_CASELESS: usize = 1024;

/// One warning per table the template had to change and per long word it
/// broke, in document order, each word once.
pub(crate) fn warnings(document: &PagedDocument, publication: &Publication) -> Vec<Diagnostic> {
    let Some(label) = Label::new(PicoStr::intern(LABEL)) else {
        return Vec::new();
    };
    let mut words = BTreeSet::new();
    let mut out = Vec::new();
    for content in document
        .introspector()
        .query(&typst::foundations::Selector::Label(label))
    {
        let Some(meta) = content.to_packed::<MetadataElem>() else {
            continue;
        };
        let Value::Dict(record) = &meta.value else {
            continue;
        };
        if let Some(word) = string(record, "word") {
            // A value isolated for right-to-left text brings its isolation
            // marks; a label set in capitals reports its words in capitals.
            let word = word.trim_matches(is_direction_mark);
            if words.insert(word.to_lowercase()) {
                out.push(word_warning(publication, word));
            }
        } else if let Some(id) = string(record, "table") {
            out.push(table_warning(publication, &id, record));
        }
    }
    out
}

/// An invisible mark that sets the direction of the text around it
/// (LRM, RLM, embeddings, overrides, isolates): never part of a word as written.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn string(record: &Dict, key: &str) -> Option<String> {
    match record.get(key) {
        Ok(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn number(record: &Dict, key: &str) -> Option<f64> {
    match record.get(key) {
        Ok(Value::Float(f)) => Some(*f),
        Ok(Value::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

fn flag(record: &Dict, key: &str) -> bool {
    matches!(record.get(key), Ok(Value::Bool(true)))
}

fn word_warning(publication: &Publication, word: &str) -> Diagnostic {
    let place = place(publication, word);
    // As written (a label in capitals reports the word in capitals).
    let written = place
        .as_ref()
        .map_or(word, |(source, range)| &source.text[range.clone()]);
    let shown: String = written.chars().take(40).collect();
    let ellipsis = if shown.len() < written.len() {
        "…"
    } else {
        ""
    };
    let diagnostic = Diagnostic::warning(
        Code::TooWide,
        format!("the word `{shown}{ellipsis}` is wider than a line; it is broken between letters"),
    )
    .hint("add a hyphen or a space where it may break, or a soft hyphen (U+00AD), which shows only at a line end");
    at(publication, place, diagnostic)
}

fn table_warning(publication: &Publication, id: &str, record: &Dict) -> Diagnostic {
    let (name, header) = describe(publication, id);
    let size = number(record, "size").unwrap_or(0.0);
    let base = number(record, "base").unwrap_or(size);
    let mut changes = Vec::new();
    if size < base {
        changes.push(format!("set in {size} pt type instead of {base} pt"));
    }
    if flag(record, "landscape") {
        changes.push("on a landscape page of its own".to_string());
    }
    if flag(record, "wrapped") {
        changes.push("with words broken inside its cells".to_string());
    }
    let diagnostic = Diagnostic::warning(
        Code::TooWide,
        format!(
            "{name} is too wide for the text column; it is {}",
            changes.join(", ")
        ),
    )
    .hint("give the table fewer columns, or shorter words in its cells (a long table reads better split in two)");
    match header {
        Some(header) => located(publication, &header, diagnostic),
        None => diagnostic.at(&SourceText::unread(publication.source.clone()), None),
    }
}

/// "table 2 of section “Methods” (first column “Country”)" for a table id
/// of the generated source, and the first header cell's text.
fn describe(publication: &Publication, id: &str) -> (String, Option<String>) {
    let (section, number) = id.split_once(':').unwrap_or((id, "0"));
    let number: usize = number.parse().unwrap_or(0);
    let (place, tables) = match section.parse::<usize>() {
        Ok(index) => match publication.sections.get(index) {
            Some(s) => (
                format!("section “{}”", s.title),
                tables_of(publication, &s.blocks),
            ),
            None => (String::from("the publication"), Vec::new()),
        },
        Err(_) => (
            String::from("the summary"),
            publication
                .summary
                .as_deref()
                .map_or_else(Vec::new, |b| tables_of(publication, b)),
        ),
    };
    let header = number
        .checked_sub(1)
        .and_then(|i| tables.get(i))
        .and_then(|t| {
            t.header
                .iter()
                .map(|c| Inline::plain_text(c))
                .find(|h| !h.trim().is_empty())
        });
    let name = match &header {
        Some(h) => format!("table {number} of {place} (first column “{}”)", h.trim()),
        None => format!("table {number} of {place}"),
    };
    (name, header.map(|h| h.trim().to_string()))
}

/// The tables of `blocks` in the order the typst source writes them: each
/// block in turn, a note's tables where the note is first referenced.
fn tables_of<'p>(publication: &'p Publication, blocks: &'p [Block]) -> Vec<&'p Table> {
    let mut out = Vec::new();
    walk_blocks(publication, blocks, &mut out);
    out
}

fn walk_inlines<'p>(p: &'p Publication, items: &'p [Inline], out: &mut Vec<&'p Table>) {
    for item in items {
        match item {
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => walk_inlines(p, c, out),
            Inline::Passage { content, .. } => walk_inlines(p, content, out),
            Inline::Link { content, .. } => walk_inlines(p, content, out),
            Inline::FootnoteRef { index, first: true } => {
                if let Some(note) = p.footnotes.get(*index) {
                    walk_blocks(p, &note.blocks, out);
                }
            }
            _ => {}
        }
    }
}

fn walk_blocks<'p>(p: &'p Publication, items: &'p [Block], out: &mut Vec<&'p Table>) {
    for block in items {
        match block {
            Block::Paragraph(c) | Block::Heading { content: c, .. } => walk_inlines(p, c, out),
            Block::List { items, .. } => items.iter().for_each(|i| walk_blocks(p, i, out)),
            Block::Quote(b) => walk_blocks(p, b, out),
            Block::Table(t) => {
                // The table is numbered before the notes in its cells.
                out.push(t);
                t.header
                    .iter()
                    .chain(t.rows.iter().flatten())
                    .for_each(|c| walk_inlines(p, c, out));
            }
            Block::Code { .. } | Block::Figure { .. } | Block::Rule => {}
        }
    }
}

/// `diagnostic` at the first place `text` is written in the publication's
/// files, or at the publication file.
fn located(publication: &Publication, text: &str, diagnostic: Diagnostic) -> Diagnostic {
    at(publication, place(publication, text), diagnostic)
}

/// Where `text` is first written, exactly or else in another letter case.
fn place<'p>(
    publication: &'p Publication,
    text: &str,
) -> Option<(&'p SourceText, std::ops::Range<usize>)> {
    let exact = publication.texts.iter().find_map(|source| {
        source
            .text
            .find(text)
            .map(|at| (source, at..at + text.len()))
    });
    exact.or_else(|| ignoring_case(publication, text))
}

/// `diagnostic` at `place`, or at the publication file when not found.
fn at(
    publication: &Publication,
    place: Option<(&SourceText, std::ops::Range<usize>)>,
    diagnostic: Diagnostic,
) -> Diagnostic {
    match place {
        Some((source, range)) => diagnostic.at(source, Some(range)),
        None => diagnostic.at(&SourceText::unread(publication.source.clone()), None),
    }
}

/// Where `text` is written in any letter case (a word the template set in
/// capitals), in linear time; `None` for a word too long to look for so.
fn ignoring_case<'p>(
    publication: &'p Publication,
    text: &str,
) -> Option<(&'p SourceText, std::ops::Range<usize>)> {
    if text.len() > MAX_CASELESS {
        return None;
    }
    let pattern = regex::RegexBuilder::new(&regex::escape(text))
        .case_insensitive(true)
        .build()
        .ok()?;
    publication
        .texts
        .iter()
        .find_map(|source| pattern.find(&source.text).map(|m| (source, m.range())))
}
