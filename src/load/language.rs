//! The publication's language settings, applied once the model is built:
//! its `[labels]` overrides and typographic punctuation.
//!
//! Both run after the rest of the loader, on the finished [`Publication`],
//! so the loader proper needs no knowledge of either: `[labels]` is read from
//! the TOML text again (toml_edit keeps the key spans a "did you mean" needs),
//! and the punctuation pass walks the model's text, the same text both
//! editions print, so the PDF and the EPUB cannot disagree about a quote.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::{Block, Inline, Publication};
use crate::project::labels::{LabelError, Labels};
use crate::project::punctuation::SmartPunctuation;
use crate::project::settings::Settings;

/// The key of the label overrides table.
pub const LABELS_KEY: &str = "labels";
/// The key that turns typographic punctuation off.
pub const SMART_PUNCTUATION_KEY: &str = "smart_punctuation";

/// Reads `[labels]` and `smart_punctuation` from the publication's TOML text
/// (`publication.texts[0]`), stores the checked overrides (over the project
/// file's for its language) in the model and converts its text to the
/// language's punctuation. Returns the problems found; the model is only
/// used when none is an error.
pub fn apply(publication: &mut Publication, settings: &Settings) -> Vec<Diagnostic> {
    let Some(source) = publication.texts.first().cloned() else {
        return Vec::new();
    };
    let Ok(doc) = ImDocument::parse(&*source.text) else {
        // The loader has reported the syntax error already.
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    let language = publication.meta.language.clone();
    let defaults = Labels::for_language(&language);
    let project_labels = settings.labels_for(&language);
    if defaults.table() == "en"
        && publication.meta.language_code() != "en"
        && project_labels.is_empty()
    {
        diagnostics.push(
            Diagnostic::warning(
                Code::InvalidValue,
                format!("briefpress has no labels for `{language}`: its headings and notes are in English"),
            )
            .at(&source, span_of(doc.as_table(), "language"))
            .hint(format!("translate them in a [labels] table, or for the whole project in briefpress.toml's [labels.{language}] (the keys are listed in the README)")),
        );
    }
    publication.labels = project_labels;
    if let Some((key, item)) = doc.as_table().get_key_value(LABELS_KEY) {
        let own = overrides(&defaults, key.span(), item, &source, &mut diagnostics);
        publication.labels.extend(own);
    }
    let smart = match doc.get(SMART_PUNCTUATION_KEY) {
        None => settings.smart_punctuation.unwrap_or(true),
        Some(item) => item.as_bool().unwrap_or_else(|| {
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{SMART_PUNCTUATION_KEY}` must be true or false"),
                )
                .at(&source, item.span())
                .hint("write `smart_punctuation = false` to keep quotes and dashes as typed"),
            );
            true
        }),
    };
    if smart {
        Punctuation::new(&language).publication(publication);
    }
    diagnostics
}

/// The `[labels]` table as checked overrides; every problem is reported at
/// the key or value it is about.
pub(super) fn overrides(
    defaults: &Labels,
    key_span: Option<Range<usize>>,
    item: &Item,
    source: &SourceText,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let Some(table) = item.as_table_like() else {
        diagnostics.push(
            Diagnostic::error(Code::InvalidValue, "`labels` must be a table of texts")
                .at(source, key_span)
                .hint("write `[labels]` on a line of its own, then `key_figures = \"At a glance\"` lines"),
        );
        return BTreeMap::new();
    };
    let mut texts = BTreeMap::new();
    for (key, value) in table.iter() {
        match value.as_str() {
            Some(text) => {
                texts.insert(key.to_string(), text.to_string());
            }
            None => diagnostics.push(
                Diagnostic::error(Code::InvalidValue, format!("label `{key}` must be a text"))
                    .at(source, value.span().or_else(|| span_of(table, key)))
                    .hint("write the label in quotes: `key = \"text\"`"),
            ),
        }
    }
    match defaults.with_overrides(&texts) {
        Ok(_) => texts,
        Err(errors) => {
            diagnostics.extend(errors.iter().map(|error| {
                let (code, span) = match error {
                    LabelError::UnknownKey { .. } => {
                        (Code::UnknownKey, span_of(table, error.key()))
                    }
                    _ => (
                        Code::InvalidValue,
                        table.get(error.key()).and_then(Item::span),
                    ),
                };
                Diagnostic::error(code, error.to_string())
                    .at(source, span)
                    .hint(error.hint())
            }));
            BTreeMap::new()
        }
    }
}

/// The span of `key` itself in `table`.
fn span_of(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    table.get_key_value(key).and_then(|(k, _)| k.span())
}

/// Converts a publication's text to the language's punctuation, one block
/// at a time, with the state that decides open and close quotes carried
/// across emphasis, links and code inside a block.
struct Punctuation {
    language: String,
    converter: SmartPunctuation,
}

impl Punctuation {
    fn new(language: &str) -> Self {
        Self {
            language: language.to_string(),
            converter: SmartPunctuation::new(language),
        }
    }

    fn publication(&mut self, p: &mut Publication) {
        let meta = &mut p.meta;
        for text in [&mut meta.title]
            .into_iter()
            .chain(meta.subtitle.as_mut())
            .chain(meta.authors.iter_mut())
            .chain(meta.publisher.as_mut())
        {
            self.line(text);
        }
        if let Some(summary) = &mut p.summary {
            self.blocks(summary);
        }
        for highlight in &mut p.highlights {
            self.line(&mut highlight.value);
            self.line(&mut highlight.label);
            if let Some(source) = &mut highlight.source {
                self.line(source);
            }
        }
        for section in &mut p.sections {
            self.line(&mut section.title);
            self.blocks(&mut section.blocks);
        }
        for note in &mut p.footnotes {
            self.blocks(&mut note.blocks);
        }
        for attachment in &mut p.attachments {
            self.line(&mut attachment.title);
            if let Some(description) = &mut attachment.description {
                self.line(description);
            }
        }
    }

    /// A text that stands on its own (a title, a label).
    fn line(&mut self, text: &mut String) {
        convert(&mut self.converter, text);
        self.converter.end_block();
    }

    fn blocks(&mut self, blocks: &mut [Block]) {
        for block in blocks {
            self.block(block);
        }
    }

    fn block(&mut self, block: &mut Block) {
        match block {
            Block::Paragraph(inlines)
            | Block::Heading {
                content: inlines, ..
            } => {
                self.inlines(inlines);
                self.converter.end_block();
            }
            Block::List { items, .. } => items.iter_mut().for_each(|item| self.blocks(item)),
            Block::Quote(blocks) => self.blocks(blocks),
            Block::Table(table) => {
                for cell in table
                    .header
                    .iter_mut()
                    .chain(table.rows.iter_mut().flatten())
                {
                    self.inlines(cell);
                    self.converter.end_block();
                }
            }
            Block::Figure { alt, .. } => self.line(alt),
            Block::Code { .. } | Block::Rule => {}
        }
    }

    fn inlines(&mut self, inlines: &mut [Inline]) {
        for inline in inlines {
            match inline {
                Inline::Text(text) => convert(&mut self.converter, text),
                Inline::Emph(content) | Inline::Strong(content) | Inline::Strike(content) => {
                    self.inlines(content);
                }
                // A passage in another language takes that language's quotation marks.
                Inline::Passage { tag, content } => {
                    let outer = std::mem::replace(&mut self.converter, SmartPunctuation::new(tag));
                    self.inlines(content);
                    self.converter = outer;
                    self.converter.after_atom();
                }
                // A printed web address is kept as typed (`--` in a URL is not a dash).
                Inline::Link { content, .. } if Inline::is_address(content) => {
                    self.converter.after_atom();
                }
                Inline::Link { content, .. } => self.inlines(content),
                Inline::Image { alt, .. } => {
                    // Alt text is a caption of its own, outside the sentence.
                    convert(&mut SmartPunctuation::new(&self.language), alt);
                    self.converter.after_atom();
                }
                Inline::Code(_) | Inline::FootnoteRef { .. } => self.converter.after_atom(),
                Inline::SoftBreak | Inline::LineBreak => self.converter.after_space(),
            }
        }
    }
}

fn convert(converter: &mut SmartPunctuation, text: &mut String) {
    if let Cow::Owned(converted) = converter.convert(text) {
        *text = converted;
    }
}
