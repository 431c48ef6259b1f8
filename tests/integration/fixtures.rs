//! Helpers for the feature tests: TOML quoting, tiny images, and readers
//! for the parts of PDFs and EPUBs the harness does not reach (XMP, link
//! annotations, structure elements, XHTML elements, typst string literals).

use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{Epub, entity, tool};

/// `text` as a TOML basic string, quotes included (any text survives).
pub fn toml_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A valid RGB PNG of one colour.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding");
    out.into_inner()
}

/// Every byte value, twice: an attachment that text-mode handling would corrupt.
pub fn binary_blob() -> Vec<u8> {
    (0..=255u8).chain((0..=255u8).rev()).collect()
}

/// Text reduced to what a comparison with `pdftotext` output can rely on:
/// no whitespace (line breaks fall anywhere), no invisible format characters
/// (soft hyphens, zero-width joiners, direction marks), and `é` decomposed.
pub fn squash(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            c if c.is_whitespace() => {}
            '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' => {}
            'é' => out.push_str("e\u{301}"),
            c => out.push(c),
        }
    }
    out
}

/// The XMP metadata packet of a PDF (`pdfinfo -meta`).
pub fn pdf_xmp(pdf: &Path) -> String {
    tool("pdfinfo", &["-meta", pdf.to_str().unwrap()])
}

/// Every object of a PDF as qpdf's JSON (stream objects by their dictionary).
pub fn pdf_objects(pdf: &Path) -> Vec<serde_json::Value> {
    let json = tool(
        "qpdf",
        &["--json=2", "--json-key=qpdf", pdf.to_str().unwrap()],
    );
    let value: serde_json::Value = serde_json::from_str(&json).expect("qpdf json");
    value["qpdf"][1]
        .as_object()
        .expect("qpdf objects")
        .values()
        .filter_map(|o| o.get("value").or_else(|| o.get("stream")?.get("dict")))
        .cloned()
        .collect()
}

/// A PDF text string from qpdf's JSON (`"u:…"`), as plain text.
fn pdf_string(value: &serde_json::Value) -> Option<String> {
    let s = value.as_str()?;
    Some(s.strip_prefix("u:").unwrap_or(s).to_string())
}

/// The URIs of the PDF's link annotations, in object order.
pub fn pdf_link_uris(pdf: &Path) -> Vec<String> {
    pdf_objects(pdf)
        .iter()
        .filter(|o| o["/Subtype"] == "/Link")
        .filter_map(|o| pdf_string(&o["/A"]["/URI"]))
        .collect()
}

/// The named destinations the PDF's link annotations point to.
pub fn pdf_link_dests(pdf: &Path) -> Vec<String> {
    pdf_objects(pdf)
        .iter()
        .filter(|o| o["/Subtype"] == "/Link")
        .filter_map(|o| pdf_string(&o["/Dest"]))
        .collect()
}

