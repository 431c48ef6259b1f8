//! Every word briefpress prints, from one table per language.
//!
//! The PDF template, the EPUB renderer and the SVG cover must say the same
//! thing in the same language, and a project must be able to change any of
//! it. So the words live here once: one TOML file per language under
//! `labels/` (embedded in the binary), keyed by [`Label`]. `en.toml` is the
//! reference and documents every key; a unit test checks that every other
//! table has exactly its keys and placeholders.
//!
//! [`Labels::for_language`] resolves a complete set for a BCP 47 tag, key by
//! key along the tag's fallback chain (`pt-BR` → `pt` → `en`;
//! `zh-TW` → `zh-Hant` → `zh` → `en`), so a publication always gets text for
//! every label. [`Labels::with_overrides`] applies a project's or
//! publication's `[labels]` table and reports each unknown key (with the
//! closest known one) and each lost placeholder as data the loader turns into
//! diagnostics.
//!
//! A label may contain placeholders, `{name}` with a lowercase ASCII name,
//! that the renderer fills ([`Labels::fill`]) or splits around to insert
//! markup such as a link ([`Labels::pieces`]). Substitution is one pass: a
//! value that itself contains `{date}` is never expanded again.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::locale::fallback_chain;

/// Declares [`Label`] with its key and required placeholders, once.
macro_rules! labels {
    ($($variant:ident => $key:literal [$($placeholder:literal),*];)*) => {
        /// One piece of text briefpress prints; documented in `labels/en.toml`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Label {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant,
            )*
        }

        impl Label {
            /// Every label, in the order of `en.toml` (the order of [`Labels::iter`]).
            pub const ALL: &'static [Label] = &[$(Label::$variant),*];

            /// The snake_case key used in the tables and in `[labels]` overrides.
            pub const fn key(self) -> &'static str {
                match self {
                    $(Label::$variant => $key,)*
                }
            }

            /// The placeholders every text of this label must contain.
            pub const fn placeholders(self) -> &'static [&'static str] {
                match self {
                    $(Label::$variant => &[$($placeholder),*],)*
                }
            }
        }
    };
}

labels! {
    Author => "author" [];
    Authors => "authors" [];
    Published => "published" [];
    PublishedOn => "published_on" ["date"];
    LastUpdated => "last_updated" [];
    LastUpdatedOn => "last_updated_on" ["date"];
    PublishedBy => "published_by" ["publisher"];
    KeyFigures => "key_figures" [];
    Source => "source" ["source"];
    CoverAlt => "cover_alt" ["title"];
    Contents => "contents" [];
    Landmarks => "landmarks" [];
    Cover => "cover" [];
    TitlePage => "title_page" [];
    StartOfContent => "start_of_content" [];
    Footnotes => "footnotes" [];
    FootnoteRef => "footnote_ref" ["n"];
    FootnoteBacklink => "footnote_backlink" ["n"];
    Figure => "figure" [];
    Table => "table" [];
    PageXOfY => "page_x_of_y" ["page", "total"];
    AttachmentsAndResources => "attachments_and_resources" [];
    AttachmentsIntroPdf => "attachments_intro_pdf" [];
    AttachmentsIntro => "attachments_intro" [];
    AttachmentFileNote => "attachment_file_note" ["filename", "size"];
    AttachmentLinkNote => "attachment_link_note" ["url"];
    SizeKb => "size_kb" ["size"];
    SizeMb => "size_mb" ["size"];
    AccessibilitySummary => "accessibility_summary" [];
    AccessibilitySummaryImages => "accessibility_summary_images" [];
    AccessibilitySummaryNotes => "accessibility_summary_notes" [];
}

