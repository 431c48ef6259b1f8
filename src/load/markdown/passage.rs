//! `<span lang="…">` … `</span>`: the one piece of HTML the Markdown reads.
//!
//! A quotation, a name of an institution or a phrase in another language
//! than the publication's must say so, or a screen reader speaks it with
//! the wrong voice (WCAG 2.2 SC 3.1.2, Language of Parts; PDF/UA-1 7.2).
//! Markdown has no syntax for it, and the HTML one is what authors know, so
//! this tag (with `lang` as its only attribute) is recognised; any other
//! HTML is still printed as written.

use std::sync::LazyLock;

use regex::Regex;

use crate::load::values::is_language_tag;

/// What a piece of inline HTML is to the converter.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Html {
    /// `<span lang="…">` with a language tag briefpress can use.
    Open(String),
    /// A `<span …>` briefpress cannot use: why.
    Refused(String),
    /// `</span>`.
    Close,
    /// Anything else: printed as written.
    Other,
}

/// `<span lang=…>` with the value double-, single- or unquoted.
static OPEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)^<span\s+lang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))\s*>$"#)
        .expect("a literal pattern")
});

/// Any other opening `<span`.
static SPAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^<span(\s[^>]*)?>$").expect("a literal pattern"));

/// `</span>`.
static CLOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^</span\s*>$").expect("a literal pattern"));

/// What the inline HTML `html` is.
pub(super) fn classify(html: &str) -> Html {
    if CLOSE.is_match(html) {
        return Html::Close;
    }
    if let Some(captures) = OPEN.captures(html) {
        let tag = (1..=3)
            .find_map(|i| captures.get(i))
            .map_or("", |m| m.as_str());
        return match usable(tag) {
            Ok(()) => Html::Open(tag.to_string()),
            Err(why) => Html::Refused(why),
        };
    }
    if SPAN.is_match(html) {
        return Html::Refused(
            "a `<span>` is read only with a `lang` attribute, and only that one".to_string(),
        );
    }
    Html::Other
}

/// A tag both editions can carry: well-formed BCP 47 whose language subtag
/// has two or three letters (what typst takes).
fn usable(tag: &str) -> Result<(), String> {
    let language = tag.split('-').next().unwrap_or("");
    if !is_language_tag(tag) {
        return Err(format!("`{tag}` is not a BCP 47 language tag"));
    }
    if !(2..=3).contains(&language.len()) {
        return Err(format!(
            "`{tag}` has no two- or three-letter language subtag"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_with_a_language_opens_a_passage_in_any_quoting() {
        for html in [
            r#"<span lang="fr">"#,
            "<span lang='fr'>",
            "<span lang=fr>",
            r#"<SPAN  LANG = "fr" >"#,
        ] {
            assert_eq!(classify(html), Html::Open("fr".into()), "{html}");
        }
        assert_eq!(
            classify(r#"<span lang="zh-Hant-TW">"#),
            Html::Open("zh-Hant-TW".into())
        );
        assert_eq!(classify("</span>"), Html::Close);
        assert_eq!(classify("</SPAN >"), Html::Close);
    }

    #[test]
    fn other_spans_are_refused_and_other_html_is_text() {
        for html in [
            r#"<span lang="fr" class="x">"#,
            r#"<span class="x">"#,
            "<span>",
            r#"<span lang="">"#,
            r#"<span lang="not a tag">"#,
            r#"<span lang="english">"#,
        ] {
            assert!(matches!(classify(html), Html::Refused(_)), "{html}");
        }
        for html in ["<b>", "<spanner>", "<!-- note -->", "<br/>"] {
            assert_eq!(classify(html), Html::Other, "{html}");
        }
    }
}
