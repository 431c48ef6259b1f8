//! SVG images must be well-formed and self-contained.
//!
//! typst resolves an SVG's references to other files (`<image href="x.png">`,
//! `<use href="other.svg#a">`) itself, so such an SVG looks right in the PDF,
//! but the EPUB packages the SVG alone: the raster goes missing and
//! EPUBCheck fails on the reference. The SVG is parsed as XML (roxmltree, as
//! typst's own SVG reader does) and refused when any element, attribute,
//! stylesheet or processing instruction reaches outside the file; images it
//! embeds as `data:` URIs get the same pixel budget as any other image.
//! A brief's images are pictures, never programs: an SVG with a `<script>`,
//! an event handler (`onload=`…) or a `javascript:` value is refused, since
//! EPUB reading systems would run it and EPUBCheck rejects the package.

use std::ops::Range;

use base64::Engine as _;
use roxmltree::{Document, Node, NodeType, ParsingOptions};

use super::raster::{self, RasterProblem};

/// More elements than any chart or logo needs; bounds parse memory.
const MAX_NODES: u32 = 1_000_000;
/// How deep `data:` SVGs inside SVGs may nest.
const MAX_NESTING: usize = 4;

/// Why an SVG cannot be used; spans are byte ranges in the SVG's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvgProblem {
    /// Not well-formed XML, or not an `<svg>` document.
    #[error("broken SVG: {message}")]
    Malformed {
        /// What is wrong.
        message: String,
        /// Where.
        span: Option<Range<usize>>,
    },
    /// More XML nodes than [`MAX_NODES`].
    #[error("the SVG has more than {0} XML nodes")]
    TooManyNodes(u32),
    /// A reference to a file outside the SVG.
    #[error("the SVG loads `{reference}`, a file outside itself")]
    External {
        /// The reference as written.
        reference: String,
        /// Where.
        span: Range<usize>,
    },
    /// A script, or an attribute or animation that would run one.
    #[error("the SVG runs a script: {what}")]
    Scripted {
        /// The element or attribute, as written.
        what: String,
        /// Where.
        span: Range<usize>,
    },
    /// An embedded (`data:`) raster image over the pixel budget, or unreadable.
    #[error("an image embedded in the SVG {problem}")]
    Embedded {
        /// What is wrong with it.
        problem: RasterProblem,
        /// Where.
        span: Range<usize>,
    },
}

/// What an SVG is checked for.
#[derive(Clone, Copy)]
struct Rules {
    max_pixels: u64,
    /// Whether references to other files are allowed (SVGs a template
    /// loads appear only in the PDF, where typst resolves them).
    external: bool,
    /// Whether scripts are tolerated (typst draws template SVGs and
    /// ignores their scripts; no reading system ever sees them).
    scripts: bool,
}

/// Checks a content SVG's text (without a byte-order mark): well-formed,
/// self-contained, embedded images within `max_pixels`. Returns the pixels
/// of the raster images it embeds, which typst decodes.
pub fn check(text: &str, max_pixels: u64) -> Result<u64, SvgProblem> {
    let rules = Rules {
        max_pixels,
        external: false,
        scripts: false,
    };
    check_nested(text, rules, 0)
}

/// Checks only what could exhaust memory: the node count and the images
/// embedded as `data:` URIs. Malformed XML is left to typst to report.
pub fn check_pixels(text: &str, max_pixels: u64) -> Result<u64, SvgProblem> {
    let rules = Rules {
        max_pixels,
        external: true,
        scripts: true,
    };
    match check_nested(text, rules, 0) {
        Err(SvgProblem::Malformed { .. }) => Ok(0),
        other => other,
    }
}

fn check_nested(text: &str, rules: Rules, depth: usize) -> Result<u64, SvgProblem> {
    let options = ParsingOptions {
        allow_dtd: true,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|err| malformed(text, &err))?;
    let root = doc.root_element();
    let name = root.tag_name().name();
    if name != "svg" {
        // The start tag's `<name`, not the whole document.
        let start = root.range().start;
        return Err(SvgProblem::Malformed {
            message: format!("the root element is <{name}>, not <svg>"),
            span: Some(start..start + 1 + name.len()),
        });
    }
    let mut pixels = 0u64;
    for node in doc.descendants() {
        match node.node_type() {
            NodeType::Element => {
                if !rules.scripts {
                    scripted(text, node)?;
                }
                pixels = pixels.saturating_add(element(node, rules, depth)?);
            }
            NodeType::PI if !rules.external => {
                if let Some(pi) = node.pi()
                    && pi.target.eq_ignore_ascii_case("xml-stylesheet")
                {
                    return Err(SvgProblem::External {
                        reference: format!(
                            "<?xml-stylesheet {}?>",
                            pi.value.unwrap_or_default().trim()
                        ),
                        span: node.range(),
                    });
                }
            }
            NodeType::Text => {
                let in_style = node
                    .parent_element()
                    .is_some_and(|p| p.tag_name().name() == "style");
                let css = node.text().unwrap_or_default();
                if in_style
                    && !rules.external
                    && let Some(reference) = css::external(css)
                {
                    // Point at the stylesheet's first line, not the break before it.
                    let trimmed = css.trim_start();
                    let start = node.range().start + (css.len() - trimmed.len());
                    let first_line = trimmed.lines().next().unwrap_or("").len();
                    return Err(SvgProblem::External {
                        reference,
                        span: start..start + first_line,
                    });
                }
            }
            NodeType::PI | NodeType::Root | NodeType::Comment => {}
        }
    }
    Ok(pixels)
}