impl Label {
    /// The label with this key (exact, snake_case), if there is one.
    pub fn from_key(key: &str) -> Option<Label> {
        Label::ALL.iter().copied().find(|label| label.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The language tag every chain ends with: its table is complete.
const REFERENCE: &str = "en";

/// The shipped tables: language tag and TOML source.
const SOURCES: &[(&str, &str)] = &[
    ("ar", include_str!("labels/ar.toml")),
    ("de", include_str!("labels/de.toml")),
    ("en", include_str!("labels/en.toml")),
    ("es", include_str!("labels/es.toml")),
    ("fa", include_str!("labels/fa.toml")),
    ("fr", include_str!("labels/fr.toml")),
    ("he", include_str!("labels/he.toml")),
    ("hi", include_str!("labels/hi.toml")),
    ("id", include_str!("labels/id.toml")),
    ("it", include_str!("labels/it.toml")),
    ("ja", include_str!("labels/ja.toml")),
    ("ko", include_str!("labels/ko.toml")),
    ("nl", include_str!("labels/nl.toml")),
    ("pl", include_str!("labels/pl.toml")),
    ("pt", include_str!("labels/pt.toml")),
    ("ru", include_str!("labels/ru.toml")),
    ("sw", include_str!("labels/sw.toml")),
    ("tr", include_str!("labels/tr.toml")),
    ("uk", include_str!("labels/uk.toml")),
    ("zh", include_str!("labels/zh.toml")),
    ("zh-Hant", include_str!("labels/zh-Hant.toml")),
];

/// One parsed table: a text per label, `None` where the table has none
/// usable (the unit tests make sure that never happens in a shipped table).
struct Table {
    tag: &'static str,
    texts: Vec<Option<String>>,
}

/// The shipped tables, parsed on first use (microseconds; once per process).
static TABLES: LazyLock<Vec<Table>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(tag, source)| {
            let entries = parse(source).unwrap_or_default();
            let texts = Label::ALL
                .iter()
                .map(|label| {
                    entries
                        .get(label.key())
                        .filter(|text| check(*label, text).is_empty())
                        .cloned()
                })
                .collect();
            Table { tag, texts }
        })
        .collect()
});

fn parse(source: &str) -> Result<BTreeMap<String, String>, toml::de::Error> {
    toml::from_str(source)
}

fn table(tag: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.tag.eq_ignore_ascii_case(tag))
}

/// The language tags briefpress ships a label table for.
pub fn languages() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(tag, _)| *tag)
}

/// A complete set of labels for one language, with any overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    table: &'static str,
    texts: Vec<String>,
}

impl Labels {
    /// The labels for a BCP 47 tag (case-insensitive), each key taken from the
    /// most specific table that has it: `pt-BR` → `pt` → `en`. A tag that
    /// does not parse gets English (the loader reports invalid tags).
    pub fn for_language(tag: &str) -> Labels {
        let mut chain: Vec<&'static Table> = Vec::new();
        for candidate in fallback_chain(tag) {
            if let Some(found) = table(&candidate)
                && !chain.iter().any(|t| std::ptr::eq(*t, found))
            {
                chain.push(found);
            }
        }
        if let Some(reference) = table(REFERENCE)
            && !chain.iter().any(|t| std::ptr::eq(*t, reference))
        {
            chain.push(reference);
        }
        let texts = Label::ALL
            .iter()
            .map(|label| {
                chain
                    .iter()
                    .find_map(|t| t.texts[label.index()].clone())
                    .unwrap_or_default()
            })
            .collect();
        Labels {
            table: chain.first().map_or(REFERENCE, |t| t.tag),
            texts,
        }
    }

    /// The tag of the most specific table used (`pt` for `pt-BR`; `en` when
    /// briefpress has no table for the language, so the loader can warn).
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// The text of a label, placeholders unfilled.
    pub fn get(&self, label: Label) -> &str {
        &self.texts[label.index()]
    }

