//! Diagnostics: the one error and warning type every stage reports through.
//!
//! A content problem, a template error and an I/O failure all become a
//! [`Diagnostic`] that names the file, the byte span (turned into line and
//! column when printed) and a hint. The CLI prints them for people
//! (codespan-reporting, like cargo and typst) or as JSON lines for CI.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{self, Files, SimpleFile};
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

/// How serious a diagnostic is: errors fail the publication, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The publication cannot be built.
    Error,
    /// Worth a look; the build goes on.
    Warning,
}

/// Stable, documented error codes (see README "Diagnostics"); the same
/// kebab-case name in JSON (serde) and in text (strum).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Code {
    /// The TOML is not valid TOML.
    TomlSyntax,
    /// A value has the wrong type or form (e.g. `date = "yesterday"`).
    InvalidValue,
    /// A required key is absent.
    MissingKey,
    /// A key the format does not know.
    UnknownKey,
    /// Two keys that exclude each other are both set, or neither is.
    ConflictingKeys,
    /// A referenced file does not exist or cannot be read.
    MissingFile,
    /// A path leaves the project root (`..`, absolute, or a symlink).
    PathOutsideRoot,
    /// A URL that is not http(s) (or mailto for links).
    InvalidUrl,
    /// A date that is not a plain calendar date.
    InvalidDate,
    /// An image without alt text.
    MissingAltText,
    /// A file that should be an image but is not one typst and EPUB readers accept.
    NotAnImage,
    /// Two sections (or attachments) with the same id or file name.
    Duplicate,
    /// A link to an anchor that does not exist, or to a local file.
    InvalidLink,
    /// Markdown nested deeper than the configured limit.
    TooDeep,
    /// A Markdown heading more than one level below the heading before it.
    SkippedHeadingLevel,
    /// A table or a word too wide for the page: briefpress made it fit
    /// (smaller type, a landscape page, or breaking inside words).
    TooWide,
    /// A file larger than the configured limit.
    TooLarge,
    /// Text with characters XML 1.0 forbids (NUL, most C0 controls).
    ForbiddenCharacter,
    /// An error or warning raised by typst while compiling the template.
    Template,
    /// Text that no available font can display (PDF/UA forbids missing glyphs).
    MissingGlyph,
    /// Running text fell back to the monospace font: no text font covers its script.
    FontFallback,
    /// A `[style]` the publication's template does not take (not contract 3).
    StyleIgnored,
    /// Two publications would write the same output file.
    OutputConflict,
    /// Reading inputs or writing outputs failed.
    Io,
    /// The command line asks for something impossible (a missing path, no publications).
    Usage,
    /// A bug in briefpress: please report it.
    Internal,
}

impl Code {
    /// The code as printed in messages and JSON.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file a diagnostic points into: its display name and its text.
///
/// Line starts are computed once, on first use, and shared by every clone,
/// so turning a span into a line and column costs a binary search rather
/// than a scan of the text: thousands of diagnostics in one large file stay
/// linear.
#[derive(Clone)]
pub struct SourceText {
    /// The path as shown to the user (relative to the project root).
    pub name: String,
    /// The full text, for line/column computation and snippets.
    pub text: Arc<str>,
    lines: Arc<OnceLock<Vec<usize>>>,
}

impl SourceText {
    /// A named text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            lines: Arc::default(),
        }
    }

    /// A file named without any text (a binary file, or one that could not be read).
    pub fn unread(name: impl Into<String>) -> Self {
        Self::new(name, "")
    }

    /// Byte offsets at which each line starts.
    fn line_starts(&self) -> &[usize] {
        self.lines
            .get_or_init(|| codespan_reporting::files::line_starts(&self.text).collect())
    }

    /// The 0-based index of the line holding byte `at`.
    fn line_of(&self, at: usize) -> usize {
        let starts = self.line_starts();
        match starts.binary_search(&at) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The byte range of 0-based line `line`, its line break included.
    fn line_span(&self, line: usize) -> Range<usize> {
        let starts = self.line_starts();
        let len = self.text.len();
        let start = starts.get(line).copied().unwrap_or(len).min(len);
        let end = starts.get(line + 1).copied().unwrap_or(len).min(len);
        start..end
    }

    /// The 1-based line and column (in characters) of byte `at`.
    pub fn line_col(&self, at: usize) -> (usize, usize) {
        let at = clamp(&(at..at), &self.text).start;
        let line = self.line_of(at);
        let column = files::column_index(&self.text, self.line_span(line), at);
        (line + 1, column + 1)
    }
}

impl fmt::Debug for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceText")
            .field("name", &self.name)
            .field("bytes", &self.text.len())
            .finish()
    }
}

impl<'a> Files<'a> for SourceText {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.line_of(byte_index))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, files::Error> {
        let lines = self.line_starts().len();
        if line_index >= lines {
            return Err(files::Error::LineTooLarge {
                given: line_index,
                max: lines.saturating_sub(1),
            });
        }
        Ok(self.line_span(line_index))
    }
}

