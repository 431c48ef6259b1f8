//! The publication file format as serde sees it: the TOML contract users write.
//!
//! Every key is spanned so later validation can point at the exact value.
//! The text is parsed once, by toml_edit (which keeps spans). Unknown keys
//! are found by walking that document, so *every* misspelt key is reported
//! with a "did you mean" hint; the values are then deserialized by
//! [`typed`](super::typed), which reports every value of the wrong type, not
//! just the first. Required keys are optional here: the loader reports a
//! missing one, unless its value was already refused for its type.

use schemars::JsonSchema;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;
use toml::value::Datetime;

use toml_edit::{ImDocument, Item, Table, TableLike};

use super::typed::{self, Refused};
use crate::diag::{Code, Diagnostic, SourceText};
use crate::project::style::{RawStyle, STYLE_KEYS};

/// A publication file, before validation.
///
/// Also the source of `briefpress schema`: the JSON Schema is derived from
/// these types, so editors check exactly what this loader reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    title = "briefpress publication",
    description = "One publication for briefpress: metadata, key figures, sections and attachments. Paths are relative to this file."
)]
pub struct RawPublication {
    /// The title (required, not empty).
    #[schemars(with = "String")]
    pub title: Option<Spanned<String>>,
    /// A line under the title.
    #[schemars(with = "Option<String>")]
    pub subtitle: Option<Spanned<String>>,
    /// Authors, in the order printed.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub authors: Vec<Spanned<String>>,
    /// The publishing organisation.
    #[schemars(with = "Option<String>")]
    pub publisher: Option<Spanned<String>>,
    /// The publication date, a bare TOML date: `date = 2021-10-19` (required).
    #[schemars(with = "String", extend("format" = "date"))]
    pub date: Option<Spanned<Datetime>>,
    /// When it was last updated, a bare TOML date on or after `date`.
    #[schemars(with = "Option<String>", extend("format" = "date"))]
    pub updated: Option<Spanned<Datetime>>,
    /// A BCP 47 language tag, e.g. `en-GB` (default `en`).
    #[schemars(with = "Option<String>")]
    pub language: Option<Spanned<String>>,
    /// An ISBN, URN or URL; default: a stable urn:uuid from title, publisher, date and language.
    #[schemars(with = "Option<String>")]
    pub identifier: Option<Spanned<String>>,
    /// Keywords for the document metadata.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub keywords: Vec<Spanned<String>>,
    /// The standfirst, in Markdown.
    #[schemars(with = "Option<String>")]
    pub summary: Option<Spanned<String>>,
    /// A cover image (PNG, JPEG, GIF or SVG), relative to this file.
    #[schemars(with = "Option<String>")]
    pub cover: Option<Spanned<String>>,
    /// A template: a folder under `templates/`, or the built-in `brief` (default).
    #[schemars(with = "Option<String>")]
    pub template: Option<Spanned<String>>,
    /// PDF editions to build: `standard`, `large-print` (default `["standard"]`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub editions: Vec<Spanned<String>>,
    /// Key figures, in order.
    #[serde(default)]
    #[schemars(with = "Vec<RawHighlight>")]
    pub highlights: Vec<Spanned<RawHighlight>>,
    /// The sections, in reading order (at least one).
    #[serde(default)]
    #[schemars(with = "Vec<RawSection>", length(min = 1))]
    pub sections: Vec<Spanned<RawSection>>,
    /// Files and links listed under "Attachments & resources".
    #[serde(default)]
    #[schemars(with = "Vec<RawAttachment>")]
    pub attachments: Vec<Spanned<RawAttachment>>,
    /// How it looks, over the project's `[style]`: accent, fonts, logo, paper.
    #[serde(default)]
    pub style: RawStyle,
}

/// A `[[highlights]]` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "Highlight",
    description = "A key figure, printed large before the first section."
)]
pub struct RawHighlight {
    /// The figure as printed, e.g. `60,000` or `77%` (required).
    #[schemars(with = "String")]
    pub value: Option<Spanned<String>>,
    /// What the figure counts (required).
    #[schemars(with = "String")]
    pub label: Option<Spanned<String>>,
    /// Where the figure comes from.
    #[schemars(with = "Option<String>")]
    pub source: Option<Spanned<String>>,
}

