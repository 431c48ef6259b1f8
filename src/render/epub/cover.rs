//! The default EPUB cover: an SVG typeset from the model when a publication has no `cover`.
//!
//! Library shelves and reading apps show a book by its cover; a grey
//! placeholder makes a catalogue of briefs unreadable. This draws the same
//! identity as the PDF's title panel (publisher, title, subtitle, date on the
//! accent colour, and the logo) in a few hundred bytes plus the logo,
//! without running typst, so an EPUB-only build stays fast. All text goes
//! through the escaping writer. The logo is embedded as a data URL: a cover
//! is shown as an image, and an image cannot load other files.

use base64::Engine as _;

use super::writer::XhtmlWriter;
use crate::model::Publication;
use crate::project::labels::Label;
use crate::project::language::{Direction, Language};
use crate::project::style::{DEFAULT_ACCENT, SOFT, lighten};

const WIDTH: usize = 1200;
const HEIGHT: usize = 1800;
const MARGIN: usize = 110;
/// The logo's height on the cover, in cover units.
const LOGO_HEIGHT: usize = 120;
/// The accent bar's width, in cover units.
const RULE_WIDTH: usize = 160;

/// An SVG cover for `publication`, in its style, its words in `language`.
/// Right-to-left text is set from the right margin.
pub fn svg(publication: &Publication, language: &Language) -> String {
    let meta = &publication.meta;
    let accent = publication.style.accent.unwrap_or(DEFAULT_ACCENT);
    let soft = lighten(accent, SOFT).hex();
    let (accent, soft) = (accent.hex(), soft.as_str());
    let rtl = language.direction == Direction::Rtl;
    let text = |w: &mut XhtmlWriter, y, size, fill, spacing, content: &str| {
        text(w, rtl, y, size, fill, spacing, content);
    };
    let mut w = XhtmlWriter::new();
    let (width, height) = (WIDTH.to_string(), HEIGHT.to_string());
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let label = language.fill(Label::CoverAlt, &[("title", &meta.title)]);
    let mut attributes = vec![("xmlns", "http://www.w3.org/2000/svg")];
    if publication.style.logo.is_some() {
        attributes.push(("xmlns:xlink", "http://www.w3.org/1999/xlink"));
    }
    attributes.extend([
        ("width", width.as_str()),
        ("height", height.as_str()),
        ("viewBox", view_box.as_str()),
        ("role", "img"),
        ("aria-label", label.as_str()),
    ]);
    w.open("svg", &attributes);
    w.element("title", &[], &meta.title);
    w.empty(
        "rect",
        &[("width", &width), ("height", &height), ("fill", &accent)],
    );
    let rule_y = (HEIGHT - 260).to_string();
    // The accent bar stands at the start margin, like the text.
    let rule_x = if rtl {
        WIDTH - MARGIN - RULE_WIDTH
    } else {
        MARGIN
    };
    w.empty(
        "rect",
        &[
            ("x", &rule_x.to_string()),
            ("y", &rule_y),
            ("width", &RULE_WIDTH.to_string()),
            ("height", "6"),
            ("fill", soft),
        ],
    );
    let mut y = 260;
    if let Some(logo) = &publication.style.logo {
        let asset = publication.asset(logo.asset);
        draw_logo(&mut w, rtl, asset.media_type, &asset.data, &logo.alt);
        y += LOGO_HEIGHT + 40;
    }
    if let Some(publisher) = &meta.publisher {
        let publisher = isolate(rtl, &one_line(&publisher.to_uppercase(), 30));
        text(&mut w, y, 40, soft, "0.12em", &publisher);
        y += 170;
    } else {
        y += 80;
    }
    let (size, per_line) = match meta.title.chars().count() {
        0..=40 => (112, 16),
        41..=90 => (88, 21),
        _ => (64, 30),
    };
    for line in wrap(&meta.title, per_line, 9) {
        y += size + size / 5;
        text(&mut w, y, size, "#ffffff", "0", &line);
    }
    if let Some(subtitle) = &meta.subtitle {
        y += 60;
        for line in wrap(subtitle, 38, 4) {
            y += 62;
            text(&mut w, y, 50, soft, "0", &line);
        }
    }
    let byline = meta.authors.join(" · ");
    if !byline.is_empty() && byline.as_str() != meta.publisher.as_deref().unwrap_or("") {
        let names: Vec<String> = meta.authors.iter().map(|a| isolate(rtl, a)).collect();
        text(
            &mut w,
            HEIGHT - 300,
            42,
            "#ffffff",
            "0",
            &one_line(&names.join(" · "), 42),
        );
    }
    text(
        &mut w,
        HEIGHT - 170,
        42,
        "#ffffff",
        "0",
        &language.date(meta.date),
    );
    w.close("svg").newline();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", w.finish())
}

