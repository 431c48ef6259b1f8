//! Typographic punctuation in the publication's language.
//!
//! Authors type `"`, `'`, `--`, `---` and `...` on their keyboards; a French
//! brief must print « guillemets » with narrow no-break spaces inside, a
//! German one „Anführungszeichen“, a Japanese one 「かぎ括弧」, and every one
//! real dashes and ellipses. [`SmartPunctuation`] does this to content text,
//! the same way for both editions (it runs once, while loading, on the text
//! that goes into the model).
//!
//! **Why not pulldown-cmark's `ENABLE_SMART_PUNCTUATION` followed by a
//! mapping?** It produces English marks only, and its `’` stands both for an
//! apostrophe and for a closing single quote: "l’homme" must keep `’` in
//! French while German must turn the closing quote into `‘`, and after
//! pulldown-cmark the two can no longer be told apart. So the loader parses
//! Markdown *without* that option and feeds every text event to this
//! converter instead. Text events are fragments (emphasis, links and code
//! split a sentence), so the converter is stateful: it remembers the last
//! character it saw and which quotes are open, and decides open or close
//! from the character before the quote (start, space or opening bracket:
//! open) and, for `'`, whether a word continues after it (apostrophe).
//!
//! Rules, per language (the [`STYLES`] table):
//! - **Quotes** — CLDR's `delimiters`: `"` takes the language's outer
//!   marks (quotationStart/End) and `'` its inner marks
//!   (alternateQuotationStart/End), as the author chose them (typst's smart
//!   quotes and pulldown-cmark do the same); a `"` inside an open outer
//!   quotation takes the inner marks. French uses “ ” as inner marks (CLDR
//!   repeats « », which hides nesting), Dutch “ ” (CLDR repeats ‘ ’). A
//!   straight quote opens at the start of a text, after a space or after an
//!   opening bracket, dash or quote, and closes otherwise (also after a typed
//!   space when its quotation is open and no word follows: `" oui "`).
//!   Quotes the author already typed (“ ” « ») are left alone; typed « » count
//!   as an open outer quotation.
//! - **Apostrophe** — `'` inside or at the end of a word, or before a digit
//!   ('90s), becomes ’ (U+2019) in every language; in Hebrew, after a Hebrew
//!   letter, the geresh ׳, and `"` between Hebrew letters the gershayim ״
//!   (צה״ל), which are not quotes at all.
//! - **French spacing** (Imprimerie nationale): narrow no-break space
//!   (U+202F) inside « », before ; ! ? and a no-break space (U+00A0) before
//!   the colon. A space the author typed there is replaced; one is added only
//!   after a word and before a space or the end, so `10:30`, `https://` and
//!   `?!` are left as they are. Canadian French (OQLF) puts no space before
//!   ; ! ? and a full no-break space inside guillemets.
//! - **Dashes** — `---` is an em dash (Chinese and Japanese: ——); `--` is an
//!   en dash (ranges, 1990--2000), except between spaces, where it is the
//!   language's sentence dash: the en dash in most languages, the em dash in
//!   Russian, Ukrainian, Spanish, Portuguese, Hindi, Indonesian, Korean,
//!   with a no-break space before it in Russian and Ukrainian.
//! - **Ellipsis** — `...` is …  (Chinese and Japanese: ……).
//!
//! A language without a row keeps its straight quotes (English curly quotes
//! would be wrong for, say, Swedish) but still gets dashes and ellipses.
//! Code spans and code blocks are never fed to the converter.

use std::borrow::Cow;

use super::locale::fallback_chain;

/// Open quotations remembered; deeper ones forget the outermost, so a run
/// of unmatched quotes costs constant time per quote.
const MAX_OPEN: usize = 16;

/// No-break space.
const NBSP: char = '\u{a0}';
/// Narrow no-break space.
const NNBSP: char = '\u{202f}';

