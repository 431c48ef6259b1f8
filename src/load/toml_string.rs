//! Offsets inside a TOML string value, mapped back to the file.
//!
//! serde hands over a string's *value* (escapes decoded, a multi-line
//! string's opening newline and line-ending backslashes removed, CRLF made
//! LF) and the span of its *token* in the file. Problems in Markdown held in
//! such a string are found at byte offsets into the value; without this map
//! they drift by one column per escape before them (`\"` is two bytes in the
//! file, one in the value). The map is built by decoding the token again,
//! following the TOML grammar, and is only trusted when that decoding gives
//! back exactly the value serde produced.

use std::ops::Range;

/// Maps byte offsets in a string's value to byte offsets in the file.
#[derive(Debug, Clone)]
pub struct StringMap {
    /// `(value offset, file offset)` at each point where the two stop
    /// advancing together; bytes in between correspond one to one.
    anchors: Vec<(usize, usize)>,
}

impl StringMap {
    /// The map for the string token starting at byte `start` of `file`, whose
    /// decoded value is `value`. When the token cannot be decoded to `value`
    /// (which would be a bug), offsets are counted from the start of the
    /// string's content, as if it had no escapes.
    pub fn new(file: &str, start: usize, value: &str) -> Self {
        match decode(file, start) {
            Some((decoded, anchors)) if decoded == value => Self { anchors },
            _ => Self {
                anchors: vec![(0, content_start(file, start))],
            },
        }
    }

    /// The map of a text that is its own source (a Markdown file).
    pub fn identity() -> Self {
        Self {
            anchors: vec![(0, 0)],
        }
    }

    /// The file offset of value offset `at`.
    pub fn offset(&self, at: usize) -> usize {
        let index = self.anchors.partition_point(|&(value, _)| value <= at);
        let (value, file) = self.anchors[index.saturating_sub(1)];
        file + at.saturating_sub(value)
    }

    /// The file range of value range `range`.
    pub fn range(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.offset(range.start);
        start..self.offset(range.end).max(start)
    }
}

/// The kinds of TOML string token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Basic,
    MultiBasic,
    Literal,
    MultiLiteral,
}

impl Kind {
    fn of(token: &[u8]) -> Option<(Self, usize)> {
        Some(match token {
            [b'"', b'"', b'"', ..] => (Kind::MultiBasic, 3),
            [b'\'', b'\'', b'\'', ..] => (Kind::MultiLiteral, 3),
            [b'"', ..] => (Kind::Basic, 1),
            [b'\'', ..] => (Kind::Literal, 1),
            _ => return None,
        })
    }

    fn quote(self) -> u8 {
        match self {
            Kind::Basic | Kind::MultiBasic => b'"',
            Kind::Literal | Kind::MultiLiteral => b'\'',
        }
    }

    fn multi_line(self) -> bool {
        matches!(self, Kind::MultiBasic | Kind::MultiLiteral)
    }

    fn escapes(self) -> bool {
        matches!(self, Kind::Basic | Kind::MultiBasic)
    }
}

/// Where a string's content starts: after its quotes and, for a multi-line
/// string, after the newline that may follow them.
fn content_start(file: &str, start: usize) -> usize {
    let bytes = file.as_bytes();
    let Some((kind, quotes)) = bytes.get(start..).and_then(Kind::of) else {
        return start;
    };
    let at = start + quotes;
    if kind.multi_line() {
        at + newline_len(bytes, at)
    } else {
        at
    }
}

/// Length of the newline (LF or CRLF) at `at`, or 0.
fn newline_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at..) {
        Some([b'\n', ..]) => 1,
        Some([b'\r', b'\n', ..]) => 2,
        _ => 0,
    }
}

/// Decodes the string token at `start`, recording anchors as it goes.
fn decode(file: &str, start: usize) -> Option<(String, Vec<(usize, usize)>)> {
    let bytes = file.as_bytes();
    let (kind, quotes) = Kind::of(bytes.get(start..)?)?;
    let mut decoder = Decoder {
        value: String::new(),
        anchors: Vec::new(),
    };
    let mut at = content_start(file, start);
    loop {
        let c = *bytes.get(at)?;
        if c == kind.quote() {
            let run = bytes[at..].iter().take_while(|&&b| b == c).count();
            if run >= quotes {
                // A multi-line string may end with one or two quotes of its
                // own before the closing three.
                let extra = run.saturating_sub(quotes).min(2);
                for i in 0..extra {
                    decoder.copy(file, at + i, 1);
                }
                return Some((decoder.value, decoder.anchors));
            }
            decoder.copy(file, at, run);
            at += run;
        } else if c == b'\\' && kind.escapes() {
            at = decoder.escape(file, at, kind)?;
        } else if kind.multi_line() && newline_len(bytes, at) == 2 {
            decoder.push(at, '\n', at + 2);
            at += 2;
        } else {
            let len = file.get(at..)?.chars().next()?.len_utf8();
            decoder.copy(file, at, len);
            at += len;
        }
    }
}

