//! Dates, lists and numbers in the publication's language, from ICU4X.
//!
//! Month names, word order, list conjunctions and decimal separators are
//! locale data, not something to hand-write per language: "19 octobre 2021",
//! "19 de octubre de 2021", "2021年10月19日", "Ana, Luis e Inés" (Spanish
//! turns *y* into *e* before an /i/ sound) and "أ وب" (Arabic joins *و* to
//! the next word) all come from CLDR through ICU4X's compiled data.
//!
//! Decisions made here, once, for both editions:
//! - **Calendar:** always Gregorian. The publication's `date` is a Gregorian
//!   date, and a brief read in several languages must show the same day in
//!   each; a `-u-ca-…` extension in the tag is ignored.
//! - **Digits:** the language's CLDR default (Persian gets ۱۴۰۰-style digits,
//!   Hindi Latin digits), except Arabic, which defaults to Latin digits: ICU
//!   would give Arabic-Indic digits (١٩ أكتوبر ٢٠٢١), but the pan-Arab and
//!   UN-system reports briefpress is made for print Latin digits, as do typst's
//!   page numbers and most authors' figures, and one document should not mix
//!   both. A tag with a numbering system (`ar-u-nu-arab`) is always honoured.
//! - **French ordinals:** CLDR writes "1 octobre"; French typography writes
//!   the first of the month as an ordinal, "1er octobre". Added here.
//!
//! [`fallback_chain`] is also the one place that decides how a language tag
//! falls back, for the label and punctuation tables.

use icu_calendar::Gregorian;
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_datetime::input::Date as IcuDate;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_list::ListFormatter;
use icu_list::options::{ListFormatterOptions, ListLength};
use icu_locale_core::Locale as IcuLocale;
use icu_locale_core::extensions::unicode::{key, value};
use icu_locale_fallback::LocaleFallbacker;
use writeable::Writeable;

use super::labels::{Label, Labels};
use crate::model::Date;

/// Formatters for one language, built once per publication (or once per
/// language in a batch: a `Locale` is immutable and cheap to share).
#[derive(Debug)]
pub struct Locale {
    tag: IcuLocale,
    dates: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    lists: ListFormatter,
    numbers: DecimalFormatter,
}

/// Why a [`Locale`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocaleError {
    /// The tag is not a well-formed BCP 47 language tag.
    #[error("`{0}` is not a BCP 47 language tag")]
    InvalidTag(String),
    /// ICU4X has no usable data for the tag (not expected with compiled data).
    #[error("no locale data for `{tag}`: {reason}")]
    Data {
        /// The tag as given.
        tag: String,
        /// ICU4X's explanation.
        reason: String,
    },
}

impl Locale {
    /// The formatters for a BCP 47 tag (case-insensitive, e.g. `pt-BR`).
    pub fn new(tag: &str) -> Result<Locale, LocaleError> {
        let mut locale =
            IcuLocale::try_from_str(tag).map_err(|_| LocaleError::InvalidTag(tag.to_string()))?;
        let keywords = &mut locale.extensions.unicode.keywords;
        if locale.id.language.as_str() == "ar" && !keywords.contains_key(&key!("nu")) {
            keywords.set(key!("nu"), value!("latn"));
        }
        let data = |reason: String| LocaleError::Data {
            tag: tag.to_string(),
            reason,
        };
        let dates = FixedCalendarDateTimeFormatter::try_new((&locale).into(), YMD::long())
            .map_err(|e| data(e.to_string()))?;
        let lists = ListFormatter::try_new_and(
            (&locale).into(),
            ListFormatterOptions::default().with_length(ListLength::Wide),
        )
        .map_err(|e| data(e.to_string()))?;
        let numbers = DecimalFormatter::try_new((&locale).into(), Default::default())
            .map_err(|e| data(e.to_string()))?;
        Ok(Locale {
            tag: locale,
            dates,
            lists,
            numbers,
        })
    }

    /// The canonical form of the tag this locale was built from (`pt-BR`).
    pub fn tag(&self) -> String {
        self.tag.to_string()
    }

    /// The long form of a date: "19 October 2021", "19 octobre 2021",
    /// "2021年10月19日". A date the calendar rejects prints as ISO 8601.
    pub fn long_date(&self, date: Date) -> String {
        let Ok(icu_date) = IcuDate::try_new_gregorian(i32::from(date.year), date.month, date.day)
        else {
            return date.to_string();
        };
        let text = written(&self.dates.format(&icu_date));
        if self.tag.id.language.as_str() == "fr"
            && date.day == 1
            && let Some(rest) = text.strip_prefix("1 ")
        {
            return format!("1er {rest}");
        }
        text
    }

