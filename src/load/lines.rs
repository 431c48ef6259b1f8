//! The display lines of a publication (title, subtitle, names, section
//! titles, key figures, attachment lines) count their long words against
//! the same limits as paragraphs.
//!
//! The templates fit such a line with `fit-words`, which breaks a word
//! wider than its box between every two letters, and typst's line breaker
//! takes time that grows with the square of those breaks (see
//! [`super::unbroken`]); a section title is laid out three times besides
//! (heading, running head, outline). Unchecked, one 60,000-letter title
//! kept a build busy for more than ten minutes.

use toml::Spanned;

use super::Loader;
use super::manifest::RawPublication;
use super::unbroken::{Crossed, MAX_PER_PUBLICATION};
use crate::diag::{Code, Diagnostic, SourceText};

/// Characters of long words in one display line: a line is laid out and
/// measured several times, so it gets a fifth of a paragraph's
/// [`super::unbroken::MAX_PER_BLOCK`] (the longest German compounds have
/// under a hundred letters).
pub const MAX_PER_LINE: usize = 1_000;
/// Characters of long words in all display lines of a publication: twenty
/// lines at [`MAX_PER_LINE`] take about 5 s to build (a hundred, 25 s).
pub const MAX_IN_LINES: usize = 20_000;

impl Loader<'_> {
    /// Counts the long words of every display line of `raw`, each line a
    /// block of its own; reports the first line that crosses a limit
    /// (false), before anything is loaded.
    pub(super) fn within_line_limits(&mut self, raw: &RawPublication, source: &SourceText) -> bool {
        let mut in_lines = 0;
        for line in lines(raw) {
            self.budget.unbroken.start_block();
            let counted = self.budget.unbroken.add(line.get_ref());
            in_lines += self.budget.unbroken.in_block();
            let message = match counted {
                Err((Crossed::Publication, _)) => Some(format!(
                    "the publication has more than {MAX_PER_PUBLICATION} characters in words with no place to break a line"
                )),
                Err((Crossed::Block, _)) => Some(format!(
                    "this line has more than {MAX_PER_LINE} characters in words with no place to break it"
                )),
                Ok(()) if self.budget.unbroken.in_block() > MAX_PER_LINE => Some(format!(
                    "this line has more than {MAX_PER_LINE} characters in words with no place to break it"
                )),
                Ok(()) if in_lines > MAX_IN_LINES => Some(format!(
                    "the titles, names, key figures and attachment lines have more than {MAX_IN_LINES} characters in words with no place to break them"
                )),
                Ok(()) => None,
            };
            if let Some(message) = message {
                self.report(
                    Diagnostic::error(Code::TooLarge, message)
                        .at(source, Some(line.span()))
                        .hint(
                            "break the run of characters with spaces, or shorten it; \
                             typst's time grows with the square of the places it must break such a word",
                        ),
                );
                return false;
            }
        }
        true
    }
}

/// Every line a template fits, in file order of their kinds.
fn lines(raw: &RawPublication) -> Vec<&Spanned<String>> {
    let mut lines: Vec<&Spanned<String>> = Vec::new();
    lines.extend(raw.title.iter().chain(&raw.subtitle));
    lines.extend(raw.authors.iter().chain(&raw.publisher));
    for highlight in &raw.highlights {
        let h = highlight.get_ref();
        lines.extend(h.value.iter().chain(&h.label).chain(&h.source));
    }
    for section in &raw.sections {
        lines.extend(section.get_ref().title.iter());
    }
    for attachment in &raw.attachments {
        let a = attachment.get_ref();
        lines.extend(a.title.iter().chain(&a.description));
    }
    lines
}