/// A `[[sections]]` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "Section",
    description = "A section, in reading order: exactly one of `body` and `file`."
)]
pub struct RawSection {
    /// The section heading (required).
    #[schemars(with = "String")]
    pub title: Option<Spanned<String>>,
    /// The text, in Markdown (or use `file`).
    #[schemars(with = "Option<String>")]
    pub body: Option<Spanned<String>>,
    /// A Markdown file holding the text, relative to this file (or use `body`).
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
    /// The anchor for links like `(#id)`: letters, digits, `-` and `_`; default from the title.
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
}

/// An `[[attachments]]` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "Attachment",
    description = "A file embedded in both editions, or a web address listed as a link: exactly one of `file` and `url`."
)]
pub struct RawAttachment {
    /// What the attachment is called (required).
    #[schemars(with = "String")]
    pub title: Option<Spanned<String>>,
    /// A file to embed, relative to this file (or use `url`).
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
    /// An http or https address (or use `file`).
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// A sentence about it.
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
}

/// Keys allowed at the top level of a publication.
pub const TOP_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "authors",
    "publisher",
    "date",
    "updated",
    "language",
    "identifier",
    "keywords",
    "summary",
    "cover",
    "template",
    "editions",
    "highlights",
    "sections",
    "attachments",
    "labels",
    "smart_punctuation",
    "style",
];
/// Keys allowed in a `[[highlights]]` entry.
pub const HIGHLIGHT_KEYS: &[&str] = &["value", "label", "source"];
/// Keys allowed in a `[[sections]]` entry.
pub const SECTION_KEYS: &[&str] = &["title", "body", "file", "id"];
/// Keys allowed in an `[[attachments]]` entry.
pub const ATTACHMENT_KEYS: &[&str] = &["title", "file", "url", "description"];

/// A publication file as read: its values, and the keys whose values were
/// refused for their type (reported already, so not missing).
pub struct Parsed {
    /// The values that have the right types.
    pub raw: RawPublication,
    /// The keys refused for their type.
    pub refused: Refused,
}

/// Parses the TOML text. Returns what could be read (absent after a syntax
/// error) and every diagnostic found: unknown keys and wrong-typed values.
pub fn parse(source: &SourceText) -> (Option<Parsed>, Vec<Diagnostic>) {
    let doc = match ImDocument::parse(&*source.text) {
        Ok(doc) => doc,
        Err(err) => return (None, vec![syntax_error(source, err.message(), err.span())]),
    };
    let mut diagnostics = unknown_keys(doc.as_table(), source);
    let parsed = typed::deserialize::<RawPublication>(doc.into_table(), source, &mut diagnostics)
        .map(|(raw, refused)| Parsed { raw, refused });
    (parsed, diagnostics)
}

/// A TOML syntax error (an impossible date among them) at its position.
fn syntax_error(source: &SourceText, message: &str, span: Option<Range<usize>>) -> Diagnostic {
    let message = message.trim().replace('\n', ": ");
    if message.contains("date-time") {
        return Diagnostic::error(Code::InvalidDate, format!("invalid date: {message}"))
            .at(source, span)
            .hint("use a real calendar date as YYYY-MM-DD, e.g. 2021-10-19");
    }
    Diagnostic::error(Code::TomlSyntax, format!("invalid TOML: {message}"))
        .at(source, span)
        .hint("fix the TOML syntax at this position (https://toml.io)")
}

/// Sorts a toml/serde error into one of our codes, with a hint a person can act on.
pub(super) fn classify(source: &SourceText, err: &toml::de::Error) -> Diagnostic {
    let message = err.message().trim().replace('\n', ": ");
    let span = err.span();
    // A schema error still parses as a table; a syntax error does not.
    if source.text.parse::<toml::Table>().is_err() {
        return syntax_error(source, &message, span);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        let diag = Diagnostic::error(Code::MissingKey, format!("missing required key `{key}`"));
        // serde points a missing top-level key at the first line, which reads
        // as if that line were wrong: name the file only.
        let top_level = ImDocument::parse(&*source.text)
            .is_ok_and(|doc| TOP_KEYS.contains(&key) && !doc.contains_key(key));
        return if top_level {
            diag.at(source, None).hint(format!(
                "add `{key} = …` at the top of the file, before any [[…]] table"
            ))
        } else {
            diag.at(source, span)
                .hint(format!("add `{key} = …` to this table"))
        };
    }
    let mut diag = Diagnostic::error(Code::InvalidValue, message.clone()).at(source, span);
    if message.contains("datetime") {
        diag = diag.hint("write dates as bare TOML dates without quotes, e.g. `date = 2021-10-19`");
    }
    diag
}