    /// Items joined with the language's "and": "A, B and C" (en-GB),
    /// "A, B, and C" (en, as CLDR's US English), "A, B et C", "A、B和C".
    pub fn join_and<S: AsRef<str>>(&self, items: &[S]) -> String {
        written(&self.lists.format(items.iter().map(|item| item.as_ref())))
    }

    /// A file size for people, with the language's decimal separator and unit
    /// label: "1.2 KB", "1,2 Ko", "34 KB", "2.5 MB". One decimal below ten
    /// units, whole numbers above; never "0.0" for a file that has bytes;
    /// 1 KB = 1,024 bytes, and sizes from 999.5 KB up are given in MB.
    pub fn file_size(&self, bytes: u64, labels: &Labels) -> String {
        const KB: u128 = 1024;
        // Tenths of a unit, rounded half up, in integers (no float drift, no overflow).
        let tenths = |unit: u128| (u128::from(bytes) * 10 + unit / 2) / unit;
        let (tenths, label) = if tenths(KB) < 9995 {
            (tenths(KB), Label::SizeKb)
        } else {
            (tenths(KB * KB), Label::SizeMb)
        };
        let tenths = if bytes > 0 { tenths.max(1) } else { 0 };
        let number = if tenths == 0 {
            Decimal::from(0u8)
        } else if tenths < 100 {
            let mut number = Decimal::from(tenths);
            number.multiply_pow10(-1);
            number
        } else {
            // Whole units, rounded half up from the tenths.
            Decimal::from((tenths + 5) / 10)
        };
        let size = written(&self.numbers.format(&number));
        labels.fill(label, &[("size", &size)])
    }
}

/// ICU4X output as a `String` (writing to a `String` cannot fail).
fn written(formatted: &impl Writeable) -> String {
    let mut out = String::with_capacity(formatted.writeable_length_hint().capacity());
    let _ = formatted.write_to(&mut out);
    out
}

