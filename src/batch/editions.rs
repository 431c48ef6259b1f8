//! One publication's renders (a format, or one edition of it) merged into
//! one list of diagnostics: what several renders report for the same cause
//! (a word too wide in both editions, a template error) is said once, and
//! what only the large-print edition has says so.

use std::collections::HashSet;
use std::ops::Range;

use crate::diag::{Code, Diagnostic, Severity};
use crate::model::Edition;

/// What makes two diagnostics one cause: the same kind, the same words, the
/// same place.
type Cause = (
    Severity,
    Code,
    String,
    Option<(String, Option<Range<usize>>)>,
);

/// The diagnostics of a publication's renders, each cause once.
#[derive(Default)]
pub struct Merged {
    seen: HashSet<Cause>,
    diagnostics: Vec<Diagnostic>,
}

impl Merged {
    /// Adds what the render of `edition` reported; `several`: the
    /// publication is built in more than one edition, and renders come in
    /// edition order (the standard edition's first).
    pub fn add(&mut self, reported: Vec<Diagnostic>, edition: Edition, several: bool) {
        for mut diagnostic in reported {
            if !self.seen.insert(cause(&diagnostic)) {
                continue;
            }
            if several && edition != Edition::Standard {
                diagnostic.message = format!(
                    "{} (in the {} edition only)",
                    diagnostic.message,
                    edition.name()
                );
            }
            self.diagnostics.push(diagnostic);
        }
    }

    /// Every cause, in the order first reported.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

fn cause(diagnostic: &Diagnostic) -> Cause {
    (
        diagnostic.severity,
        diagnostic.code,
        diagnostic.message.clone(),
        diagnostic
            .location
            .as_ref()
            .map(|l| (l.source.name.clone(), l.span.clone())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceText;

    fn wide(line: usize) -> Diagnostic {
        let source = SourceText::new("content/a.toml", "a\nb\nc\n");
        Diagnostic::warning(Code::TooWide, "the word `x` is wider than a line")
            .at(&source, Some(line * 2..line * 2 + 1))
    }

    #[test]
    fn a_cause_both_editions_report_is_said_once_and_one_of_large_print_says_so() {
        let mut merged = Merged::default();
        merged.add(vec![wide(0), wide(1)], Edition::Standard, true);
        merged.add(vec![wide(1), wide(2)], Edition::LargePrint, true);
        let said: Vec<(Option<(usize, usize)>, String)> = merged
            .into_vec()
            .iter()
            .map(|d| (d.line_col(), d.message.clone()))
            .collect();
        assert_eq!(
            said,
            [
                (Some((1, 1)), "the word `x` is wider than a line".into()),
                (Some((2, 1)), "the word `x` is wider than a line".into()),
                (
                    Some((3, 1)),
                    "the word `x` is wider than a line (in the large-print edition only)".into()
                ),
            ]
        );
    }

    #[test]
    fn a_publication_in_one_edition_keeps_its_messages() {
        let mut merged = Merged::default();
        merged.add(vec![wide(0), wide(0)], Edition::LargePrint, false);
        let said = merged.into_vec();
        assert_eq!(said.len(), 1);
        assert_eq!(said[0].message, "the word `x` is wider than a line");
    }
}
