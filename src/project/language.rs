//! One publication's language, resolved for the renderers: its labels (with
//! the publication's `[labels]` overrides), its locale formatters and its
//! writing direction.
//!
//! Both editions print every word, date, author list and file size through
//! this one value, so the PDF and the EPUB cannot disagree, and neither
//! formats a date or a size of its own.

use super::labels::{Label, Labels};
use super::locale::Locale;
use crate::model::{Date, Publication};

/// Languages written right to left (primary subtags).
const RIGHT_TO_LEFT: &[&str] = &[
    "ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi",
];

/// Writing direction of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left (Arabic, Hebrew, Persian, Urdu…).
    Rtl,
}

impl Direction {
    /// The direction of a BCP 47 tag, from its primary language subtag
    /// (a script subtag such as `-Latn` wins: `ku-Latn` is left to right).
    pub fn of(tag: &str) -> Self {
        let mut subtags = tag.split('-');
        let language = subtags.next().unwrap_or("").to_ascii_lowercase();
        let script = subtags
            .find(|s| s.len() == 4 && s.chars().all(|c| c.is_ascii_alphabetic()))
            .map(str::to_ascii_lowercase);
        match script.as_deref() {
            Some("arab" | "hebr" | "syrc" | "thaa" | "nkoo" | "adlm" | "rohg") => Self::Rtl,
            Some(_) => Self::Ltr,
            None if RIGHT_TO_LEFT.contains(&language.as_str()) => Self::Rtl,
            None => Self::Ltr,
        }
    }

    /// The HTML `dir` value and typst `dir` name: `ltr` or `rtl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ltr => "ltr",
            Self::Rtl => "rtl",
        }
    }
}

/// The region typst sets text of language `tag` for: the tag's region
/// subtag (`GB` of `en-GB`), or for Chinese written with a script subtag and
/// no region, the region whose conventions that script stands for
/// (`zh-Hant` → `TW`, `zh-Hans` → `CN`), so typst's own words and the
/// PDF's `/Lang` keep the script.
pub fn region_of(tag: &str) -> Option<&str> {
    let mut subtags = tag.split('-');
    let language = subtags.next().unwrap_or("");
    let mut script = None;
    for subtag in subtags {
        if subtag.len() == 2 && subtag.chars().all(|c| c.is_ascii_alphabetic()) {
            return Some(subtag);
        }
        if subtag.len() == 4 && script.is_none() {
            script = Some(subtag);
        }
    }
    if !language.eq_ignore_ascii_case("zh") {
        return None;
    }
    match script {
        Some(s) if s.eq_ignore_ascii_case("hant") => Some("TW"),
        Some(s) if s.eq_ignore_ascii_case("hans") => Some("CN"),
        _ => None,
    }
}

/// The words and formats of one publication's language.
#[derive(Debug)]
pub struct Language {
    /// The publication's BCP 47 tag, as written.
    pub tag: String,
    /// Every label, overrides applied.
    pub labels: Labels,
    /// Dates, lists and numbers.
    pub locale: Locale,
    /// Writing direction.
    pub direction: Direction,
}

impl Language {
    /// The language of `publication`. Its overrides were checked by the
    /// loader; should one fail here all the same, the table's text is kept.
    pub fn of(publication: &Publication) -> Self {
        let tag = publication.meta.language.clone();
        let table = Labels::for_language(&tag);
        let labels = table.with_overrides(&publication.labels).unwrap_or(table);
        Self::new(tag, labels)
    }

    /// The language of `tag` with these `labels`; a tag ICU cannot read
    /// (the loader refuses those) formats as English.
    pub fn new(tag: String, labels: Labels) -> Self {
        let locale = Locale::new(&tag)
            .or_else(|_| Locale::new("en"))
            .unwrap_or_else(|_| unreachable_locale());
        Self {
            direction: Direction::of(&tag),
            tag,
            labels,
            locale,
        }
    }

    /// The text of a label, placeholders unfilled.
    pub fn label(&self, label: Label) -> &str {
        self.labels.get(label)
    }

    /// The text of a label with its placeholders filled.
    pub fn fill(&self, label: Label, values: &[(&str, &str)]) -> String {
        self.labels.fill(label, values)
    }

    /// The long date: "19 October 2021", "19 octobre 2021", "2021年10月19日".
    pub fn date(&self, date: Date) -> String {
        self.locale.long_date(date)
    }

    /// Names joined with the language's "and".
    pub fn and_list<S: AsRef<str>>(&self, names: &[S]) -> String {
        self.locale.join_and(names)
    }

    /// A file size: "1.2 KB", "1,2 Ko".
    pub fn file_size(&self, bytes: u64) -> String {
        self.locale.file_size(bytes, &self.labels)
    }

    /// The region typst sets the text for (see [`region_of`]).
    pub fn region(&self) -> Option<&str> {
        region_of(&self.tag)
    }

    /// The caption above the authors: singular for one name.
    pub fn authors_label(&self, count: usize) -> &str {
        self.label(if count == 1 {
            Label::Author
        } else {
            Label::Authors
        })
    }
}

/// English locale data is compiled into the binary; failing to build it is
/// a build defect, never input: fall back to the root locale.
#[cold]
fn unreachable_locale() -> Locale {
    match Locale::new("und") {
        Ok(locale) => locale,
        Err(err) => panic!("ICU4X compiled data is missing: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_keeps_the_chinese_script() {
        let region = |tag: &str| {
            Language::new(tag.into(), Labels::for_language(tag))
                .region()
                .map(str::to_owned)
        };
        assert_eq!(region("zh-Hant").as_deref(), Some("TW"));
        assert_eq!(region("zh-Hans").as_deref(), Some("CN"));
        assert_eq!(region("zh-Hant-HK").as_deref(), Some("HK"));
        assert_eq!(region("en-GB").as_deref(), Some("GB"));
        assert_eq!(region("zh"), None);
        assert_eq!(region("sr-Latn"), None);
    }

    #[test]
    fn direction_follows_the_language_and_its_script() {
        for tag in ["ar", "ar-EG", "he", "fa-IR", "ur", "ks-Arab", "az-Arab"] {
            assert_eq!(Direction::of(tag), Direction::Rtl, "{tag}");
        }
        for tag in ["en", "fr", "zh-Hant", "ku-Latn", "hi", "", "az"] {
            assert_eq!(Direction::of(tag), Direction::Ltr, "{tag}");
        }
    }

    #[test]
    fn every_format_comes_from_the_language() {
        let fr = Language::new("fr".into(), Labels::for_language("fr"));
        assert_eq!(
            fr.date(Date {
                year: 2021,
                month: 10,
                day: 19
            }),
            "19 octobre 2021"
        );
        assert_eq!(fr.and_list(&["A", "B", "C"]), "A, B et C");
        assert_eq!(fr.file_size(1229), "1,2\u{a0}Ko");
        assert_eq!(fr.authors_label(1), "Auteur");
        let broken = Language::new("x-not-a-locale-!".into(), Labels::for_language("en"));
        assert_eq!(broken.and_list(&["A", "B"]), "A and B");
    }
}