/// The tags to try, most specific first, for a BCP 47 tag: CLDR's fallback
/// (likely script added from the region, parent locales, default script
/// dropped: `zh-TW` → `zh-Hant`; `es-MX` → `es-419`, `es`;
/// `zh-Hans-CN` → `zh-CN`, `zh`), then the bare language if CLDR's chain
/// skipped it (`zh-Hant` → `zh`: another script of the same language is
/// still closer than English). Empty for a tag that does not parse; never
/// contains `und`. Case-insensitive in, canonical case out.
pub fn fallback_chain(tag: &str) -> Vec<String> {
    let Ok(locale) = IcuLocale::try_from_str(tag) else {
        return Vec::new();
    };
    let mut chain = Vec::new();
    let mut steps = LocaleFallbacker::new()
        .for_config(Default::default())
        .fallback_for((&locale).into());
    // The iterator ends at `und`; the bound only guards against a data bug.
    for _ in 0..16 {
        let current = steps.get();
        if current.is_unknown() {
            break;
        }
        chain.push(current.to_string());
        steps.step();
    }
    let language = locale.id.language.as_str();
    if !language.is_empty() && language != "und" && !chain.iter().any(|t| t == language) {
        chain.push(language.to_string());
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    fn long(tag: &str, d: Date) -> String {
        Locale::new(tag).unwrap().long_date(d)
    }

    #[test]
    fn long_dates_in_the_un_languages() {
        let d = date(2021, 10, 19);
        assert_eq!(long("en", d), "October 19, 2021");
        assert_eq!(long("en-GB", d), "19 October 2021");
        assert_eq!(long("fr", d), "19 octobre 2021");
        assert_eq!(long("es", d), "19 de octubre de 2021");
        assert_eq!(long("zh", d), "2021年10月19日");
        assert_eq!(long("ru", d), "19 октября 2021\u{202f}г.");
        assert_eq!(long("ar", d), "19 أكتوبر 2021");
    }

    #[test]
    fn long_dates_in_other_languages() {
        let d = date(2021, 10, 19);
        assert_eq!(long("de", d), "19. Oktober 2021");
        assert_eq!(long("pt-BR", d), "19 de outubro de 2021");
        assert_eq!(long("ja", d), "2021年10月19日");
        assert_eq!(long("zh-TW", d), "2021年10月19日");
        assert_eq!(long("he", d), "19 באוקטובר 2021");
        assert_eq!(long("fa", d), "۱۹ اکتبر ۲۰۲۱");
        assert_eq!(long("hi", d), "19 अक्टूबर, 2021");
    }

    #[test]
    fn arabic_digits_are_latin_unless_the_tag_asks() {
        let d = date(2021, 10, 19);
        assert_eq!(long("ar-EG", d), "19 أكتوبر 2021");
        assert_eq!(long("ar-u-nu-arab", d), "١٩ أكتوبر ٢٠٢١");
    }

    #[test]
    fn the_calendar_is_always_gregorian() {
        let d = date(2021, 10, 19);
        assert_eq!(long("fa-IR", d), long("fa", d));
        assert_eq!(long("en-u-ca-hebrew", d), "October 19, 2021");
    }

    #[test]
    fn french_writes_the_first_as_an_ordinal() {
        assert_eq!(long("fr", date(2021, 10, 1)), "1er octobre 2021");
        assert_eq!(long("fr-CA", date(2021, 10, 1)), "1er octobre 2021");
        assert_eq!(long("fr", date(2021, 10, 11)), "11 octobre 2021");
        assert_eq!(long("es", date(2021, 10, 1)), "1 de octubre de 2021");
    }

    #[test]
    fn an_impossible_date_prints_as_iso() {
        assert_eq!(long("en", date(2021, 2, 30)), "2021-02-30");
    }

    #[test]
    fn an_invalid_tag_is_an_error() {
        assert_eq!(
            Locale::new("not a tag").unwrap_err(),
            LocaleError::InvalidTag("not a tag".into())
        );
        assert_eq!(Locale::new("PT-br").unwrap().tag(), "pt-BR");
    }

    #[test]
    fn lists_join_with_the_language_conjunction() {
        let join = |tag: &str, items: &[&str]| Locale::new(tag).unwrap().join_and(items);
        assert_eq!(join("en-GB", &["A", "B", "C"]), "A, B and C");
        assert_eq!(join("en", &["A", "B", "C"]), "A, B, and C");
        assert_eq!(join("en", &["A", "B"]), "A and B");
        assert_eq!(join("en", &["A"]), "A");
        assert_eq!(join("en", &[] as &[&str]), "");
        assert_eq!(join("fr", &["A", "B", "C"]), "A, B et C");
        assert_eq!(join("de", &["A", "B", "C"]), "A, B und C");
        assert_eq!(join("es", &["Ana", "Luis", "Inés"]), "Ana, Luis e Inés");
        assert_eq!(join("ru", &["А", "Б", "В"]), "А, Б и В");
        assert_eq!(join("zh", &["甲", "乙", "丙"]), "甲、乙和丙");
        assert_eq!(join("ar", &["أ", "ب", "ج"]), "أ وب وج");
        assert_eq!(join("he", &["א", "ב"]), "א וב");
    }

    #[test]
    fn file_sizes_use_the_language_separator_and_unit() {
        let size = |tag: &str, bytes: u64| {
            Locale::new(tag)
                .unwrap()
                .file_size(bytes, &Labels::for_language(tag))
        };
        assert_eq!(size("en", 1229), "1.2\u{a0}KB");
        assert_eq!(size("fr", 1229), "1,2\u{a0}Ko");
        assert_eq!(size("en", 1), "0.1\u{a0}KB");
        assert_eq!(size("en", 0), "0\u{a0}KB");
        assert_eq!(size("en", 35 * 1024), "35\u{a0}KB");
        assert_eq!(size("en", 1023 * 1024), "1.0\u{a0}MB");
        assert_eq!(size("de", 5 * 1024 * 1024 / 2), "2,5\u{a0}MB");
        assert_eq!(size("en", 1234 * 1024 * 1024), "1,234\u{a0}MB");
        assert_eq!(size("ru", 1229), "1,2\u{a0}КБ");
        assert_eq!(size("ar", 1229), "1.2\u{a0}كيلوبايت");
        assert_eq!(size("en", u64::MAX), "17,592,186,044,416\u{a0}MB");
    }

    #[test]
    fn fallback_follows_cldr_then_the_bare_language() {
        assert_eq!(fallback_chain("pt-BR"), ["pt-BR", "pt"]);
        assert_eq!(fallback_chain("PT-br"), ["pt-BR", "pt"]);
        assert_eq!(fallback_chain("es-MX"), ["es-MX", "es-419", "es"]);
        assert_eq!(fallback_chain("zh-TW"), ["zh-TW", "zh-Hant", "zh"]);
        assert_eq!(fallback_chain("zh-Hant-TW"), ["zh-TW", "zh-Hant", "zh"]);
        assert_eq!(fallback_chain("zh-Hans-CN"), ["zh-CN", "zh"]);
        assert_eq!(fallback_chain("en"), ["en"]);
        assert!(fallback_chain("no tag").is_empty());
    }
}