/// The punctuation conventions of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Opening and closing mark of the outer level.
    pub quotes: (char, char),
    /// Opening and closing mark of the next level.
    pub inner_quotes: (char, char),
    /// Space inside quotation marks (French).
    pub space_inside_quotes: Option<char>,
    /// Space before a colon (French).
    pub space_before_colon: Option<char>,
    /// Space before ; ! ? (French).
    pub space_before_other: Option<char>,
    /// What `--` between spaces becomes.
    pub sentence_dash: &'static str,
    /// A no-break space before the sentence dash, so no line starts with it.
    pub no_break_before_dash: bool,
    /// What `---` becomes.
    pub em_dash: &'static str,
    /// What `...` becomes.
    pub ellipsis: &'static str,
    /// Hebrew geresh and gershayim for `'` and `"` inside Hebrew words.
    pub hebrew_marks: bool,
}

/// The style most languages share; rows below change what differs.
const BASE: Style = Style {
    quotes: ('“', '”'),
    inner_quotes: ('‘', '’'),
    space_inside_quotes: None,
    space_before_colon: None,
    space_before_other: None,
    sentence_dash: "–",
    no_break_before_dash: false,
    em_dash: "—",
    ellipsis: "…",
    hebrew_marks: false,
};

const fn quotes(open: char, close: char, inner_open: char, inner_close: char) -> Style {
    Style {
        quotes: (open, close),
        inner_quotes: (inner_open, inner_close),
        ..BASE
    }
}

const fn em_sentence_dash(style: Style) -> Style {
    Style {
        sentence_dash: "—",
        ..style
    }
}

const fn cjk(style: Style) -> Style {
    Style {
        sentence_dash: "——",
        em_dash: "——",
        ellipsis: "……",
        ..style
    }
}

const ENGLISH: Style = BASE;
const GERMAN: Style = quotes('„', '“', '‚', '‘');
const GUILLEMETS_CURLY: Style = quotes('«', '»', '“', '”');
const GUILLEMETS_LOW: Style = quotes('«', '»', '„', '“');
const EAST_SLAVIC: Style = Style {
    no_break_before_dash: true,
    ..em_sentence_dash(GUILLEMETS_LOW)
};
const CORNER: Style = cjk(quotes('「', '」', '『', '』'));

/// Per-language conventions, CLDR-derived (see the module doc), by BCP 47
/// tag; looked up along the tag's fallback chain.
pub const STYLES: &[(&str, Style)] = &[
    ("ar", quotes('”', '“', '’', '‘')),
    ("be", EAST_SLAVIC),
    ("bg", quotes('„', '“', '„', '“')),
    ("ca", GUILLEMETS_CURLY),
    ("cs", GERMAN),
    ("da", ENGLISH),
    ("de", GERMAN),
    ("el", GUILLEMETS_CURLY),
    ("en", ENGLISH),
    ("es", em_sentence_dash(GUILLEMETS_CURLY)),
    ("es-419", em_sentence_dash(ENGLISH)),
    ("et", GERMAN),
    ("fa", quotes('«', '»', '‹', '›')),
    ("fi", quotes('”', '”', '’', '’')),
    (
        "fr",
        Style {
            space_inside_quotes: Some(NNBSP),
            space_before_colon: Some(NBSP),
            space_before_other: Some(NNBSP),
            ..GUILLEMETS_CURLY
        },
    ),
    (
        "fr-CA",
        Style {
            space_inside_quotes: Some(NBSP),
            space_before_colon: Some(NBSP),
            ..quotes('«', '»', '”', '“')
        },
    ),
    (
        "he",
        Style {
            hebrew_marks: true,
            ..quotes('”', '”', '’', '’')
        },
    ),
    ("hi", em_sentence_dash(ENGLISH)),
    ("hr", GERMAN),
    ("hu", quotes('„', '”', '»', '«')),
    ("id", em_sentence_dash(ENGLISH)),
    ("it", GUILLEMETS_CURLY),
    ("ja", CORNER),
    ("ko", em_sentence_dash(ENGLISH)),
    ("nb", quotes('«', '»', '‘', '’')),
    ("nl", quotes('‘', '’', '“', '”')),
    ("no", quotes('«', '»', '‘', '’')),
    ("pl", quotes('„', '”', '«', '»')),
    ("pt", em_sentence_dash(ENGLISH)),
    ("pt-PT", em_sentence_dash(GUILLEMETS_CURLY)),
    ("ro", quotes('„', '”', '«', '»')),
    ("ru", EAST_SLAVIC),
    ("sk", GERMAN),
    ("sl", GERMAN),
    ("sv", quotes('”', '”', '’', '’')),
    ("sw", ENGLISH),
    ("tr", ENGLISH),
    ("uk", EAST_SLAVIC),
    ("ur", quotes('”', '“', '’', '‘')),
    ("vi", ENGLISH),
    ("zh", cjk(ENGLISH)),
    ("zh-Hant", CORNER),
];

