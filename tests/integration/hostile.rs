//! Text that looks like typst code, XHTML markup or tricky Unicode is only
//! ever printed: it runs nothing in the PDF and injects nothing in the EPUB.

use crate::fixtures::{elements, squash, texts, toml_str};
use crate::harness::{Epub, Project, pdf_info, pdf_text, xml_text};

/// Typst syntax: calls, a file read, math, a reference, a label, comments,
/// a closing bracket, a backslash and a quote.
const TYPST: &str =
    r##"#panic("x") #read("/etc/passwd") $x^2$ @ref <label> // comment /* c */ ] \ ""##;
/// XHTML syntax: an element, an entity, a bare `<`, both quotes.
const XHTML: &str = r#"<script>alert(1)</script> &amp; < ' ""#;
/// Invisible and combining characters the embedded fonts can display: a
/// right-to-left mark, a zero-width joiner, a soft hyphen, a combining acute.
const MARKS: &str = "\u{200F} a\u{200D}b soft\u{AD}hyphen e\u{301}";
/// Characters outside the embedded fonts: an emoji and CJK ideographs.
const WIDE: &str = "🙂 漢字";

/// The hostile text, prefixed with the name of the field that carries it.
fn hostile(field: &str, wide: bool) -> String {
    let mut text = format!("{field} {TYPST} {XHTML} {MARKS}");
    if wide {
        text.push(' ');
        text.push_str(WIDE);
    }
    text
}

/// What the reader sees of hostile text given as Markdown: CommonMark turns
/// the `&amp;` entity into `&`; everything else stays as written.
fn as_markdown(text: &str) -> String {
    text.replace("&amp;", "&")
}

/// The hostile publication: every field a person can fill in carries the
/// hostile text; `wide` adds the emoji and CJK characters.
struct Fields {
    wide: bool,
}

impl Fields {
    fn get(&self, field: &str) -> String {
        hostile(field, self.wide)
    }

    /// The publication TOML carrying the hostile text in every field.
    fn toml(&self) -> String {
        let v = |field: &str| toml_str(&self.get(field));
        format!(
            "title = {}\nsubtitle = {}\nauthors = [{}]\npublisher = {}\nkeywords = [{}]\n\
             date = 2024-03-01\nsmart_punctuation = false\nsummary = {}\n\n\
             [[highlights]]\nvalue = {}\nlabel = {}\nsource = {}\n\n\
             [[sections]]\ntitle = {}\nbody = {}\n\n\
             [[attachments]]\ntitle = {}\ndescription = {}\nfile = \"notes.txt\"\n",
            v("Title"),
            v("Subtitle"),
            v("Author"),
            v("Publisher"),
            v("Keyword"),
            v("Summary"),
            v("Value"),
            v("Label"),
            v("Source"),
            v("Section"),
            v("Body"),
            v("Attachment"),
            v("Description"),
        )
    }

    fn project(&self) -> Project {
        let project = Project::empty();
        project
            .write("content/hostile.toml", self.toml())
            .write("content/notes.txt", "plain notes\n");
        project
    }

    /// The texts a reader must see, as typed (Markdown fields decoded).
    fn visible(&self) -> Vec<String> {
        let plain = [
            "Title",
            "Subtitle",
            "Author",
            "Value",
            "Label",
            "Source",
            "Section",
            "Attachment",
            "Description",
        ];
        plain
            .iter()
            .map(|f| self.get(f))
            .chain(
                ["Summary", "Body"]
                    .iter()
                    .map(|f| as_markdown(&self.get(f))),
            )
            .collect()
    }
}

