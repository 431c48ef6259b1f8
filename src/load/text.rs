//! Text in, checked: reading the TOML and Markdown files of a publication
//! (UTF-8, within the text budget, a leading byte-order mark dropped) and
//! checking string values for characters XML cannot carry.
//!
//! Both editions are XML underneath, so a character XML forbids must be
//! refused where the author wrote it, not discovered by an EPUB reader.

use std::ops::Range;

use toml::Spanned;

use super::toml_string::StringMap;
use super::values::{is_forbidden_char, is_noncharacter};
use super::{Loader, problems};
use crate::diag::{Code, Diagnostic, SourceText};
use crate::project::root::{PathProblem, ProjectFile, read_limited};

/// The UTF-8 byte-order mark, stripped from the start of every text file.
pub(super) const BOM: &str = "\u{feff}";

/// A byte-order mark anywhere but the start of a file: invisible, and no
/// font has a glyph for it.
pub(super) fn is_stray_mark(c: char) -> bool {
    c == '\u{feff}'
}

impl Loader<'_> {
    /// Reads a UTF-8 text file (TOML or Markdown) within the size limit.
    pub(super) fn read_text(
        &mut self,
        file: &ProjectFile,
        referenced_from: Option<(&SourceText, Range<usize>)>,
    ) -> Option<SourceText> {
        let (source, span) = match referenced_from {
            Some((s, span)) => (s.clone(), Some(span)),
            None => (SourceText::unread(file.rel.clone()), None),
        };
        let limit = self.options.max_text.min(self.options.max_file_size);
        let bytes = match read_limited(file, limit.saturating_sub(self.text_bytes)) {
            Ok(bytes) => bytes,
            Err(PathProblem::TooLarge { size, .. }) if size <= self.options.max_file_size => {
                let diagnostic = problems::text_over_budget(
                    &file.rel,
                    size,
                    self.text_bytes,
                    self.options.max_text,
                );
                self.report(diagnostic.at(&source, span));
                return None;
            }
            Err(problem) => {
                self.report(problems::path(problem, &file.rel).at(&source, span));
                return None;
            }
        };
        self.text_bytes += bytes.len() as u64;
        self.assets.inputs.extend(file.paths().cloned());
        self.utf8(file, bytes)
    }

    /// The text of a file's bytes, or `None` after pointing at the first byte that is not UTF-8.
    fn utf8(&mut self, file: &ProjectFile, mut bytes: Vec<u8>) -> Option<SourceText> {
        // Windows editors start UTF-8 files with a byte-order mark; it is not text.
        if bytes.starts_with(BOM.as_bytes()) {
            bytes.drain(..BOM.len());
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                let text = SourceText::new(file.rel.clone(), text);
                self.texts.push(text.clone());
                Some(text)
            }
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let text = SourceText::new(file.rel.clone(), lossy);
                self.report(
                    Diagnostic::error(Code::InvalidValue, "the file is not valid UTF-8")
                        .at(&text, Some(at..at + 1))
                        .hint("save the file as UTF-8"),
                );
                None
            }
        }
    }

    /// A string value, checked for characters XML cannot carry.
    pub(super) fn text(&mut self, value: &Spanned<String>, source: &SourceText) -> String {
        let text = value.get_ref();
        if let Some((at, c)) = text
            .char_indices()
            .find(|&(_, c)| is_forbidden_char(c) || is_stray_mark(c))
        {
            let map = StringMap::new(&source.text, value.span().start, text);
            let span = map.range(&(at..at + c.len_utf8()));
            let diag = if is_stray_mark(c) {
                Diagnostic::error(
                    Code::ForbiddenCharacter,
                    "this text contains a byte-order mark (U+FEFF), an invisible character",
                )
                .hint("delete the \\uFEFF escape")
            } else if is_noncharacter(c) {
                Diagnostic::error(
                    Code::ForbiddenCharacter,
                    format!("this text contains {}", problems::noncharacter(c)),
                )
                .hint("remove the character or its \\u escape")
            } else {
                Diagnostic::error(
                    Code::ForbiddenCharacter,
                    "this text contains a control character that XML (and so EPUB) forbids",
                )
                .hint("remove the \\u0000–\\u001F escape (tabs and newlines are fine)")
            };
            self.report(diag.at(source, Some(span)));
        }
        text.clone()
    }
}