impl Style {
    /// The conventions for a BCP 47 tag (case-insensitive), if briefpress
    /// knows them: `pt-BR` → `pt`, `zh-TW` → `zh-Hant`.
    pub fn for_language(tag: &str) -> Option<&'static Style> {
        fallback_chain(tag).iter().find_map(|candidate| {
            STYLES
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(candidate))
                .map(|(_, style)| style)
        })
    }

    fn mark(&self, level: usize, opening: bool) -> char {
        let (open, close) = if level == 0 {
            self.quotes
        } else {
            self.inner_quotes
        };
        if opening { open } else { close }
    }
}

/// Which straight (or typed) mark opened a quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    Double,
    Single,
    Guillemet,
}

/// Turns straight quotes, `--`, `---` and `...` in a stream of text
/// fragments into the language's marks. One per publication text stream;
/// call [`end_block`](Self::end_block) between paragraphs, headings, cells.
#[derive(Debug, Clone)]
pub struct SmartPunctuation {
    style: Option<&'static Style>,
    /// The last character emitted; `None` at the start of a block.
    prev: Option<char>,
    /// The character emitted before `prev`.
    prev2: Option<char>,
    /// Open quotations, outermost first, with the level of their marks
    /// (0: outer marks, 1: inner marks).
    open: Vec<(Opened, usize)>,
    /// Drop typed spaces after an opening mark that brought its own.
    skip_spaces: bool,
}

impl SmartPunctuation {
    /// A converter for a BCP 47 language tag.
    pub fn new(tag: &str) -> Self {
        Self::with_style(Style::for_language(tag))
    }

    /// A converter with explicit conventions (`None`: dashes and ellipses only).
    pub fn with_style(style: Option<&'static Style>) -> Self {
        SmartPunctuation {
            style,
            prev: None,
            prev2: None,
            open: Vec::new(),
            skip_spaces: false,
        }
    }

    /// A block ended (paragraph, heading, list item, table cell, footnote):
    /// the next text starts fresh and open quotes are forgotten.
    pub fn end_block(&mut self) {
        self.prev = None;
        self.prev2 = None;
        self.open.clear();
        self.skip_spaces = false;
    }

    /// A line break or soft break came between two fragments.
    pub fn after_space(&mut self) {
        self.remember(' ');
    }

    /// Something word-like that is not converted (inline code, an image, a
    /// footnote reference) came between two fragments: a quote after it closes.
    pub fn after_atom(&mut self) {
        self.remember('x');
        self.skip_spaces = false;
    }