    /// Every (key, text) pair in a stable order (that of `en.toml`), e.g. to
    /// hand the template a `labels` dictionary.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        Label::ALL
            .iter()
            .map(|label| (label.key(), self.get(*label)))
    }

    /// The text of a label split into literal text and placeholders, so a
    /// renderer can put markup (a link, a bidi isolate) around a value.
    pub fn pieces(&self, label: Label) -> Vec<Piece<'_>> {
        pieces(self.get(label))
    }

    /// The text of a label with its placeholders replaced by `values`
    /// (name, value); a placeholder without a value stays as written.
    pub fn fill(&self, label: Label, values: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for piece in self.pieces(label) {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Placeholder(name) => match values.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// These labels with a project's or publication's `[labels]` table applied.
    /// Every problem is reported, not only the first: unknown keys (with the
    /// closest known key), empty texts, placeholders lost or misspelt.
    pub fn with_overrides(
        &self,
        overrides: &BTreeMap<String, String>,
    ) -> Result<Labels, Vec<LabelError>> {
        let mut labels = self.clone();
        let mut errors = Vec::new();
        for (key, text) in overrides {
            match Label::from_key(key) {
                None => errors.push(LabelError::UnknownKey {
                    key: key.clone(),
                    suggestion: crate::diag::closest(
                        key,
                        Label::ALL.iter().map(|label| label.key()),
                    ),
                }),
                Some(label) => {
                    let problems = check(label, text);
                    if problems.is_empty() {
                        labels.texts[label.index()] = text.clone();
                    }
                    errors.extend(problems);
                }
            }
        }
        if errors.is_empty() {
            Ok(labels)
        } else {
            Err(errors)
        }
    }
}

/// A part of a label's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text.
    Text(&'a str),
    /// A placeholder's name (`date` for `{date}`).
    Placeholder(&'a str),
}

/// Splits `text` at its placeholders: `{` + one or more of `a-z_` + `}`.
/// Any other brace is literal text.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut literal_start = 0;
    let mut search = 0;
    while let Some(open) = text[search..].find('{').map(|i| search + i) {
        let rest = &text[open + 1..];
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
            .count();
        if name_len > 0 && rest.as_bytes().get(name_len) == Some(&b'}') {
            if literal_start < open {
                out.push(Piece::Text(&text[literal_start..open]));
            }
            out.push(Piece::Placeholder(&rest[..name_len]));
            literal_start = open + name_len + 2;
            search = literal_start;
        } else {
            search = open + 1;
        }
    }
    if literal_start < text.len() {
        out.push(Piece::Text(&text[literal_start..]));
    }
    out
}

/// Everything wrong with `text` as the text of `label`.
fn check(label: Label, text: &str) -> Vec<LabelError> {
    let mut errors = Vec::new();
    if text.trim().is_empty() {
        errors.push(LabelError::Empty { key: label.key() });
        return errors;
    }
    let found: Vec<&str> = pieces(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Placeholder(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect();
    for required in label.placeholders() {
        if !found.contains(required) {
            errors.push(LabelError::MissingPlaceholder {
                key: label.key(),
                placeholder: required,
            });
        }
    }
    // Each placeholder once: a value repeated in one label multiplies the
    // text typst lays out past every limit the loader counts.
    let mut repeated: Vec<&str> = label
        .placeholders()
        .iter()
        .copied()
        .filter(|wanted| found.iter().filter(|name| *name == wanted).count() > 1)
        .collect();
    repeated.dedup();
    for name in repeated {
        errors.push(LabelError::RepeatedPlaceholder {
            key: label.key(),
            placeholder: name,
        });
    }
    let mut unknown: Vec<&str> = found
        .into_iter()
        .filter(|name| !label.placeholders().contains(name))
        .collect();
    unknown.dedup();
    for name in unknown {
        errors.push(LabelError::UnknownPlaceholder {
            key: label.key(),
            placeholder: name.to_string(),
        });
    }
    errors
}

/// A problem in a `[labels]` override, for the loader to report with the
/// key's position in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// No label has this key.
    #[error("unknown label `{key}`")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The closest known key, when one is close.
        suggestion: Option<&'static str>,
    },
    /// The text is empty or only spaces.
    #[error("label `{key}` is empty")]
    Empty {
        /// The label's key.
        key: &'static str,
    },
    /// The text lost a placeholder the label needs.
    #[error("label `{key}` must contain `{{{placeholder}}}`")]
    MissingPlaceholder {
        /// The label's key.
        key: &'static str,
        /// The placeholder's name, without braces.
        placeholder: &'static str,
    },
    /// The text has a placeholder more than once.
    #[error("label `{key}` has `{{{placeholder}}}` more than once")]
    RepeatedPlaceholder {
        /// The label's key.
        key: &'static str,
        /// The placeholder's name, without braces.
        placeholder: &'static str,
    },
    /// The text has a placeholder this label does not fill.
    #[error("label `{key}` has no placeholder `{{{placeholder}}}`")]
    UnknownPlaceholder {
        /// The label's key.
        key: &'static str,
        /// The placeholder's name as written, without braces.
        placeholder: String,
    },
}

impl LabelError {
    /// The key the problem is about, as written in the override table.
    pub fn key(&self) -> &str {
        match self {
            LabelError::UnknownKey { key, .. } => key,
            LabelError::Empty { key }
            | LabelError::MissingPlaceholder { key, .. }
            | LabelError::RepeatedPlaceholder { key, .. }
            | LabelError::UnknownPlaceholder { key, .. } => key,
        }
    }

    /// What the person should do, in one line.
    pub fn hint(&self) -> String {
        match self {
            LabelError::UnknownKey {
                suggestion: Some(suggestion),
                ..
            } => format!("did you mean `{suggestion}`?"),
            LabelError::UnknownKey {
                suggestion: None, ..
            } => format!(
                "the label keys are: {}",
                Label::ALL
                    .iter()
                    .map(|l| l.key())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            LabelError::Empty { .. } => {
                "give the label a text, or remove the line to keep the default".to_string()
            }
            LabelError::MissingPlaceholder { .. }
            | LabelError::RepeatedPlaceholder { .. }
            | LabelError::UnknownPlaceholder { .. } => {
                let key = self.key();
                let wanted = Label::from_key(key).map_or(&[][..], Label::placeholders);
                if wanted.is_empty() {
                    format!("`{key}` takes no placeholders; remove the braces")
                } else {
                    let list: Vec<String> = wanted.iter().map(|p| format!("{{{p}}}")).collect();
                    format!("`{key}` must contain exactly {}", list.join(" and "))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_exactly_the_keys_of_en_with_their_placeholders() {
        let reference: Vec<&str> = Label::ALL.iter().map(|l| l.key()).collect();
        let en = parse(include_str!("labels/en.toml")).expect("en.toml parses");
        assert_eq!(
            en.keys().map(String::as_str).collect::<Vec<_>>(),
            {
                let mut sorted = reference.clone();
                sorted.sort_unstable();
                sorted
            },
            "en.toml and the Label enum must list the same keys"
        );
        for (tag, source) in SOURCES {
            let table = parse(source).unwrap_or_else(|e| panic!("{tag}.toml: {e}"));
            for key in table.keys() {
                assert!(
                    reference.contains(&key.as_str()),
                    "{tag}.toml has a key en.toml lacks: {key}"
                );
            }
            for label in Label::ALL {
                let text = table
                    .get(label.key())
                    .unwrap_or_else(|| panic!("{tag}.toml lacks `{}`", label.key()));
                let problems = check(*label, text);
                assert!(problems.is_empty(), "{tag}.toml: {problems:?}");
            }
        }
    }

    #[test]
    fn tables_are_named_after_their_tag_and_sorted() {
        let tags: Vec<&str> = languages().collect();
        let mut sorted = tags.clone();
        sorted.sort_unstable();
        assert_eq!(tags, sorted);
        for required in [
            "ar", "zh", "en", "fr", "ru", "es", "de", "it", "pt", "nl", "pl", "tr", "uk", "ja",
            "ko", "hi", "id", "sw", "he", "fa", "zh-Hant",
        ] {
            assert!(tags.contains(&required), "no table for {required}");
        }
    }

    #[test]
    fn a_region_falls_back_to_its_language_then_english() {
        let labels = Labels::for_language("pt-BR");
        assert_eq!(labels.table(), "pt");
        assert_eq!(labels.get(Label::Table), "Tabela");
        assert_eq!(
            Labels::for_language("PT-br"),
            labels,
            "tags are case-insensitive"
        );
        assert_eq!(Labels::for_language("fr-CA").get(Label::Table), "Tableau");
        let swedish = Labels::for_language("sv-SE");
        assert_eq!(swedish.table(), "en");
        assert_eq!(swedish.get(Label::KeyFigures), "Key figures");
    }

    #[test]
    fn chinese_picks_its_script_from_the_script_or_the_region() {
        for tag in ["zh-Hant-TW", "zh-Hant", "zh-TW", "zh-HK", "ZH-hant-tw"] {
            assert_eq!(Labels::for_language(tag).table(), "zh-Hant", "{tag}");
        }
        for tag in ["zh", "zh-Hans", "zh-CN", "zh-SG", "zh-Hans-CN"] {
            assert_eq!(Labels::for_language(tag).table(), "zh", "{tag}");
        }
        assert_eq!(Labels::for_language("zh-TW").get(Label::Contents), "目錄");
        assert_eq!(Labels::for_language("zh-CN").get(Label::Contents), "目录");
    }

    #[test]
    fn an_invalid_tag_gets_english() {
        let labels = Labels::for_language("not a tag!");
        assert_eq!(labels.table(), "en");
        assert_eq!(labels.get(Label::Published), "Published");
    }

    #[test]
    fn every_label_resolves_to_text_in_every_language() {
        for tag in languages() {
            let labels = Labels::for_language(tag);
            assert_eq!(labels.table(), tag);
            assert_eq!(labels.iter().count(), Label::ALL.len());
            for (key, text) in labels.iter() {
                assert!(!text.trim().is_empty(), "{tag}: {key} is empty");
            }
        }
    }

    #[test]
    fn iter_follows_the_order_of_en_toml() {
        let keys: Vec<&str> = Labels::for_language("en").iter().map(|(k, _)| k).collect();
        let in_file: Vec<&str> = include_str!("labels/en.toml")
            .lines()
            .filter_map(|line| line.split_once(" = ").map(|(key, _)| key))
            .filter(|key| !key.starts_with('#'))
            .collect();
        assert_eq!(keys, in_file);
    }

    #[test]
    fn fill_replaces_placeholders_once() {
        let labels = Labels::for_language("fr");
        assert_eq!(
            labels.fill(Label::PageXOfY, &[("total", "12"), ("page", "3")]),
            "Page 3 sur 12"
        );
        // A value is data: a placeholder inside it is not expanded.
        assert_eq!(
            labels.fill(Label::Source, &[("source", "{source}")]),
            "Source\u{a0}: {source}"
        );
        // A missing value leaves the placeholder visible rather than dropping text.
        assert_eq!(labels.fill(Label::FootnoteRef, &[]), "Note {n}");
    }

    #[test]
    fn pieces_split_at_placeholders_only() {
        assert_eq!(
            pieces("a {b} {not one} {C} {} {x_y}"),
            [
                Piece::Text("a "),
                Piece::Placeholder("b"),
                Piece::Text(" {not one} {C} {} "),
                Piece::Placeholder("x_y"),
            ]
        );
        assert_eq!(
            pieces("{{n}}"),
            [Piece::Text("{"), Piece::Placeholder("n"), Piece::Text("}")]
        );
        assert_eq!(pieces(""), []);
        assert_eq!(pieces("{"), [Piece::Text("{")]);
    }

    #[test]
    fn overrides_replace_texts() {
        let overrides = BTreeMap::from([
            ("key_figures".to_string(), "At a glance".to_string()),
            ("page_x_of_y".to_string(), "{page}/{total}".to_string()),
        ]);
        let labels = Labels::for_language("en")
            .with_overrides(&overrides)
            .unwrap();
        assert_eq!(labels.get(Label::KeyFigures), "At a glance");
        assert_eq!(
            labels.fill(Label::PageXOfY, &[("page", "2"), ("total", "9")]),
            "2/9"
        );
        assert_eq!(labels.get(Label::Contents), "Contents");
    }

    #[test]
    fn an_unknown_key_is_reported_with_the_closest_key() {
        let overrides = BTreeMap::from([
            ("key_figure".to_string(), "x".to_string()),
            ("publishd_on".to_string(), "{date}".to_string()),
            ("colophon".to_string(), "x".to_string()),
        ]);
        let errors = Labels::for_language("en")
            .with_overrides(&overrides)
            .unwrap_err();
        assert_eq!(
            errors,
            [
                LabelError::UnknownKey {
                    key: "colophon".into(),
                    suggestion: None
                },
                LabelError::UnknownKey {
                    key: "key_figure".into(),
                    suggestion: Some("key_figures")
                },
                LabelError::UnknownKey {
                    key: "publishd_on".into(),
                    suggestion: Some("published_on")
                },
            ]
        );
        assert_eq!(errors[1].to_string(), "unknown label `key_figure`");
        assert_eq!(errors[1].hint(), "did you mean `key_figures`?");
        assert!(
            errors[0].hint().contains("page_x_of_y"),
            "{}",
            errors[0].hint()
        );
    }

    #[test]
    fn an_override_must_keep_its_placeholders() {
        let overrides = BTreeMap::from([
            ("page_x_of_y".to_string(), "Page {page}".to_string()),
            ("source".to_string(), "From {sourse}".to_string()),
            ("contents".to_string(), "In {this} brief".to_string()),
            ("published_on".to_string(), "On {date}, {date}".to_string()),
            ("figure".to_string(), "  ".to_string()),
        ]);
        let errors = Labels::for_language("en")
            .with_overrides(&overrides)
            .unwrap_err();
        assert_eq!(
            errors,
            [
                LabelError::UnknownPlaceholder {
                    key: "contents",
                    placeholder: "this".into()
                },
                LabelError::Empty { key: "figure" },
                LabelError::MissingPlaceholder {
                    key: "page_x_of_y",
                    placeholder: "total"
                },
                LabelError::RepeatedPlaceholder {
                    key: "published_on",
                    placeholder: "date"
                },
                LabelError::MissingPlaceholder {
                    key: "source",
                    placeholder: "source"
                },
                LabelError::UnknownPlaceholder {
                    key: "source",
                    placeholder: "sourse".into()
                },
            ]
        );
        assert_eq!(
            errors[2].to_string(),
            "label `page_x_of_y` must contain `{total}`"
        );
        assert_eq!(
            errors[2].hint(),
            "`page_x_of_y` must contain exactly {page} and {total}"
        );
        assert_eq!(
            errors[0].hint(),
            "`contents` takes no placeholders; remove the braces"
        );
        assert_eq!(errors[2].key(), "page_x_of_y");
    }

    /// One snapshot per table, invisible characters spelt out, so a change
    /// to any label shows in review.
    #[test]
    fn snapshot_of_every_table() {
        for tag in languages() {
            let labels = Labels::for_language(tag);
            let mut out = String::new();
            for (key, text) in labels.iter() {
                out.push_str(key);
                out.push_str(" = ");
                for c in text.chars() {
                    match c {
                        '\u{a0}' => out.push_str("⟨NBSP⟩"),
                        '\u{202f}' => out.push_str("⟨NNBSP⟩"),
                        '\u{200c}' => out.push_str("⟨ZWNJ⟩"),
                        c => out.push(c),
                    }
                }
                out.push('\n');
            }
            insta::assert_snapshot!(format!("labels_{tag}"), out);
        }
    }
}
