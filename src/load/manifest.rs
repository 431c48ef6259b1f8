//! The publication file format as serde sees it: the TOML contract users write.
//!
//! Every key is spanned so later validation can point at the exact value.
//! Unknown keys are rejected (`deny_unknown_fields`) and serde's messages are
//! turned into diagnostics with a line, a column and a "did you mean" hint.

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use crate::diag::{Code, Diagnostic, SourceText};

/// A publication file, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublication {
    pub title: Spanned<String>,
    pub subtitle: Option<Spanned<String>>,
    #[serde(default)]
    pub authors: Vec<Spanned<String>>,
    pub publisher: Option<Spanned<String>>,
    pub date: Spanned<Datetime>,
    pub updated: Option<Spanned<Datetime>>,
    pub language: Option<Spanned<String>>,
    pub identifier: Option<Spanned<String>>,
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub cover: Option<Spanned<String>>,
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub highlights: Vec<RawHighlight>,
    #[serde(default)]
    pub sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    pub attachments: Vec<Spanned<RawAttachment>>,
}

/// A `[[highlights]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHighlight {
    pub value: Spanned<String>,
    pub label: Spanned<String>,
    pub source: Option<Spanned<String>>,
}

/// A `[[sections]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub title: Spanned<String>,
    pub body: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
}

/// An `[[attachments]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttachment {
    pub title: Spanned<String>,
    pub file: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
}

/// Parses the TOML text, turning syntax and schema errors into a diagnostic.
pub fn parse(source: &SourceText) -> Result<RawPublication, Diagnostic> {
    toml::from_str::<RawPublication>(&source.text).map_err(|err| classify(source, &err))
}

/// Sorts a toml/serde error into one of our codes, with a hint a person can act on.
fn classify(source: &SourceText, err: &toml::de::Error) -> Diagnostic {
    let message = err.message().trim().to_string();
    let span = err.span();
    // A schema error still parses as a table; a syntax error does not.
    if source.text.parse::<toml::Table>().is_err() {
        return Diagnostic::error(Code::TomlSyntax, format!("invalid TOML: {message}"))
            .at(source, span)
            .hint("fix the TOML syntax at this position (https://toml.io)");
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut diag =
            Diagnostic::error(Code::UnknownKey, format!("unknown key `{key}`")).at(source, span);
        if let Some(best) = closest(key, &allowed) {
            diag = diag.hint(format!("did you mean `{best}`?"));
        }
        return diag.hint(format!("the keys allowed here are: {}", allowed.join(", ")));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return Diagnostic::error(Code::MissingKey, format!("missing required key `{key}`"))
            .at(source, span)
            .hint(format!("add `{key} = …` to this table"));
    }
    let mut diag = Diagnostic::error(Code::InvalidValue, message.clone()).at(source, span);
    if message.contains("datetime") {
        diag = diag.hint("write dates as bare TOML dates without quotes, e.g. `date = 2021-10-19`");
    }
    diag
}

/// The allowed key closest to a misspelt one, if any is close enough to suggest.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|cand| (strsim::jaro_winkler(key, cand), *cand))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, cand)| cand)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SourceText {
        SourceText {
            name: "t.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn misspelt_key_suggests_the_right_one() {
        let diag = parse(&src("titel = \"x\"\ndate = 2021-01-01\n")).unwrap_err();
        assert_eq!(diag.code, Code::UnknownKey);
        assert!(diag.hints[0].contains("`title`"), "{:?}", diag.hints);
        assert_eq!(diag.line_col(), Some((1, 1)));
    }

    #[test]
    fn quoted_date_is_an_invalid_value_with_a_hint() {
        let diag = parse(&src("title = \"x\"\ndate = \"yesterday\"\n")).unwrap_err();
        assert_eq!(diag.code, Code::InvalidValue);
        assert_eq!(diag.line_col().map(|l| l.0), Some(2));
    }

    #[test]
    fn broken_toml_is_a_syntax_error() {
        let diag = parse(&src("title = \"x\n")).unwrap_err();
        assert_eq!(diag.code, Code::TomlSyntax);
    }
}