    /// The next fragment of text, converted; borrowed when nothing changes.
    pub fn convert<'a>(&mut self, text: &'a str) -> Cow<'a, str> {
        let triggers = |c: char| {
            matches!(
                c,
                '"' | '\'' | '-' | '.' | '«' | '»' | ';' | ':' | '!' | '?'
            )
        };
        let needs_work =
            text.contains(triggers) || (self.skip_spaces && text.starts_with(is_space));
        if !needs_work {
            for c in text
                .chars()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                self.remember(c);
                self.skip_spaces = false;
            }
            return Cow::Borrowed(text);
        }
        let start_prev = self.prev;
        let mut out = String::with_capacity(text.len() + 8);
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let after = &rest[c.len_utf8()..];
            let next = after.chars().next();
            let mut consumed = c.len_utf8();
            if self.skip_spaces && is_space(c) {
                rest = after;
                continue;
            }
            self.skip_spaces = false;
            match c {
                '.' if rest.starts_with("...") => {
                    out.push_str(self.ellipsis());
                    consumed = 3;
                }
                '-' if rest.starts_with("---") => {
                    out.push_str(self.style.map_or("—", |s| s.em_dash));
                    consumed = 3;
                }
                '-' if rest.starts_with("--") => {
                    let spaced = self.prev.is_some_and(char::is_whitespace)
                        && rest[2..].chars().next().is_none_or(char::is_whitespace);
                    match self.style {
                        Some(style) if spaced => {
                            if style.no_break_before_dash && out.ends_with(' ') {
                                out.pop();
                                out.push(NBSP);
                            }
                            out.push_str(style.sentence_dash);
                        }
                        _ => out.push('–'),
                    }
                    consumed = 2;
                }
                '"' => self.double_quote(&mut out, after),
                '\'' => self.single_quote(&mut out, next),
                '«' => self.typed_guillemet(&mut out, true),
                '»' => self.typed_guillemet(&mut out, false),
                ':' | ';' | '!' | '?' => self.high_punctuation(&mut out, c, next),
                c => out.push(c),
            }
            let mut emitted = out.chars().rev();
            let (last, before) = (emitted.next(), emitted.next());
            if let Some(last) = last {
                self.prev = Some(last);
                self.prev2 = before.or(start_prev);
            }
            rest = &rest[consumed..];
        }
        Cow::Owned(out)
    }

    fn remember(&mut self, c: char) {
        self.prev2 = self.prev;
        self.prev = Some(c);
    }

    fn ellipsis(&self) -> &'static str {
        self.style.map_or("…", |s| s.ellipsis)
    }

    /// Whether a quote after the previous character opens a quotation.
    fn opens(&self) -> bool {
        match self.prev {
            None => true,
            Some(p) => {
                p.is_whitespace()
                    || matches!(
                        p,
                        '(' | '['
                            | '{'
                            | '<'
                            | '/'
                            | '-'
                            | '–'
                            | '—'
                            | '“'
                            | '‘'
                            | '„'
                            | '‚'
                            | '«'
                            | '‹'
                            | '「'
                            | '『'
                    )
            }
        }
    }

    fn double_quote(&mut self, out: &mut String, after: &str) {
        let Some(style) = self.style else {
            out.push('"');
            return;
        };
        let mut following = after.chars();
        let (next, next2) = (following.next(), following.next());
        // A closing quote after a typed space: `" oui "`.
        let closes_after_space = self.is_open(Opened::Double)
            && next.is_none_or(|n| {
                n.is_whitespace() || matches!(n, '.' | ',' | ';' | ':' | '!' | '?' | ')')
            });
        if style.hebrew_marks
            && self.prev.is_some_and(is_hebrew)
            && next.is_some_and(is_hebrew)
            && !next2.is_some_and(is_hebrew)
        {
            // Gershayim stand before the last letter of an acronym: צה״ל.
            out.push('״');
        } else if (self.opens() && !closes_after_space)
            || self.after_hebrew_prefix(style)
            // Chinese and Japanese put no space before a quotation: 他说"是".
            || (!self.is_open(Opened::Double) && next.is_some_and(char::is_alphanumeric))
        {
            let level = usize::from(
                self.open
                    .iter()
                    .any(|(kind, level)| *kind != Opened::Single && *level == 0),
            );
            self.open_quote(out, style, Opened::Double, level);
        } else {
            self.close_quote(out, style, Opened::Double);
        }
    }

    /// Hebrew prefixes one letter (ו ה ב כ ל מ ש) to a quotation: ו"שלום".
    fn after_hebrew_prefix(&self, style: &Style) -> bool {
        style.hebrew_marks
            && self.prev.is_some_and(|p| "והבכלמש".contains(p))
            && self.prev2.is_none_or(|q| !is_hebrew(q))
    }

    fn single_quote(&mut self, out: &mut String, next: Option<char>) {
        let Some(style) = self.style else {
            out.push('\'');
            return;
        };
        let word_follows = next.is_some_and(char::is_alphanumeric);
        if style.hebrew_marks
            && self.prev.is_some_and(is_hebrew)
            && (next.is_some_and(is_hebrew) || !self.is_open(Opened::Single))
        {
            // Geresh: loanword sounds (ג׳ירפה), numerals and abbreviations (ה׳).
            out.push('׳');
        } else if self.opens() {
            if next.is_some_and(|n| n.is_ascii_digit()) || next.is_none_or(char::is_whitespace) {
                out.push('’');
            } else {
                self.open_quote(out, style, Opened::Single, 1);
            }
        } else if !word_follows && self.is_open(Opened::Single) {
            self.close_quote(out, style, Opened::Single);
        } else {
            out.push('’');
        }
    }

    fn typed_guillemet(&mut self, out: &mut String, opening: bool) {
        let spaced = self
            .style
            .filter(|s| s.quotes == ('«', '»'))
            .and_then(|s| s.space_inside_quotes);
        if opening {
            self.push_open(Opened::Guillemet, 0);
            out.push('«');
            if let Some(space) = spaced {
                out.push(space);
                self.skip_spaces = true;
            }
        } else {
            if let Some(at) = self.open.iter().rposition(|(o, _)| *o == Opened::Guillemet) {
                self.open.truncate(at);
            }
            if let Some(space) = spaced {
                trim_typed_space(out);
                out.push(space);
            }
            out.push('»');
        }
    }

    fn is_open(&self, kind: Opened) -> bool {
        self.open.iter().any(|(o, _)| *o == kind)
    }

    fn push_open(&mut self, kind: Opened, level: usize) {
        if self.open.len() >= MAX_OPEN {
            self.open.remove(0);
        }
        self.open.push((kind, level));
    }

    fn open_quote(&mut self, out: &mut String, style: &Style, kind: Opened, level: usize) {
        self.push_open(kind, level);
        out.push(style.mark(level, true));
        if let Some(space) = style
            .space_inside_quotes
            .filter(|_| is_guillemet(style, level))
        {
            out.push(space);
            self.skip_spaces = true;
        }
    }

    fn close_quote(&mut self, out: &mut String, style: &Style, kind: Opened) {
        let level = match self.open.iter().rposition(|(o, _)| *o == kind) {
            Some(at) => {
                let level = self.open[at].1;
                self.open.truncate(at);
                level
            }
            // A closing quote whose opening we never saw: its kind's own marks.
            None => usize::from(kind == Opened::Single),
        };
        if let Some(space) = style
            .space_inside_quotes
            .filter(|_| is_guillemet(style, level))
        {
            trim_typed_space(out);
            out.push(space);
        }
        out.push(style.mark(level, false));
    }

    /// French spacing before : ; ! ?
    fn high_punctuation(&mut self, out: &mut String, c: char, next: Option<char>) {
        let space = self.style.and_then(|s| {
            if c == ':' {
                s.space_before_colon
            } else {
                s.space_before_other
            }
        });
        if let Some(space) = space {
            if out.ends_with(is_space) {
                out.pop();
                out.push(space);
            } else if self.prev.is_some_and(|p| {
                p.is_alphanumeric() || matches!(p, ')' | ']' | '»' | '”' | '’' | '…')
            }) && next.is_none_or(|n| n.is_whitespace() || matches!(n, '»' | ')' | '"'))
            {
                out.push(space);
            }
        }
        out.push(c);
    }
}