/// Longest line, in bytes, shown whole under a diagnostic.
const LONG_LINE: usize = 240;
/// Characters of a longer line shown before and after the start of the span.
const AROUND: usize = 60;

/// The piece of one long line shown under a diagnostic (a generated or
/// minified line can be megabytes long): at most [`AROUND`] characters each
/// side of the span's start, with `…` where it was cut, reporting the line
/// and column of the whole file.
struct Window<'a> {
    name: &'a str,
    text: String,
    /// The span in `text`.
    span: Range<usize>,
    /// 1-based line number in the file.
    line: usize,
    /// Characters of the file's line before `text` begins (less the `…`).
    skipped: usize,
}

impl<'a> Window<'a> {
    /// The window around `span` of `source`, if its line is too long to show whole.
    fn around(source: &'a SourceText, span: &Range<usize>) -> Option<Self> {
        let index = source.line_of(span.start);
        let whole = source.line_span(index);
        let line = source.text[whole.clone()].trim_end_matches(['\n', '\r']);
        if line.len() <= LONG_LINE {
            return None;
        }
        let at = span.start - whole.start;
        let before: Vec<(usize, char)> = line[..at].char_indices().collect();
        let from = before.len().saturating_sub(AROUND);
        let start = before.get(from).map_or(at, |&(i, _)| i);
        let end = line[at..]
            .char_indices()
            .nth(AROUND)
            .map_or(line.len(), |(i, _)| at + i);
        let cut_before = start > 0;
        let mut text = String::with_capacity(end - start + 8);
        if cut_before {
            text.push('…');
        }
        let offset = text.len();
        text.push_str(&line[start..end]);
        if end < line.len() {
            text.push('…');
        }
        let span_start = offset + at - start;
        let span_end = offset + (span.end - whole.start).clamp(at, end) - start;
        Some(Self {
            name: &source.name,
            text,
            span: span_start..span_end,
            line: index + 1,
            skipped: from - usize::from(cut_before),
        })
    }
}

impl<'a> Files<'a> for Window<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), _: usize) -> Result<usize, files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), _: usize) -> Result<usize, files::Error> {
        Ok(self.line)
    }

    fn column_number(&'a self, (): (), _: usize, at: usize) -> Result<usize, files::Error> {
        let at = clamp(&(at..at), &self.text).start;
        Ok(self.skipped + self.text[..at].chars().count() + 1)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, files::Error> {
        match line_index {
            0 => Ok(0..self.text.len()),
            _ => Err(files::Error::LineTooLarge {
                given: line_index,
                max: 0,
            }),
        }
    }
}

/// Where a diagnostic points: a file, and a byte range in it when known.
#[derive(Debug, Clone)]
pub struct Location {
    /// The file.
    pub source: SourceText,
    /// Byte range into `source.text`.
    pub span: Option<Range<usize>>,
}

/// One problem found while loading or rendering a publication.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine-readable code.
    pub code: Code,
    /// What went wrong, in one sentence.
    pub message: String,
    /// Where it went wrong; `None` for problems with no file (e.g. I/O on output).
    /// Boxed: most diagnostics travel in `Result`s, which this keeps small.
    pub location: Option<Box<Location>>,
    /// What to do about it.
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// A new error with no location.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            hints: Vec::new(),
        }
    }

    /// A new warning with no location.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Points the diagnostic at a span of a file.
    pub fn at(mut self, source: &SourceText, span: Option<Range<usize>>) -> Self {
        self.location = Some(Box::new(Location {
            source: source.clone(),
            span,
        }));
        self
    }

    /// Adds a hint line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The 1-based line and column of the start of the span, if any.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let loc = self.location.as_ref()?;
        Some(loc.source.line_col(loc.span.as_ref()?.start))
    }

    /// Renders the diagnostic for a terminal (with snippet and hints).
    pub fn emit(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let mut cs = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(self.code.as_str())
        .with_message(&self.message)
        .with_notes(self.hints.iter().map(|h| format!("hint: {h}")).collect());
        let config = term::Config::default();
        match &self.location {
            Some(loc) => {
                if let Some(span) = &loc.span {
                    let span = clamp(span, &loc.source.text);
                    if let Some(window) = Window::around(&loc.source, &span) {
                        let cs = cs.with_labels(vec![Label::primary((), window.span.clone())]);
                        return term::emit_to_write_style(out, &config, &window, &cs)
                            .map_err(std::io::Error::other);
                    }
                    cs = cs.with_labels(vec![Label::primary((), span)]);
                } else {
                    cs.message = format!("{}: {}", loc.source.name, cs.message);
                }
                term::emit_to_write_style(out, &config, &loc.source, &cs)
                    .map_err(std::io::Error::other)
            }
            None => {
                let file = SimpleFile::new("", "");
                term::emit_to_write_style(out, &config, &file, &cs).map_err(std::io::Error::other)
            }
        }
    }

    /// The JSON form used by `--message-format json`.
    pub fn to_json(&self) -> serde_json::Value {
        let (line, column) = self.line_col().unzip();
        serde_json::json!({
            "type": "diagnostic",
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.location.as_ref().map(|l| l.source.name.clone()),
            "line": line,
            "column": column,
            "hints": self.hints,
        })
    }
}