/// Refuses a `<script>` element, an event-handler attribute (`onload`…),
/// an animation that sets one, and a `javascript:` value.
fn scripted(text: &str, node: Node<'_, '_>) -> Result<(), SvgProblem> {
    if node.tag_name().name().eq_ignore_ascii_case("script") {
        let start = node.range().start;
        let name_len = text[start + 1..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(0);
        return Err(SvgProblem::Scripted {
            what: "a <script> element".into(),
            span: start..start + 1 + name_len,
        });
    }
    for attr in node.attributes() {
        let name = attr.name();
        let value = attr.value().trim();
        let what = if is_event_handler(name) {
            format!("the event handler `{name}`")
        } else if name == "attributeName" && is_event_handler(value) {
            format!("an animation that sets the event handler `{value}`")
        } else if is_javascript(value) {
            format!("the `javascript:` value of `{name}`")
        } else {
            continue;
        };
        return Err(SvgProblem::Scripted {
            what,
            span: attr.range(),
        });
    }
    Ok(())
}

/// `onload`, `onclick`…: no SVG attribute that is not an event handler
/// starts with `on`.
fn is_event_handler(name: &str) -> bool {
    name.len() > 2 && name.as_bytes()[..2].eq_ignore_ascii_case(b"on")
}

/// A `javascript:` URL, however spaced or cased (browsers drop tabs and
/// line breaks inside the scheme).
fn is_javascript(value: &str) -> bool {
    let scheme: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(11)
        .collect();
    scheme.eq_ignore_ascii_case("javascript:")
}

fn malformed(text: &str, err: &roxmltree::Error) -> SvgProblem {
    if let roxmltree::Error::NodesLimitReached = err {
        return SvgProblem::TooManyNodes(MAX_NODES);
    }
    let pos = err.pos();
    let message = err.to_string().replace(&format!(" at {pos}"), "");
    let positioned = !matches!(
        err,
        roxmltree::Error::UnexpectedEndOfStream
            | roxmltree::Error::NoRootNode
            | roxmltree::Error::UnclosedRootNode
    );
    let span = positioned.then(|| {
        let at = offset(text, pos.row as usize, pos.col as usize);
        at..at
    });
    SvgProblem::Malformed { message, span }
}

/// Byte offset of a 1-based line and character column.
fn offset(text: &str, row: usize, col: usize) -> usize {
    let line_start = if row <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(row - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[line_start..]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// Checks an element's attributes: references, styles, embedded images
/// (whose pixels it returns).
fn element(node: Node<'_, '_>, rules: Rules, depth: usize) -> Result<u64, SvgProblem> {
    let is_link = node.tag_name().name() == "a";
    let mut pixels = 0u64;
    for attr in node.attributes() {
        let value = attr.value().trim();
        let name = attr.name();
        if matches!(name, "href" | "src") {
            if let Some(data) = data_url(value) {
                pixels = pixels.saturating_add(embedded(&data, rules, depth, attr.range_value())?);
                continue;
            }
            if rules.external || value.starts_with('#') || (is_link && is_web_link(value)) {
                continue;
            }
            return Err(SvgProblem::External {
                reference: value.to_string(),
                span: attr.range_value(),
            });
        }
        if !rules.external
            && let Some(reference) = css::external(value)
        {
            return Err(SvgProblem::External {
                reference,
                span: attr.range_value(),
            });
        }
    }
    Ok(pixels)
}

fn is_web_link(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// A decoded `data:` URL: its media type and bytes.
struct DataUrl {
    media_type: String,
    bytes: Vec<u8>,
}

/// Decodes a `data:` URL, or `None` when `value` is not one.
fn data_url(value: &str) -> Option<DataUrl> {
    let rest = value
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &value[5..])?;
    let (header, payload) = rest.split_once(',').unwrap_or((rest, ""));
    let media_type = header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let base64 = header
        .split(';')
        .skip(1)
        .any(|p| p.trim().eq_ignore_ascii_case("base64"));
    let bytes = if base64 {
        let clean: String = payload
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(clean.trim_end_matches('='))
            .unwrap_or_default()
    } else {
        percent_decode(payload)
    };
    Some(DataUrl { media_type, bytes })
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Checks an image embedded as a `data:` URL: rasters against the budget,
/// SVGs recursively.
fn embedded(
    data: &DataUrl,
    rules: Rules,
    depth: usize,
    span: Range<usize>,
) -> Result<u64, SvgProblem> {
    let at = |problem| SvgProblem::Embedded {
        problem,
        span: span.clone(),
    };
    if data.media_type == "image/svg+xml" {
        if depth >= MAX_NESTING {
            return Err(at(RasterProblem::Unreadable(format!(
                "SVGs nested more than {MAX_NESTING} deep"
            ))));
        }
        let text = String::from_utf8_lossy(&data.bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        return check_nested(text, rules, depth + 1).map_err(|inner| match inner {
            SvgProblem::External { reference, .. } => SvgProblem::External {
                reference,
                span: span.clone(),
            },
            SvgProblem::Scripted { what, .. } => SvgProblem::Scripted {
                what,
                span: span.clone(),
            },
            SvgProblem::Embedded { problem, .. } => at(problem),
            SvgProblem::TooManyNodes(_) | SvgProblem::Malformed { .. } => at(
                RasterProblem::Unreadable("the embedded SVG is not well-formed".into()),
            ),
        });
    }
    if raster::is_raster(&data.bytes) {
        return raster::check_raster(&data.bytes, rules.max_pixels).map_err(at);
    }
    Err(at(RasterProblem::Unreadable(format!(
        "the embedded data is not a PNG, JPEG, GIF or SVG image ({})",
        if data.media_type.is_empty() {
            "no media type"
        } else {
            &data.media_type
        }
    ))))
}

/// External references in CSS: `@import` and `url()`/`image()`/`image-set()`
/// arguments that are neither `#fragment`s nor `data:` URLs.
mod css {
    /// The first external reference in a stylesheet or a style attribute.
    pub fn external(css: &str) -> Option<String> {
        let css = normalize(css);
        if let Some(at) = css.find("@import") {
            return Some(
                css[at..]
                    .split(';')
                    .next()
                    .unwrap_or("@import")
                    .trim()
                    .to_string(),
            );
        }
        for function in ["url(", "image(", "image-set("] {
            for (at, _) in css.match_indices(function) {
                let args = &css[at + function.len()..];
                let args = &args[..closing_paren(args)];
                if function == "url(" {
                    let target = args.trim().trim_matches(|c| c == '"' || c == '\'').trim();
                    if !is_internal(target) {
                        return Some(format!("url({target})"));
                    }
                } else if let Some(target) = quoted(args).find(|s| !is_internal(s)) {
                    return Some(format!("{function}\"{target}\")"));
                }
            }
        }
        None
    }

    fn is_internal(target: &str) -> bool {
        target.starts_with('#') || target.starts_with("data:")
    }

    /// Length of the text up to the `)` that closes an open paren.
    fn closing_paren(text: &str) -> usize {
        let mut depth = 0usize;
        let mut quote = None;
        for (i, c) in text.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') if depth == 0 => return i,
                (None, ')') => depth -= 1,
                _ => {}
            }
        }
        text.len()
    }

    /// The quoted strings in a function's arguments.
    fn quoted(args: &str) -> impl Iterator<Item = &str> {
        args.split(['"', '\'']).skip(1).step_by(2)
    }

    /// Lower-cased CSS with comments removed and escapes decoded, so
    /// `U\52L(` or `@im/**/port` cannot hide a reference.
    fn normalize(css: &str) -> String {
        let mut out = String::with_capacity(css.len());
        let mut chars = css.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    let mut last = ' ';
                    for c in chars.by_ref() {
                        if last == '*' && c == '/' {
                            break;
                        }
                        last = c;
                    }
                }
                '\\' => {
                    let mut hex = String::new();
                    while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                        hex.extend(chars.next());
                    }
                    if hex.is_empty() {
                        out.extend(chars.next());
                    } else {
                        if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                            chars.next();
                        }
                        let code = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                }
                c => out.push(c),
            }
        }
        out.to_lowercase()
    }

    #[cfg(test)]
    mod tests {
        use super::external;

        #[test]
        fn finds_imports_and_urls_however_written() {
            assert_eq!(
                external("@import 'a.css';").as_deref(),
                Some("@import 'a.css'")
            );
            assert_eq!(
                external("@im/**/port url(a.css)").as_deref(),
                Some("@import url(a.css)")
            );
            assert_eq!(
                external("fill: URL( \"x.svg#g\" )").as_deref(),
                Some("url(x.svg#g)")
            );
            assert_eq!(
                external("fill: \\75 rl(x.png)").as_deref(),
                Some("url(x.png)")
            );
            assert_eq!(
                external("background: image-set(\"a.png\" 1x)").as_deref(),
                Some("image-set(\"a.png\")")
            );
        }

        #[test]
        fn fragments_and_data_urls_are_fine() {
            assert_eq!(external("fill: url(#grad); mask: url('#m')"), None);
            assert_eq!(
                external("background: url(data:image/png;base64,AAAA)"),
                None
            );
            assert_eq!(external("fill: red"), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">"#;

    fn svg(body: &str) -> String {
        format!("{SVG}\n{body}\n</svg>\n")
    }

    fn external_at(text: &str) -> (String, String) {
        match check(text, 50_000_000) {
            Err(SvgProblem::External { reference, span }) => (reference, text[span].to_string()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_self_contained_svg_passes() {
        let text = svg(
            r##"<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/>
<use xlink:href="#g"/><a href="https://example.org"><text>x</text></a>
<style>rect { fill: url(#g) }</style>"##,
        );
        assert_eq!(check(&text, 50_000_000), Ok(0));
    }

    #[test]
    fn a_sibling_raster_is_an_external_reference() {
        let (reference, at) = external_at(&svg(r#"<image href="ok.png" width="5" height="5"/>"#));
        assert_eq!((reference.as_str(), at.as_str()), ("ok.png", "ok.png"));
        let (reference, _) = external_at(&svg(r#"<use xlink:href="other.svg#a"/>"#));
        assert_eq!(reference, "other.svg#a");
    }

    #[test]
    fn css_imports_and_urls_are_external_references() {
        let (reference, _) = external_at(&svg("<style>@import url(x.css);</style>"));
        assert_eq!(reference, "@import url(x.css)");
        let (reference, at) = external_at(&svg(r#"<rect style="fill: url(p.svg#p)"/>"#));
        assert_eq!(
            (reference.as_str(), at.as_str()),
            ("url(p.svg#p)", "fill: url(p.svg#p)")
        );
        let (reference, _) = external_at(&svg(r#"<rect filter="url(f.svg#f)"/>"#));
        assert_eq!(reference, "url(f.svg#f)");
        let text = format!("<?xml-stylesheet href=\"s.css\"?>\n{}", svg(""));
        assert_eq!(external_at(&text).0, "<?xml-stylesheet href=\"s.css\"?>");
    }

    #[test]
    fn embedded_rasters_get_the_pixel_budget() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        let uri = base64::engine::general_purpose::STANDARD.encode(&png);
        let text = svg(&format!(r#"<image href="data:image/png;base64,{uri}"/>"#));
        assert!(matches!(
            check(&text, 50_000_000),
            Err(SvgProblem::Embedded {
                problem: RasterProblem::TooLarge(_),
                ..
            })
        ));
        assert_eq!(check(&text, 4_000_000_000), Ok(60_000 * 60_000));
    }

    #[test]
    fn scripts_and_event_handlers_are_refused_templates_may_keep_them() {
        let scripted = |text: &str| match check(text, 50_000_000) {
            Err(SvgProblem::Scripted { what, span }) => (what, text[span].to_string()),
            other => panic!("{other:?}"),
        };
        let text = svg("<script>alert(1)</script>");
        assert_eq!(scripted(&text).1, "<script");
        assert_eq!(check_pixels(&text, 50_000_000), Ok(0));
        let (what, at) = scripted(&svg(r#"<rect ONCLICK="x()"/>"#));
        assert_eq!(
            (what.as_str(), at.as_str()),
            ("the event handler `ONCLICK`", r#"ONCLICK="x()""#)
        );
        assert!(
            scripted(&svg(r#"<set attributeName="onload" to="x()"/>"#))
                .0
                .contains("animation")
        );
        assert!(
            scripted(&svg("<a href=\"java\tscript:x()\"/>"))
                .0
                .contains("javascript:")
        );
        let nested = base64::engine::general_purpose::STANDARD.encode(svg("<script/>"));
        let text = svg(&format!(
            r#"<image href="data:image/svg+xml;base64,{nested}"/>"#
        ));
        assert!(scripted(&text).1.starts_with("data:image/svg+xml"));
        assert_eq!(
            check(&svg(r#"<rect opacity="0.5" offset="1"/>"#), 50_000_000),
            Ok(0)
        );
    }

    #[test]
    fn broken_xml_is_malformed_with_a_position() {
        let text = svg("<rect></g>");
        let Err(SvgProblem::Malformed { message, span }) = check(&text, 50_000_000) else {
            panic!();
        };
        assert!(message.contains("expected 'rect' tag"), "{message}");
        assert_eq!(span.map(|s| s.start), text.find("</g>"));
        assert!(matches!(
            check("<html/>", 50_000_000),
            Err(SvgProblem::Malformed { .. })
        ));
    }
}