/// Whether quotation level `level` uses guillemets (which take the space).
fn is_guillemet(style: &Style, level: usize) -> bool {
    style.mark(level, true) == '«'
}

/// Removes the spaces an author typed before a closing mark.
fn trim_typed_space(out: &mut String) {
    while out.ends_with(is_space) {
        out.pop();
    }
}

/// A space an author may type around French punctuation.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | NBSP | NNBSP)
}

fn is_hebrew(c: char) -> bool {
    ('\u{05d0}'..='\u{05ea}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Converts fragments as one block and joins the results.
    fn run(tag: &str, fragments: &[&str]) -> String {
        let mut converter = SmartPunctuation::new(tag);
        fragments
            .iter()
            .map(|f| converter.convert(f).into_owned())
            .collect()
    }

    fn one(tag: &str, text: &str) -> String {
        run(tag, &[text])
    }

    #[test]
    fn english_quotes_apostrophes_and_nesting() {
        assert_eq!(
            one("en", r#"She said "it's 'fine' now" -- in the '90s."#),
            "She said “it’s ‘fine’ now” – in the ’90s."
        );
        assert_eq!(one("en-GB", r#""Quoted.""#), "“Quoted.”");
        assert_eq!(
            one("en", "rock'n'roll, the students' books"),
            "rock’n’roll, the students’ books"
        );
        assert_eq!(one("en", r#"("parenthesised")"#), "(“parenthesised”)");
    }

    #[test]
    fn french_guillemets_take_narrow_no_break_spaces() {
        assert_eq!(
            one("fr", r#"Il a dit "l'essentiel"."#),
            "Il a dit «\u{202f}l’essentiel\u{202f}»."
        );
        // Typed spaces inside are replaced, not doubled.
        assert_eq!(one("fr", r#"" oui ""#), "«\u{202f}oui\u{202f}»");
        // Typed guillemets get the same spacing and count for nesting.
        assert_eq!(
            one("fr", r#"« Il dit "non" »"#),
            "«\u{202f}Il dit “non”\u{202f}»"
        );
        assert_eq!(one("fr", "«oui»"), "«\u{202f}oui\u{202f}»");
    }

    #[test]
    fn french_spaces_before_high_punctuation() {
        assert_eq!(
            one("fr", "Pourquoi ? Voici : ceci ; cela !"),
            "Pourquoi\u{202f}? Voici\u{a0}: ceci\u{202f}; cela\u{202f}!"
        );
        assert_eq!(one("fr", "Pourquoi?"), "Pourquoi\u{202f}?");
        assert_eq!(one("fr", "Note: rien"), "Note\u{a0}: rien");
        // Left alone: times, addresses, doubled marks.
        assert_eq!(one("fr", "à 10:30"), "à 10:30");
        assert_eq!(
            one("fr", "https://exemple.fr/?q=1"),
            "https://exemple.fr/?q=1"
        );
        assert_eq!(one("fr", "Quoi ?!"), "Quoi\u{202f}?!");
        // Canadian French: no space before ? but a no-break space before :
        assert_eq!(one("fr-CA", "Quoi? Voici : ça"), "Quoi? Voici\u{a0}: ça");
        assert_eq!(one("fr-CA", r#""oui""#), "«\u{a0}oui\u{a0}»");
        // Other languages never get these spaces.
        assert_eq!(one("en", "Why? Here: this"), "Why? Here: this");
    }

    #[test]
    fn single_quotes_keep_the_inner_marks_and_doubles_nest() {
        // A British author's 'single' quotes stay single.
        assert_eq!(one("en-GB", "'Quoted', he said."), "‘Quoted’, he said.");
        assert_eq!(one("en", r#""a "b" c""#), "“a ‘b’ c”");
        assert_eq!(one("es", r#""a "b" c""#), "«a “b” c»");
    }

    #[test]
    fn german_quotes_are_low_high_and_apostrophes_stay() {
        assert_eq!(
            one("de", r#"Er sagte: "Das ist 'gut' so." Geht's?"#),
            "Er sagte: „Das ist ‚gut‘ so.“ Geht’s?"
        );
    }

    #[test]
    fn quotes_of_other_languages() {
        let sample = r#""a 'b' c""#;
        for (tag, expected) in [
            ("es", "«a “b” c»"),
            ("es-MX", "“a ‘b’ c”"),
            ("it", "«a “b” c»"),
            ("pt", "“a ‘b’ c”"),
            ("pt-PT", "«a “b” c»"),
            ("ru", "«a „b“ c»"),
            ("uk", "«a „b“ c»"),
            ("pl", "„a «b» c”"),
            ("nl", "‘a “b” c’"),
            ("zh", "“a ‘b’ c”"),
            ("zh-TW", "「a 『b』 c」"),
            ("ja", "「a 『b』 c」"),
            ("ko", "“a ‘b’ c”"),
            ("ar", "”a ’b‘ c“"),
            ("fa", "«a ‹b› c»"),
            ("he", "”a ’b’ c”"),
            ("tr", "“a ‘b’ c”"),
        ] {
            assert_eq!(one(tag, sample), expected, "{tag}");
        }
    }

    #[test]
    fn a_language_without_a_row_keeps_straight_quotes() {
        assert_eq!(one("sq", r#""a" -- b..."#), "\"a\" – b…");
    }

    #[test]
    fn a_quote_straight_after_a_word_opens_when_none_is_open() {
        assert_eq!(one("zh", r#"他说"是"。"#), "他说“是”。");
        assert_eq!(one("en", r#"a 5" screen"#), "a 5” screen");
    }

    #[test]
    fn hebrew_geresh_and_gershayim_are_not_quotes() {
        assert_eq!(one("he", r#"צה"ל ו"שלום" ג'ירפה"#), "צה״ל ו”שלום” ג׳ירפה");
    }

    #[test]
    fn dashes_and_ellipses() {
        assert_eq!(
            one("en", "1990--2000, yes---no, wait... -- ok"),
            "1990–2000, yes—no, wait… – ok"
        );
        assert_eq!(one("ru", "Москва -- столица"), "Москва\u{a0}— столица");
        assert_eq!(one("es", "Dijo -- y calló"), "Dijo — y calló");
        assert_eq!(one("de", "Er kam -- und ging"), "Er kam – und ging");
        assert_eq!(one("zh", "等等...好---吧"), "等等……好——吧");
        assert_eq!(one("en", "a - b"), "a - b");
    }

    #[test]
    fn fragments_keep_context_across_markup() {
        // `"` at the end of one fragment and the word in the next (emphasis).
        assert_eq!(
            run("de", &["Er sagte \"", "nein", "\"."]),
            "Er sagte „nein“."
        );
        // `'` at a fragment end with no open single quote is an apostrophe.
        assert_eq!(run("fr", &["l'", "homme"]), "l’homme");
        // An open single quote closes at a fragment end.
        assert_eq!(run("de", &["'gut'", " so"]), "‚gut‘ so");
        assert_eq!(run("de", &["\"gut", "\" so"]), "„gut“ so");
        // Spaces typed after « in the next fragment are dropped.
        assert_eq!(run("fr", &["\"", " oui\""]), "«\u{202f}oui\u{202f}»");
    }

    #[test]
    fn atoms_breaks_and_blocks_set_the_context() {
        let mut c = SmartPunctuation::new("en");
        assert_eq!(c.convert("see "), "see ");
        c.after_atom(); // `code`
        assert_eq!(c.convert("'s output"), "’s output");
        c.after_space(); // a soft break
        assert_eq!(c.convert("\"next\""), "“next”");
        assert_eq!(c.convert(" \"unclosed"), " “unclosed");
        c.end_block();
        assert_eq!(
            c.convert("\"fresh\""),
            "“fresh”",
            "a new block starts at level 0"
        );
    }

    #[test]
    fn a_flood_of_quotes_stays_linear() {
        // Many open single quotes, then many double quotes: every double
        // quote asks whether a double quote is open.
        let flood = format!("{}{}", "'x ".repeat(100_000), "\"".repeat(100_000));
        let started = std::time::Instant::now();
        let converted = one("fr", &flood);
        assert!(converted.chars().count() >= 400_000);
        assert!(
            started.elapsed().as_secs() < 5,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn unchanged_text_is_borrowed() {
        let mut c = SmartPunctuation::new("fr");
        assert!(matches!(c.convert("rien à faire"), Cow::Borrowed(_)));
        assert!(matches!(c.convert("l'homme"), Cow::Owned(_)));
    }

    #[test]
    fn every_style_lookup_follows_the_fallback_chain() {
        assert_eq!(Style::for_language("pt-BR"), Style::for_language("pt"));
        assert_ne!(Style::for_language("pt-PT"), Style::for_language("pt"));
        assert_eq!(Style::for_language("zh-HK"), Style::for_language("zh-Hant"));
        assert_eq!(Style::for_language("DE-at"), Style::for_language("de"));
        assert_eq!(Style::for_language("sq"), None);
        let tags: Vec<&str> = STYLES.iter().map(|(t, _)| *t).collect();
        let mut sorted = tags.clone();
        sorted.sort_unstable();
        assert_eq!(tags, sorted, "keep STYLES sorted");
    }
}