/// Most diagnostics shown for one file; the rest are counted in one summary.
pub const MAX_PER_FILE: usize = 100;

/// Keeps the first `limit` diagnostics of each file, in order, and adds one
/// summary per file for the rest ("and N more"), so a file with 40,000
/// misspelt keys costs one screen, not 40,000 snippets.
pub fn cap_per_file(diagnostics: Vec<Diagnostic>, limit: usize) -> Vec<Diagnostic> {
    struct Dropped {
        count: usize,
        errors: usize,
        code: Code,
        source: Option<SourceText>,
    }
    let mut shown: HashMap<Option<String>, usize> = HashMap::new();
    let mut dropped: Vec<(Option<String>, Dropped)> = Vec::new();
    let mut kept = Vec::with_capacity(diagnostics.len().min(limit));
    for diagnostic in diagnostics {
        let file = diagnostic.location.as_ref().map(|l| l.source.name.clone());
        let count = shown.entry(file.clone()).or_default();
        if *count < limit {
            *count += 1;
            kept.push(diagnostic);
            continue;
        }
        let index = match dropped.iter().position(|(name, _)| *name == file) {
            Some(index) => index,
            None => {
                let source = diagnostic.location.as_ref().map(|l| l.source.clone());
                let first = Dropped {
                    count: 0,
                    errors: 0,
                    code: diagnostic.code,
                    source,
                };
                dropped.push((file, first));
                dropped.len() - 1
            }
        };
        let entry = &mut dropped[index].1;
        entry.count += 1;
        entry.errors += usize::from(diagnostic.is_error());
    }
    for (_, more) in dropped {
        let what = if more.errors > 0 {
            "errors"
        } else {
            "warnings"
        };
        let message = format!(
            "and {} more {what} in this file, not shown (only the first {limit} are)",
            more.count
        );
        let summary = if more.errors > 0 {
            Diagnostic::error(more.code, message)
        } else {
            Diagnostic::warning(more.code, message)
        };
        let summary = summary.hint("fix the problems shown and run again to see the rest");
        kept.push(match &more.source {
            Some(source) => summary.at(source, None),
            None => summary,
        });
    }
    kept
}

/// The candidate closest to a misspelt name, if one is close enough to offer
/// as "did you mean" (Jaro–Winkler similarity above 0.8).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Keeps a span on char boundaries inside the text, so snippets never panic.
fn clamp(span: &Range<usize>, text: &str) -> Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fix(span.start);
    start..fix(span.end.max(start))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}[{}]: ", self.code)?;
        if let Some(loc) = &self.location {
            write!(f, "{}", loc.source.name)?;
            if let Some((line, col)) = self.line_col() {
                write!(f, ":{line}:{col}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        for hint in &self.hints {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_name_in_json_and_in_text() {
        use strum::IntoEnumIterator;
        for code in Code::iter() {
            let json = serde_json::to_value(code).expect("a code serialises");
            assert_eq!(json.as_str(), Some(code.as_str()), "{code:?}");
        }
        assert_eq!(Code::MissingAltText.as_str(), "missing-alt-text");
    }

    fn shown(text: &str, span: Range<usize>) -> String {
        let source = SourceText::new("f.md", text);
        let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        Diagnostic::error(Code::Usage, "m")
            .at(&source, Some(span))
            .emit(&mut out)
            .unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    #[test]
    fn a_long_line_is_shown_around_the_span_with_the_file_s_line_and_column() {
        let text = format!(
            "first\n{}é&#x1;{}\nlast\n",
            "ab".repeat(500),
            "cd".repeat(500)
        );
        let at = text.find('&').unwrap();
        let out = shown(&text, at..at + 5);
        assert!(out.len() < 600, "{out}");
        assert!(out.contains("f.md:2:1002"), "{out}");
        assert!(out.contains("2 │ …") && out.contains("é&#x1;cd"), "{out}");
        assert!(out.contains("^^^^^"), "{out}");
        // A span near the start: cut only after it.
        let out = shown(&text, 6..7);
        assert!(
            out.contains("f.md:2:1") && out.contains("2 │ abab"),
            "{out}"
        );
        // A short line is shown whole, as before.
        let out = shown(&text, 0..5);
        assert!(
            out.contains("f.md:1:1") && out.contains("1 │ first"),
            "{out}"
        );
    }
}
