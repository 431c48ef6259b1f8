//! A tiny escaping XHTML writer: the only way text reaches EPUB documents.
//!
//! Element and attribute *names* are `&'static str`, so they can only come
//! from our code (no user-chosen `onload=`); every attribute value and text
//! node is escaped, and characters XML 1.0 forbids are dropped. Whatever the
//! content says, the output is well-formed XML and `<script>` stays text.

use crate::load::is_forbidden_char;

/// Builds one XHTML document (or fragment) as a string.
#[derive(Default)]
pub struct XhtmlWriter {
    out: String,
}

impl XhtmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(8 * 1024),
        }
    }

    /// Opens `<tag attr="value"…>`.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.out.push('>');
        self
    }

    /// Writes a self-closing `<tag …/>`.
    pub fn empty(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Self {
        self.start_tag(tag, attrs);
        self.out.push_str("/>");
        self
    }

    /// Closes `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// Writes escaped text.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text, false);
        self
    }

    /// `<tag …>text</tag>` in one call.
    pub fn element(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// A line break in the source, for readable output.
    pub fn newline(&mut self) -> &mut Self {
        self.out.push('\n');
        self
    }

    /// Writes markup we generated ourselves (document preamble only).
    fn raw(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    fn start_tag(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// Finishes and returns the markup.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Writes a complete XHTML content document around `body`.
/// `dir` is written only for right-to-left text (`rtl`): left to right is
/// the default.
pub fn document(
    language: &str,
    dir: &str,
    title: &str,
    body: impl FnOnce(&mut XhtmlWriter),
) -> String {
    let mut w = XhtmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n");
    let mut attrs = vec![
        ("xmlns", "http://www.w3.org/1999/xhtml"),
        ("xmlns:epub", "http://www.idpf.org/2007/ops"),
        ("xml:lang", language),
        ("lang", language),
    ];
    if dir == "rtl" {
        attrs.push(("dir", dir));
    }
    w.open("html", &attrs).newline();
    w.open("head", &[]).empty("meta", &[("charset", "utf-8")]);
    w.element("title", &[], title);
    w.empty(
        "link",
        &[
            ("rel", "stylesheet"),
            ("type", "text/css"),
            ("href", "stylesheet.css"),
        ],
    );
    w.close("head").newline().open("body", &[]).newline();
    body(&mut w);
    w.close("body").newline().close("html").newline();
    w.finish()
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' | '\t' | '\r' if attribute => out.push(' '),
            c if is_forbidden_char(c) => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_and_attributes_is_escaped() {
        let mut w = XhtmlWriter::new();
        w.element(
            "p",
            &[("title", "\" onload=\"x")],
            "<script>alert(1)</script> & \u{0}",
        );
        assert_eq!(
            w.finish(),
            "<p title=\"&quot; onload=&quot;x\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; </p>"
        );
    }
}