#[test]
fn typst_syntax_in_every_field_is_printed_literally_in_the_pdf() {
    let fields = Fields { wide: false };
    let project = fields.project();
    project.run(&["build"]).expect_code(0);

    let pdf = project.path("output/hostile.pdf");
    let text = pdf_text(&pdf);
    let squashed = squash(&text);
    for value in fields.visible() {
        assert!(
            squashed.contains(&squash(&value)),
            "PDF text lacks {value:?}:\n{text}"
        );
    }
    // The visible letters around the invisible characters survive too.
    for needle in ["a\u{200D}b", "e\u{301}"] {
        assert!(text.contains(needle), "PDF text lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("root:"), "/etc/passwd leaked into the PDF");

    let info = pdf_info(&pdf);
    assert_eq!(info["Title"], fields.get("Title"));
    assert_eq!(info["Author"], fields.get("Author"));
    assert_eq!(info["Keywords"], fields.get("Keyword"));
}

#[test]
fn markup_in_every_field_is_escaped_in_the_epub() {
    let fields = Fields { wide: true };
    let project = fields.project();
    project.run(&["build", "--format", "epub"]).expect_code(0);
    let epub = Epub::open(&project.path("output/hostile.epub"));

    let mut documents = epub.documents();
    for name in ["OEBPS/content.opf", "OEBPS/toc.ncx"] {
        documents.push((name.to_string(), epub.text(name)));
    }
    for (name, doc) in &documents {
        xml_text(doc); // panics unless well-formed
        assert!(!doc.contains("<script"), "{name} has a script tag:\n{doc}");
        for e in elements(doc) {
            let local = e.name.rsplit(':').next().unwrap().to_ascii_lowercase();
            assert_ne!(local, "script", "{name} has a script element");
            for attr in e.attrs.keys() {
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on"),
                    "{name}: <{}> has an event handler attribute {attr}",
                    e.name
                );
            }
        }
    }
    let escaped = |name: &str| epub.text(name).contains("&lt;script&gt;");
    assert!(escaped("OEBPS/title.xhtml") && escaped("OEBPS/resources.xhtml"));

    let opf = epub.opf();
    assert_eq!(texts(&opf, "dc:title"), [fields.get("Title")]);
    assert_eq!(texts(&opf, "dc:creator"), [fields.get("Author")]);
    assert_eq!(texts(&opf, "dc:publisher"), [fields.get("Publisher")]);
    assert_eq!(texts(&opf, "dc:subject"), [fields.get("Keyword")]);
    assert_eq!(
        texts(&opf, "dc:description"),
        [as_markdown(&fields.get("Summary"))]
    );
    assert_eq!(
        epub.nav_titles()[..2],
        [fields.get("Title"), fields.get("Section")]
    );

    let seen: String = documents
        .iter()
        .filter(|(name, _)| name.ends_with(".xhtml") && !name.ends_with("nav.xhtml"))
        .flat_map(|(_, doc)| elements(doc).into_iter().filter(|e| e.name == "body"))
        .map(|body| body.words())
        .collect::<Vec<_>>()
        .join("\n");
    for value in fields.visible() {
        let words = value.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(seen.contains(&words), "EPUB text lacks {words:?}:\n{seen}");
    }
}

#[test]
fn emoji_print_in_the_pdf_through_the_bundled_emoji_font() {
    let fields = Fields { wide: true };
    let project = fields.project();
    // The hostile fields also carry CJK, which no bundled font covers: a font
    // in the project's fonts/ folder is the documented fix. Drop the CJK here.
    let toml = String::from_utf8(project.read("content/hostile.toml")).unwrap();
    project.write("content/hostile.toml", toml.replace("漢字", ""));
    project.run(&["build"]).expect_code(0);
    let text = pdf_text(&project.path("output/hostile.pdf"));
    assert!(text.contains("🙂"), "PDF text lacks the emoji:\n{text}");
}

#[test]
fn text_no_font_covers_fails_the_pdf_naming_the_text_and_the_fix() {
    let fields = Fields { wide: true };
    let project = fields.project();
    let run = project.run(&["build", "--format", "pdf"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("error[missing-glyph]")
            && run.stderr.contains("漢")
            && run.stderr.contains("fonts/"),
        "{}",
        run.stderr
    );
    assert!(
        project
            .files_under("output")
            .iter()
            .all(|f| !f.ends_with(".pdf"))
    );
}

#[test]
fn urls_with_markup_characters_are_percent_encoded_into_valid_links() {
    let project = Project::empty();
    project.write(
        "content/urls.toml",
        r#"
title = "Odd links"
date = 2024-03-01

[[sections]]
title = "Links"
body = "See [the query](https://example.org/search?q=<b>)."

[[attachments]]
title = "Quoted"
url = "https://example.org/a\"onmouseover=\"alert(1)"
"#,
    );
    let run = project.run(&["build", "--format", "epub"]);
    // Built, with the URLs percent-encoded so the links stay valid (EPUBCheck on open).
    run.expect_code(0);
    let epub = Epub::open(&project.path("output/urls.epub"));
    let all: String = epub.documents().into_iter().map(|(_, text)| text).collect();
    for encoded in [
        "https://example.org/search?q=%3Cb%3E",
        "https://example.org/a%22onmouseover=%22alert(1)",
    ] {
        assert!(all.contains(encoded), "{encoded} not found in the EPUB");
    }
}