/// Keys of every name tree (named destinations, embedded files), wherever nested.
pub fn pdf_name_tree_keys(pdf: &Path) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match inner.as_array() {
                        Some(names) if key == "/Names" => {
                            out.extend(names.iter().step_by(2).filter_map(pdf_string));
                        }
                        _ => walk(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for object in pdf_objects(pdf) {
        walk(&object, &mut out);
    }
    out
}

/// The alternative texts of the PDF's `Figure` structure elements.
pub fn pdf_figure_alts(pdf: &Path) -> Vec<String> {
    pdf_objects(pdf)
        .iter()
        .filter(|o| o["/S"] == "/Figure")
        .filter_map(|o| pdf_string(&o["/Alt"]))
        .collect()
}

/// One XML element: its qualified name, attributes and all the text inside it.
#[derive(Debug, Clone)]
pub struct Element {
    /// Qualified name, e.g. `dc:title`, `a`.
    pub name: String,
    /// Attributes by qualified name, values unescaped.
    pub attrs: BTreeMap<String, String>,
    /// The decoded text of the element and its descendants, verbatim.
    pub text: String,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// The text with whitespace runs collapsed.
    pub fn words(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Every element of an XML document in document order (panics if not well-formed).
pub fn elements(xml: &str) -> Vec<Element> {
    use quick_xml::events::{BytesStart, Event};
    fn element(e: &BytesStart<'_>) -> Element {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .expect("attribute value");
                (AsRef::<str>::as_ref(&a.key).to_string(), value.into_owned())
            })
            .collect();
        Element {
            name: AsRef::<str>::as_ref(&e.name()).to_string(),
            attrs,
            text: String::new(),
        }
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut all: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let text = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                all.push(element(&e));
                open.push(all.len() - 1);
                continue;
            }
            Ok(Event::Empty(e)) => {
                all.push(element(&e));
                continue;
            }
            Ok(Event::End(_)) => {
                open.pop();
                continue;
            }
            Ok(Event::Text(t)) => AsRef::<str>::as_ref(&t).to_string(),
            Ok(Event::CData(t)) => AsRef::<str>::as_ref(&t).to_string(),
            Ok(Event::GeneralRef(r)) => entity(r.as_ref()),
            Ok(_) => continue,
            Err(e) => panic!(
                "not well-formed XML at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        };
        for &i in &open {
            all[i].text.push_str(&text);
        }
    }
    assert!(open.is_empty(), "unclosed elements in\n{xml}");
    all
}

/// The elements named `name` in `xml`.
pub fn named(xml: &str, name: &str) -> Vec<Element> {
    elements(xml)
        .into_iter()
        .filter(|e| e.name == name)
        .collect()
}

/// The texts of the elements named `name` in `xml`.
pub fn texts(xml: &str, name: &str) -> Vec<String> {
    named(xml, name).into_iter().map(|e| e.text).collect()
}

/// The table of contents of the nav document: (title, entry name in the
/// archive) of its top-level entries (the subheadings under them link
/// into the same documents).
pub fn nav_entries(epub: &Epub) -> Vec<(String, String)> {
    let mut in_toc = false;
    let mut out = Vec::new();
    for e in elements(&epub.text("OEBPS/nav.xhtml")) {
        if e.name == "nav" {
            in_toc = e.attr("epub:type") == Some("toc");
        } else if in_toc && e.name == "a" && !e.attr("href").unwrap_or("").contains('#') {
            let href = e.attr("href").expect("nav link href");
            let file = href.split('#').next().unwrap();
            out.push((e.text.clone(), format!("OEBPS/{file}")));
        }
    }
    out
}

/// The content document the nav lists under `title`.
pub fn document_titled(epub: &Epub, title: &str) -> String {
    let entries = nav_entries(epub);
    let (_, name) = entries
        .iter()
        .find(|(t, _)| t == title)
        .unwrap_or_else(|| panic!("no nav entry {title:?} in {entries:?}"));
    epub.text(name)
}

/// Splits typst source into the code outside string literals and the
/// (unescaped) string literals themselves; comments count as neither.
pub fn typst_code_and_strings(source: &str) -> (String, Vec<String>) {
    let mut code = String::new();
    let mut strings = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut lit = String::new();
                loop {
                    match chars.next().expect("unterminated string literal") {
                        '"' => break,
                        '\\' => match chars.next().expect("dangling escape") {
                            'n' => lit.push('\n'),
                            'r' => lit.push('\r'),
                            't' => lit.push('\t'),
                            'u' => {
                                assert_eq!(chars.next(), Some('{'), "bad \\u escape");
                                let hex: String =
                                    chars.by_ref().take_while(|&c| c != '}').collect();
                                let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                                lit.push(char::from_u32(code).expect("escaped char"));
                            }
                            other => lit.push(other),
                        },
                        other => lit.push(other),
                    }
                }
                code.push_str("\"\"");
                strings.push(lit);
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            c => code.push(c),
        }
    }
    (code, strings)
}

#[test]
fn the_typst_splitter_separates_code_from_unescaped_string_literals() {
    let source =
        "// a \"comment\"\n#f(\"a \\\"b\\\" \\\\ \\u{1f642}\")[#\"x // y\"] /* \"z\" */ <lbl>";
    let (code, strings) = typst_code_and_strings(source);
    assert_eq!(strings, ["a \"b\" \\ \u{1f642}", "x // y"]);
    assert_eq!(code, "\n#f(\"\")[#\"\"]  <lbl>");
}