/// The logo on a white plate at the top of the cover, from the start margin.
fn draw_logo(w: &mut XhtmlWriter, rtl: bool, media_type: &str, data: &[u8], alt: &str) {
    // The plate fits the logo's proportions when its header gives them
    // (an SVG logo gets a 3:1 box and keeps its own proportions inside).
    let width = imagesize::blob_size(data)
        .ok()
        .filter(|size| size.height > 0)
        .map_or(3 * LOGO_HEIGHT, |size| {
            (LOGO_HEIGHT * size.width / size.height).clamp(LOGO_HEIGHT / 2, WIDTH - 2 * MARGIN - 40)
        });
    let pad = 20;
    let x = if rtl {
        WIDTH - MARGIN - width - 2 * pad
    } else {
        MARGIN
    };
    let y = 110;
    let num = |n: usize| n.to_string();
    w.empty(
        "rect",
        &[
            ("x", &num(x)),
            ("y", &num(y)),
            ("width", &num(width + 2 * pad)),
            ("height", &num(LOGO_HEIGHT + 2 * pad)),
            ("rx", "8"),
            ("fill", "#ffffff"),
        ],
    );
    let href = format!(
        "data:{media_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    w.open(
        "image",
        &[
            ("x", &num(x + pad)),
            ("y", &num(y + pad)),
            ("width", &num(width)),
            ("height", &num(LOGO_HEIGHT)),
            ("preserveAspectRatio", "xMidYMid meet"),
            ("xlink:href", &href),
        ],
    );
    w.element("title", &[], alt);
    w.close("image");
}

fn text(
    w: &mut XhtmlWriter,
    rtl: bool,
    y: usize,
    size: usize,
    fill: &str,
    spacing: &str,
    content: &str,
) {
    let x = if rtl { WIDTH - MARGIN } else { MARGIN }.to_string();
    let (y, size) = (y.to_string(), size.to_string());
    let mut attrs = vec![
        ("x", x.as_str()),
        ("y", &y),
        ("font-family", "Libertinus Serif, Georgia, serif"),
        ("font-size", &size),
        ("letter-spacing", spacing),
        ("fill", fill),
    ];
    if rtl {
        // Right-to-left text starts at the right margin (`start` is the right edge).
        attrs.push(("direction", "rtl"));
    }
    w.element("text", &attrs, content);
}

/// A name in right-to-left text wrapped in a first-strong isolate
/// (U+2068 … U+2069), as `<bdi>` does in the documents: "Global Alliance
/// Inc." keeps its full stop at its end. Left-to-right text needs none.
fn isolate(rtl: bool, name: &str) -> String {
    if rtl {
        format!("\u{2068}{name}\u{2069}")
    } else {
        name.to_string()
    }
}

/// How many character widths `c` takes on the cover: two for the wide
/// characters of Chinese, Japanese and Korean, one for the rest, none for a
/// combining mark (it sits on the character before) or a bidi isolate.
fn units(c: char) -> usize {
    use unicode_script::{Script, UnicodeScript};
    if ('\u{2066}'..='\u{2069}').contains(&c) {
        return 0;
    }
    match c.script() {
        Script::Han | Script::Hiragana | Script::Katakana | Script::Hangul | Script::Bopomofo => 2,
        Script::Inherited => 0,
        _ => 1,
    }
}

fn width_of(text: &str) -> usize {
    text.chars().map(units).sum()
}

/// `text` in lines of at most `width` character widths, at most `max`
/// lines (covers are approximate by nature: the widths are counted, not
/// measured). Lines break between words; a word longer than a line is cut
/// between characters (never before a combining mark), without a hyphen,
/// as the PDF breaks it. A text cut short ends with "…".
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() {
            // A word longer than a line starts where the line has room for
            // a letter of it; a shorter one goes whole onto the next line.
            let needs = if width_of(word) > width {
                1
            } else {
                width_of(word)
            };
            if width_of(&line) + 1 + needs > width {
                lines.push(std::mem::take(&mut line));
            } else {
                line.push(' ');
            }
        }
        for c in word.chars() {
            if width_of(&line) + units(c) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
        // Past the last line shown, the rest is not needed.
        if lines.len() > max {
            break;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            *last = with_ellipsis(last, width);
        }
    }
    lines
}

/// `text` kept to one line of `width` character widths, cut with "…".
fn one_line(text: &str, width: usize) -> String {
    wrap(text, width, 1).into_iter().next().unwrap_or_default()
}

/// `line` ended with "…", shortened (and cleared of a trailing space or
/// punctuation) so that it still fits `width`.
fn with_ellipsis(line: &str, width: usize) -> String {
    let mut kept = String::new();
    for c in line.chars() {
        if width_of(&kept) + units(c) + 1 > width {
            break;
        }
        kept.push(c);
    }
    // A combining mark would otherwise lose its character.
    while kept.ends_with(|c: char| units(c) == 0) {
        kept.pop();
    }
    let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || ",;:.·-–—".contains(c));
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_word_boundaries() {
        assert_eq!(
            wrap("Global Threat Assessment 2021", 16, 9),
            ["Global Threat", "Assessment 2021"]
        );
        assert_eq!(wrap("", 10, 9), Vec::<String>::new());
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut_between_letters() {
        assert_eq!(
            wrap("Die Donaudampfschifffahrtsgesellschaft 2025", 16, 9),
            ["Die Donaudampfsc", "hifffahrtsgesell", "schaft 2025"]
        );
        // Two widths for each CJK character; a combining mark stays on its letter.
        assert_eq!(wrap("年度简报年度", 5, 9), ["年度", "简报", "年度"]);
        assert_eq!(wrap("abcde\u{301}f", 5, 9), ["abcde\u{301}", "f"]);
    }

    #[test]
    fn a_text_cut_short_ends_with_an_ellipsis_inside_the_line() {
        let lines = wrap(&"word ".repeat(80), 16, 3);
        assert_eq!(
            lines,
            ["word word word", "word word word", "word word word…"]
        );
        assert_eq!(
            wrap(&"x".repeat(40), 10, 2),
            ["x".repeat(10), format!("{}…", "x".repeat(9))]
        );
        assert_eq!(one_line("Smith, John · Doe, Jane", 14), "Smith, John…");
        assert_eq!(one_line("Short", 14), "Short");
    }
}