/// Every key the format does not know, at any level, with its span.
fn unknown_keys(doc: &Table, source: &SourceText) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_keys(doc, TOP_KEYS, source, &mut out);
    for (name, allowed) in [
        ("highlights", HIGHLIGHT_KEYS),
        ("sections", SECTION_KEYS),
        ("attachments", ATTACHMENT_KEYS),
    ] {
        if let Some(item) = doc.get(name) {
            for table in tables_in(item) {
                check_keys(table, allowed, source, &mut out);
            }
        }
    }
    if let Some(style) = doc.get("style").and_then(Item::as_table_like) {
        check_keys(style, STYLE_KEYS, source, &mut out);
    }
    out
}

/// The tables of an array of tables, or of an array of inline tables.
fn tables_in(item: &Item) -> Vec<&dyn TableLike> {
    if let Some(tables) = item.as_array_of_tables() {
        tables.iter().map(|t| t as &dyn TableLike).collect()
    } else if let Some(array) = item.as_array() {
        array
            .iter()
            .filter_map(|v| v.as_inline_table())
            .map(|t| t as &dyn TableLike)
            .collect()
    } else {
        Vec::new()
    }
}

pub(super) fn check_keys(
    table: &dyn TableLike,
    allowed: &[&str],
    source: &SourceText,
    out: &mut Vec<Diagnostic>,
) {
    for (key, _) in table.iter() {
        if allowed.contains(&key) {
            continue;
        }
        let span = table.get_key_value(key).and_then(|(k, _)| k.span());
        let mut diag =
            Diagnostic::error(Code::UnknownKey, format!("unknown key `{key}`")).at(source, span);
        if let Some(best) = crate::diag::closest(key, allowed.iter().copied()) {
            diag = diag.hint(format!("did you mean `{best}`?"));
        }
        out.push(diag.hint(format!("the keys allowed here are: {}", allowed.join(", "))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::typed::Place;

    fn src(text: &str) -> SourceText {
        SourceText::new("t.toml", text)
    }

    fn only_error(text: &str) -> Diagnostic {
        let (_, mut diags) = parse(&src(text));
        assert_eq!(diags.len(), 1, "{diags:?}");
        diags.remove(0)
    }

    #[test]
    fn misspelt_key_suggests_the_right_one() {
        let (_, diags) = parse(&src(
            "title = \"x\"\ndate = 2021-01-01\n[[sections]]\ntitel = \"x\"\nbody = \"\"\n",
        ));
        // The missing `title` is the loader's to report, once the rest is checked.
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::UnknownKey], "{diags:?}");
        let diag = &diags[0];
        assert!(diag.hints[0].contains("`title`"), "{:?}", diag.hints);
        assert_eq!(diag.line_col(), Some((4, 1)));
    }

    #[test]
    fn every_unknown_key_is_reported_and_the_rest_still_parses() {
        let (raw, diags) = parse(&src(
            "titel = \"x\"\ntitle = \"x\"\ndate = 2021-01-01\nauthor = \"y\"\n",
        ));
        assert!(raw.is_some());
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::UnknownKey, Code::UnknownKey]);
    }

    #[test]
    fn quoted_date_is_an_invalid_value_with_a_hint() {
        let diag = only_error("title = \"x\"\ndate = \"yesterday\"\n");
        assert_eq!(diag.code, Code::InvalidValue);
        assert_eq!(diag.line_col().map(|l| l.0), Some(2));
    }

    #[test]
    fn every_wrong_typed_value_is_reported_once_at_its_place() {
        let (parsed, diags) = parse(&src("title = 5\ndate = \"2025-01-15\"\nauthors = \"A\"\n\
             [[sections]]\ntitle = true\nbody = 1\n[[sections]]\ntitle = \"ok\"\nbody = \"b\"\n"));
        let at: Vec<_> = diags.iter().map(|d| (d.code, d.line_col())).collect();
        assert_eq!(
            at,
            [
                (Code::InvalidValue, Some((1, 9))),
                (Code::InvalidValue, Some((2, 8))),
                (Code::InvalidValue, Some((3, 11))),
                (Code::InvalidValue, Some((5, 9))),
                (Code::InvalidValue, Some((6, 8))),
            ],
            "{diags:?}"
        );
        assert!(
            diags[0].message.contains("`title` must be a string"),
            "{diags:?}"
        );
        assert!(
            diags[1].hints[0].contains("`date = 2025-01-15`"),
            "{diags:?}"
        );
        assert!(
            diags[2].hints[0].contains(r#"`authors = ["A"]`"#),
            "{diags:?}"
        );
        let parsed = parsed.expect("the rest is still read");
        let refused = &parsed.refused;
        assert!(refused.has(Place::Top, "title") && refused.has(Place::Top, "date"));
        assert!(refused.has(Place::Entry("sections", 0), "body"));
        assert!(!refused.has(Place::Entry("sections", 1), "body"));
        assert_eq!(parsed.raw.sections.len(), 2);
        assert!(parsed.raw.title.is_none() && parsed.raw.authors.is_empty());
    }

    /// `n` sections whose titles are numbers.
    fn numbered_titles(n: usize) -> String {
        let mut text = String::from("title = \"x\"\ndate = 2021-01-01\n");
        for i in 0..n {
            text.push_str(&format!("[[sections]]\ntitle = {i}\nbody = \"b\"\n"));
        }
        text
    }

    #[test]
    fn twenty_wrong_typed_values_are_all_reported_and_the_rest_still_read() {
        let (parsed, diags) = parse(&src(&numbered_titles(typed::MAX_REFUSED)));
        assert_eq!(diags.len(), typed::MAX_REFUSED, "{diags:?}");
        assert!(diags.iter().all(|d| d.message.contains("`title` must be")));
        assert_eq!(parsed.expect("the rest is read").raw.sections.len(), 20);
    }

    #[test]
    fn past_twenty_wrong_typed_values_one_message_says_where_checking_stopped() {
        let (parsed, diags) = parse(&src(&numbered_titles(typed::MAX_REFUSED + 5)));
        assert!(parsed.is_none());
        assert_eq!(diags.len(), typed::MAX_REFUSED + 1, "{diags:?}");
        let last = &diags[typed::MAX_REFUSED];
        assert!(last.message.starts_with("more than 20 values"), "{last:?}");
        // Section 21's title, on line 2 + 3 × 20 + 2.
        assert_eq!(last.line_col(), Some((64, 9)));
    }

    #[test]
    fn broken_toml_is_a_syntax_error() {
        assert_eq!(only_error("title = \"x\n").code, Code::TomlSyntax);
    }

    #[test]
    fn the_key_lists_name_real_fields() {
        let all = "title = \"t\"\nsubtitle = \"s\"\nauthors = [\"a\"]\npublisher = \"p\"\n\
                   date = 2021-01-01\nupdated = 2021-01-02\nlanguage = \"en\"\nidentifier = \"i\"\n\
                   keywords = [\"k\"]\nsummary = \"s\"\ncover = \"c\"\ntemplate = \"t\"\n\
                   [[highlights]]\nvalue = \"v\"\nlabel = \"l\"\nsource = \"s\"\n\
                   [[sections]]\ntitle = \"t\"\nbody = \"b\"\nfile = \"f\"\nid = \"i\"\n\
                   [[attachments]]\ntitle = \"t\"\nfile = \"f\"\nurl = \"u\"\ndescription = \"d\"\n";
        let (parsed, diags) = parse(&src(all));
        assert!(diags.is_empty(), "{diags:?}");
        let raw = parsed.unwrap().raw;
        assert!(raw.subtitle.is_some() && raw.publisher.is_some() && raw.updated.is_some());
        assert!(raw.language.is_some() && raw.identifier.is_some() && raw.summary.is_some());
        assert!(raw.cover.is_some() && raw.template.is_some() && !raw.authors.is_empty());
        assert!(!raw.keywords.is_empty() && raw.highlights[0].get_ref().source.is_some());
        let section = raw.sections[0].get_ref();
        assert!(section.body.is_some() && section.file.is_some() && section.id.is_some());
        let attachment = raw.attachments[0].get_ref();
        assert!(
            attachment.file.is_some()
                && attachment.url.is_some()
                && attachment.description.is_some()
        );
    }
}