struct Decoder {
    value: String,
    anchors: Vec<(usize, usize)>,
}

impl Decoder {
    /// Notes that the next value byte comes from file byte `at`, unless the
    /// last anchor already implies it.
    fn anchor(&mut self, at: usize) {
        let here = self.value.len();
        let implied = self
            .anchors
            .last()
            .is_some_and(|&(value, file)| file + (here - value) == at);
        if !implied {
            self.anchors.push((here, at));
        }
    }

    /// Copies `len` bytes of the file from `at` into the value.
    fn copy(&mut self, file: &str, at: usize, len: usize) {
        self.anchor(at);
        self.value.push_str(&file[at..at + len]);
    }

    /// Appends a character produced by the file bytes `at..end`.
    fn push(&mut self, at: usize, c: char, end: usize) {
        self.anchor(at);
        self.value.push(c);
        self.anchors.push((self.value.len(), end));
    }

    /// Decodes the escape at `at` (a backslash); returns where the file continues.
    fn escape(&mut self, file: &str, at: usize, kind: Kind) -> Option<usize> {
        let bytes = file.as_bytes();
        let next = *bytes.get(at + 1)?;
        let simple = match next {
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'\\' => Some('\\'),
            b'"' => Some('"'),
            _ => None,
        };
        if let Some(c) = simple {
            self.push(at, c, at + 2);
            return Some(at + 2);
        }
        if let Some(digits) = match next {
            b'u' => Some(4),
            b'U' => Some(8),
            _ => None,
        } {
            let hex = file.get(at + 2..at + 2 + digits)?;
            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            self.push(at, c, at + 2 + digits);
            return Some(at + 2 + digits);
        }
        // A line-ending backslash: it, the rest of the line and all
        // whitespace and newlines after it are dropped.
        if kind != Kind::MultiBasic {
            return None;
        }
        let mut end = at + 1;
        while matches!(bytes.get(end), Some(b' ' | b'\t')) {
            end += 1;
        }
        if newline_len(bytes, end) == 0 {
            return None;
        }
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(end) {
            end += 1;
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `key = <token>` with the toml crate and maps offsets of the value.
    fn map(token: &str) -> (String, String, StringMap) {
        let file = format!("key = {token}\n");
        let table: toml::Table = toml::from_str(&file).unwrap();
        let value = table["key"].as_str().unwrap().to_string();
        let string_map = StringMap::new(&file, 6, &value);
        (file, value, string_map)
    }

    /// The file text at the mapped position of the first `needle` in the value.
    fn at<'f>(file: &'f str, value: &str, map: &StringMap, needle: &str) -> &'f str {
        let offset = value.find(needle).unwrap();
        let start = map.offset(offset);
        &file[start..start + needle.len()]
    }

    #[test]
    fn escapes_before_a_word_do_not_shift_it() {
        let (file, value, m) = map(r#""say \"hi\" \\ to \u00e9 *here*""#);
        assert_eq!(value, "say \"hi\" \\ to é *here*");
        assert_eq!(at(&file, &value, &m, "*here*"), "*here*");
        assert_eq!(at(&file, &value, &m, "to"), "to");
    }

    #[test]
    fn line_ending_backslashes_are_skipped() {
        let (file, value, m) =
            map("\"\"\"\nThe quick \\\n    brown \\\"fox\\\" \\\n\n  jumps *over*\n\"\"\"");
        assert_eq!(value, "The quick brown \"fox\" jumps *over*\n");
        assert_eq!(at(&file, &value, &m, "jumps"), "jumps");
        assert_eq!(at(&file, &value, &m, "*over*"), "*over*");
    }

    #[test]
    fn crlf_in_a_multi_line_string_counts_two_bytes() {
        let (file, value, m) = map("\"\"\"\r\nline one\r\nline *two*\r\n\"\"\"");
        assert_eq!(value, "line one\nline *two*\n");
        assert_eq!(at(&file, &value, &m, "*two*"), "*two*");
        let (file, value, m) = map("'''\r\na\r\nb *c*'''");
        assert_eq!(value, "a\nb *c*");
        assert_eq!(at(&file, &value, &m, "*c*"), "*c*");
    }

    #[test]
    fn literal_strings_map_one_to_one() {
        let (file, value, m) = map(r#"'C:\path \" *x*'"#);
        assert_eq!(at(&file, &value, &m, "*x*"), "*x*");
    }

    #[test]
    fn quotes_before_the_closing_delimiter_belong_to_the_value() {
        let (file, value, m) = map("\"\"\"a \"b\" \"\"c\"\"\"\"\"");
        assert_eq!(value, "a \"b\" \"\"c\"\"");
        assert_eq!(at(&file, &value, &m, "c"), "c");
    }

    #[test]
    fn a_value_that_does_not_match_falls_back_to_the_content_start() {
        let m = StringMap::new("key = \"abc\"", 6, "something else");
        assert_eq!(m.offset(2), 9);
    }
}
