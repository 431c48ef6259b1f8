//! Accessible by default: the PDF's tag tree reads as the page does, the
//! EPUB passes Ace by DAISY, and body text is set for readability.
//!
//! The PDF structure is read with `pdfinfo -struct-text` (the tag tree a
//! screen reader walks) and checked with outloud; the EPUB with Ace by DAISY
//! and by reading its XHTML. Both checkers are external tools located by
//! environment variables (see the harness's `ace` and `outloud`).

use std::path::Path;
use std::sync::OnceLock;

use crate::fixtures::{elements, named, png};
use crate::harness::{Epub, Project, ace, built_sample, outloud, pdf_outline, tool};

/// A publication with everything a reader meets: metadata, a standfirst with
/// a footnote, key figures, subheadings, a table, a figure and an inline
/// image, lists, a quote, code, links, nested emphasis, footnotes, and file
/// and web attachments.
const RICH: &str = r#"
title = "Rivers under pressure"
subtitle = "A brief on water quality"
authors = ["Ann One", "Bob Two"]
publisher = "Pubco Press"
date = 2023-05-06
updated = 2024-01-02
summary = "Rivers carry *more* than water.[^s]\n\n[^s]: A note in the standfirst."

[[highlights]]
value = "42%"
label = "of rivers in good health"
source = "River survey 2023"

[[highlights]]
value = "7"
label = "regions surveyed"

[[sections]]
title = "What we found"
body = """
Most rivers are *under pressure, and **some** are _not_ recovering*.[^a]

## Measurements

| Region | Samples | Good |
|:-------|--------:|-----:|
| North  | 120     | 51%  |
| South  | 80      | 33%  |

![A bar chart of good samples by region](rich/chart.png)

An inline marker ![a small blue square](rich/chart.png) sits in this line.

- first finding
  - a detail of it
- second finding

1. measure
2. report

> A quoted remark with *emphasis* inside.

```text
flow = 12 m3/s
```

[^a]: Survey figures, see [the project site](https://example.org/rivers).
"""

[[sections]]
title = "What to do"
body = "Act now; read [what we found](#what-we-found) first.[^b]\n\n[^b]: A second note."

[[attachments]]
title = "Survey data (CSV)"
file = "rich/data.csv"
description = "The measurements behind the brief."

[[attachments]]
title = "Project website"
url = "https://example.org/rivers/report"
description = "Where the full report lives."
"#;

/// Markup, typst syntax and tricky Unicode in every field a person fills in.
const HOSTILE: &str =
    r##"<script>alert(1)</script> & #panic("x") $x$ <lbl> ] \ "q" 'a' e\u0301 🙂"##;

/// The rich publication, built (both editions) once per test binary and shared read-only.
fn rich() -> &'static Project {
    static RICH_BUILT: OnceLock<Project> = OnceLock::new();
    RICH_BUILT.get_or_init(|| {
        let project = Project::lasting();
        project
            .write("content/rich.toml", RICH)
            .write("content/rich/chart.png", png(24, 16, [15, 76, 92]))
            .write("content/rich/data.csv", "region,samples\nNorth,120\n");
        project.built()
    })
}

/// A publication whose every text field carries [`HOSTILE`], built.
fn hostile() -> Project {
    let field = |name: &str| crate::fixtures::toml_str(&format!("{name} {HOSTILE}"));
    let toml = format!(
        "title = {}\nsubtitle = {}\nauthors = [{}]\npublisher = {}\ndate = 2024-03-01\n\
         summary = {}\n\n[[highlights]]\nvalue = {}\nlabel = {}\nsource = {}\n\n\
         [[sections]]\ntitle = {}\nbody = {}\n\n\
         [[attachments]]\ntitle = {}\ndescription = {}\nfile = \"notes.txt\"\n",
        field("Title"),
        field("Subtitle"),
        field("Author"),
        field("Publisher"),
        field("Summary"),
        field("Value"),
        field("Label"),
        field("Source"),
        field("Section"),
        crate::fixtures::toml_str(&format!("Body {HOSTILE}[^n]\n\n[^n]: Note {HOSTILE}")),
        field("Attachment"),
        field("Description"),
    );
    let project = Project::empty();
    project
        .write("content/hostile.toml", toml)
        .write("content/notes.txt", "plain notes\n");
    project.run(&["build"]).expect_code(0);
    project
}

// ------------------------------------------------------------------ PDF --

#[test]
fn the_pdf_title_is_the_first_heading_and_stays_out_of_the_outline() {
    let project = rich();
    let pdf = project.path("output/rich.pdf");
    let tree = StructTree::read(&pdf);
    let first = tree
        .all()
        .into_iter()
        .find(|n| n.is_heading())
        .expect("the PDF has no heading at all");
    assert_eq!(
        (first.role.as_str(), first.text().as_str()),
        ("H1", "Rivers under pressure"),
        "the title must be tagged as the first, level-1 heading\n{tree}"
    );
    let outline: Vec<String> = pdf_outline(&pdf).into_iter().map(|(_, t)| t).collect();
    assert!(
        !outline.iter().any(|t| t == "Rivers under pressure"),
        "the title heading is bookmarked: {outline:?}"
    );
}

#[test]
fn the_pdf_reads_each_metadata_label_before_its_value() {
    let project = rich();
    let tree = StructTree::read(&project.path("output/rich.pdf"));
    let said = tree.root.texts();
    let expected = [
        "AUTHORS",
        "Ann One and Bob Two",
        "PUBLISHED",
        "May 6, 2023",
        "LAST UPDATED",
        "January 2, 2024",
    ];
    let at: Vec<usize> = expected
        .iter()
        .map(|e| {
            said.iter()
                .position(|s| s == e)
                .unwrap_or_else(|| panic!("{e:?} is not a text of its own in\n{tree}"))
        })
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "a screen reader hears the metadata out of order ({at:?}), expected {expected:?}\n{tree}"
    );
}

#[test]
fn key_figures_have_a_heading_that_is_not_bookmarked() {
    let project = rich();
    let pdf = project.path("output/rich.pdf");
    let tree = StructTree::read(&pdf);
    let heading = tree
        .all()
        .into_iter()
        .find(|n| n.text().eq_ignore_ascii_case("key figures"))
        .unwrap_or_else(|| panic!("no element says \"Key figures\"\n{tree}"));
    assert_eq!(
        heading.role, "H2",
        "\"Key figures\" is not a heading\n{tree}"
    );
    let outline: Vec<String> = pdf_outline(&pdf).into_iter().map(|(_, t)| t).collect();
    assert!(
        !outline
            .iter()
            .any(|t| t.eq_ignore_ascii_case("key figures")),
        "the key-figures heading is bookmarked: {outline:?}"
    );
}

#[test]
fn every_url_printed_in_the_pdf_is_inside_a_link() {
    let project = rich();
    let tree = StructTree::read(&project.path("output/rich.pdf"));
    let url = "https://example.org/rivers/report";
    let links: Vec<String> = tree
        .all()
        .into_iter()
        .filter(|n| n.role == "Link")
        .map(Node::text)
        .collect();
    assert!(
        links.iter().any(|l| l == url),
        "the printed {url} has no link over it; links: {links:?}\n{tree}"
    );
    let outside = tree.root.texts_outside("Link");
    let bare: Vec<&String> = outside.iter().filter(|t| t.contains("https://")).collect();
    assert!(
        bare.is_empty(),
        "URLs printed outside a link: {bare:?}\n{tree}"
    );
}

#[test]
fn outloud_finds_no_error_or_warning_in_the_sample_pdf() {
    assert_outloud_clean(&built_sample().path("output/gta-2021.pdf"));
}

#[test]
fn outloud_finds_no_error_or_warning_in_a_pdf_with_tables_images_and_notes() {
    assert_outloud_clean(&rich().path("output/rich.pdf"));
}

// ----------------------------------------------------------- readability --

/// A sentence of long words: hyphenation and justification show.
const SENTENCE: &str = "Environmental responsibilities notwithstanding, interdepartmental \
                        accountability frameworks characteristically underestimate \
                        institutional implementation considerations.";

/// A sentence of ordinary English (words of 4–5 letters on average).
const PLAIN: &str = "The report draws on a survey of people who work with children, and on \
                     the figures that two groups shared with the team this year.";

/// Paragraphs of six [`SENTENCE`]s and of six [`PLAIN`]s, and nothing else
/// in the body.
fn prose() -> String {
    let long = [SENTENCE; 6].join(" ");
    let plain = [PLAIN; 6].join(" ");
    format!(
        "title = \"Prose\"\ndate = 2024-03-01\n\n[[sections]]\ntitle = \"Text\"\nbody = \"\"\"\n{}\n\"\"\"\n",
        [long.as_str(), plain.as_str(), long.as_str(), plain.as_str()].join("\n\n")
    )
}

/// Lines of the body paragraphs as (x min, x max, text), from
/// `pdftotext -bbox-layout`: every line made only of the prose's words.
fn body_lines(pdf: &Path) -> Vec<(f64, f64, String)> {
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let vocabulary: std::collections::BTreeSet<String> = SENTENCE
        .split_whitespace()
        .chain(PLAIN.split_whitespace())
        .map(bare)
        .collect();
    let html = tool("pdftotext", &["-bbox-layout", pdf.to_str().unwrap(), "-"]);
    named(&html, "line")
        .into_iter()
        .filter(|line| {
            // A word hyphenated across lines shows as a prefix, then a suffix.
            line.words().split_whitespace().all(|w| {
                let w = bare(w);
                vocabulary
                    .iter()
                    .any(|v| *v == w || (w.len() > 1 && (v.starts_with(&w) || v.ends_with(&w))))
            })
        })
        .map(|line| {
            let x = |name: &str| line.attr(name).and_then(|v| v.parse::<f64>().ok()).unwrap();
            (x("xMin"), x("xMax"), line.words())
        })
        .collect()
}

/// The share of `lines` whose right edge reaches the rightmost one (within
/// 3 pt: typst lets hyphens and punctuation hang into the margin).
fn flush_right(lines: &[(f64, f64, String)]) -> f64 {
    let widest = lines.iter().map(|(_, r, _)| *r).fold(f64::MIN, f64::max);
    let flush = lines.iter().filter(|(_, r, _)| widest - r < 3.0).count();
    flush as f64 / lines.len() as f64
}

#[test]
fn body_text_is_ragged_right_unhyphenated_and_at_most_80_characters_a_line() {
    let project = Project::empty();
    project.write("content/prose.toml", prose());
    project.run(&["build", "--format", "pdf"]).expect_code(0);
    let lines = body_lines(&project.path("output/prose.pdf"));
    assert!(lines.len() > 12, "too few body lines: {lines:?}");
    for (_, _, text) in &lines {
        assert!(
            !text.ends_with('-'),
            "a word is hyphenated at a line end: {text:?}"
        );
        assert!(
            text.chars().count() <= 80,
            "a line of {} characters (measure ≤ 80): {text:?}",
            text.chars().count()
        );
    }
    // No first-line indents: every line starts at the same x.
    let left = lines[0].0;
    assert!(
        lines.iter().all(|(x, _, _)| (x - left).abs() < 0.5),
        "lines start at different x (indents?): {lines:?}"
    );
    // Ragged right: most lines stop short of the right margin.
    let flush = flush_right(&lines);
    assert!(
        flush < 0.5,
        "{flush:.2} of the lines end flush right: justified?\n{lines:?}"
    );
}

#[test]
fn a_template_can_still_ask_for_justified_text() {
    let project = Project::empty();
    project.write("content/prose.toml", prose());
    crate::harness::copy_dir(
        &crate::harness::repo().join("templates/brief"),
        &project.path("templates/brief"),
    );
    project.write(
        "templates/justified/template.typ",
        "#import \"/templates/brief/template.typ\": publication as brief\n\
         #let publication(..args) = brief(..args, justify: true)\n",
    );
    project
        .run(&["build", "--format", "pdf", "--template", "justified"])
        .expect_code(0);
    let lines = body_lines(&project.path("output/prose.pdf"));
    assert!(lines.len() > 12, "too few body lines: {lines:?}");
    // Every line but the last of each paragraph ends at the right margin.
    let flush = flush_right(&lines);
    assert!(
        flush >= 0.75,
        "only {flush:.2} of the lines end flush right: not justified\n{lines:?}"
    );
}

// ----------------------------------------------------------------- EPUB --

/// The `epub:type` values that need a DPUB-ARIA / ARIA role, and that role
/// (Ace's `epub-type-has-matching-role`; landmarks navs are exempt).
const ROLES: [(&str, &str); 8] = [
    ("chapter", "doc-chapter"),
    ("appendix", "doc-appendix"),
    ("footnote", "doc-footnote"),
    ("endnotes", "doc-endnotes"),
    ("noteref", "doc-noteref"),
    ("toc", "doc-toc"),
    ("bibliography", "doc-bibliography"),
    ("index", "doc-index"),
];

#[test]
fn every_epub_document_and_the_package_declare_the_language() {
    let project = rich();
    let epub = Epub::open(&project.path("output/rich.epub"));
    let package = &named(&epub.opf(), "package")[0];
    assert_eq!(
        package.attr("xml:lang"),
        Some("en"),
        "the package has no xml:lang"
    );
    let documents = epub.documents();
    assert!(documents.iter().any(|(n, _)| n.ends_with("nav.xhtml")));
    for (name, doc) in documents {
        let html = &named(&doc, "html")[0];
        assert_eq!(
            (html.attr("lang"), html.attr("xml:lang")),
            (Some("en"), Some("en")),
            "{name} does not declare its language"
        );
    }
}

#[test]
fn every_epub_type_carries_its_dpub_aria_role() {
    let project = rich();
    let epub = Epub::open_unchecked(&project.path("output/rich.epub"));
    let mut seen = std::collections::BTreeSet::new();
    for (name, doc) in epub.documents() {
        let mut in_landmarks = false;
        for e in elements(&doc) {
            if e.name == "nav" {
                in_landmarks = e.attr("epub:type") == Some("landmarks");
            }
            let Some(types) = e.attr("epub:type") else {
                continue;
            };
            if in_landmarks && e.name != "nav" {
                continue;
            }
            for t in types.split_whitespace() {
                if let Some((_, role)) = ROLES.iter().find(|(ty, _)| *ty == t) {
                    seen.insert(t.to_string());
                    assert_eq!(
                        e.attr("role"),
                        Some(*role),
                        "{name}: <{} epub:type=\"{types}\"> needs role=\"{role}\"",
                        e.name
                    );
                }
            }
        }
    }
    let expected = [
        "appendix", "chapter", "endnotes", "footnote", "noteref", "toc",
    ];
    assert_eq!(
        seen.iter().map(String::as_str).collect::<Vec<_>>(),
        expected,
        "the rich publication should exercise these semantics"
    );
}

#[test]
fn the_package_claims_epub_accessibility_1_1_at_wcag_2_2_aa_without_a_certifier() {
    let project = rich();
    let opf = Epub::open_unchecked(&project.path("output/rich.epub")).opf();
    let meta = |property: &str| -> Vec<String> {
        named(&opf, "meta")
            .into_iter()
            .filter(|m| m.attr("property") == Some(property))
            .map(|m| m.text)
            .collect()
    };
    assert_eq!(
        meta("dcterms:conformsTo"),
        ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    );
    assert!(meta("a11y:certifiedBy").is_empty(), "nobody certified it");
    // Derived from the content: it has images, with alt text, and notes.
    assert_eq!(meta("schema:accessMode"), ["textual", "visual"]);
    assert!(meta("schema:accessModeSufficient").contains(&"textual".to_string()));
    let features = meta("schema:accessibilityFeature");
    for feature in ["alternativeText", "structuralNavigation", "tableOfContents"] {
        assert!(
            features.iter().any(|f| f == feature),
            "{feature} missing: {features:?}"
        );
    }
    let summary = meta("schema:accessibilitySummary").join(" ");
    assert!(summary.contains("footnotes"), "{summary}");
}

#[test]
fn without_images_the_epub_does_not_claim_alternative_text() {
    let project = Project::empty();
    project.write(
        "content/plain.toml",
        "title = \"Plain\"\ndate = 2024-03-01\n\n[[sections]]\ntitle = \"Only\"\nbody = \"Words.\"\n",
    );
    project.run(&["build", "--format", "epub"]).expect_code(0);
    let opf = Epub::open(&project.path("output/plain.epub")).opf();
    let features: Vec<String> = named(&opf, "meta")
        .into_iter()
        .filter(|m| m.attr("property") == Some("schema:accessibilityFeature"))
        .map(|m| m.text)
        .collect();
    assert!(!features.is_empty());
    assert!(
        !features.iter().any(|f| f == "alternativeText"),
        "{features:?}"
    );
}

#[test]
fn ace_finds_no_violation_in_the_sample_epub() {
    assert_ace_clean(&built_sample().path("output/gta-2021.epub"));
}

#[test]
fn ace_finds_no_violation_in_an_epub_with_tables_images_footnotes_and_attachments() {
    assert_ace_clean(&rich().path("output/rich.epub"));
}

#[test]
fn ace_finds_no_violation_in_an_epub_of_hostile_text() {
    assert_ace_clean(&hostile().path("output/hostile.epub"));
}

// ------------------------------------------------------ the PDF tag tree --

/// A structure element from `pdfinfo -struct-text`, with its content in order.
#[derive(Debug, Default)]
struct Node {
    /// The structure type after role mapping (`H1`, `P`, `Link`…).
    role: String,
    /// Text runs and child elements, in tag-tree order.
    content: Vec<Content>,
}

#[derive(Debug)]
enum Content {
    Text(String),
    Element(Node),
}

impl Node {
    fn is_heading(&self) -> bool {
        self.role == "H"
            || (self.role.len() == 2
                && self.role.starts_with('H')
                && self.role[1..].chars().all(|c| c.is_ascii_digit()))
    }

    /// Every text run below this node, in order.
    fn texts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.content {
            match c {
                Content::Text(t) => out.push(t.trim().to_string()),
                Content::Element(n) => out.extend(n.texts()),
            }
        }
        out
    }

    /// The text runs below this node that are not inside a `role` element.
    fn texts_outside(&self, role: &str) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.content {
            match c {
                Content::Text(t) => out.push(t.clone()),
                Content::Element(n) if n.role != role => out.extend(n.texts_outside(role)),
                Content::Element(_) => {}
            }
        }
        out
    }

    /// All text below this node, whitespace collapsed.
    fn text(&self) -> String {
        self.texts()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn walk<'a>(&'a self, out: &mut Vec<&'a Node>) {
        out.push(self);
        for c in &self.content {
            if let Content::Element(n) = c {
                n.walk(out);
            }
        }
    }
}

/// The tag tree of a PDF.
struct StructTree {
    root: Node,
    raw: String,
}

impl StructTree {
    fn read(pdf: &Path) -> Self {
        let raw = tool("pdfinfo", &["-struct-text", pdf.to_str().unwrap()]);
        // Each line is indented two spaces per level: an element (`P (block)`,
        // `H1 "Title" (block)`, `Span (inline):`), a quoted text run, an
        // attribute (`/Placement /Block`) or an annotation (`Object 12 0`).
        let mut stack: Vec<(usize, Node)> = vec![(0, Node::default())];
        for line in raw.lines() {
            let trimmed = line.trim_start();
            let depth = (line.len() - trimmed.len()) / 2 + 1;
            if trimmed.is_empty() || trimmed.starts_with('/') || trimmed.starts_with("Object ") {
                continue;
            }
            let is_text = trimmed.starts_with('"');
            let level = if is_text { depth - 1 } else { depth };
            while stack.len() > 1
                && stack
                    .last()
                    .is_some_and(|(d, _)| *d >= level + usize::from(is_text))
            {
                let (_, node) = stack.pop().unwrap();
                stack
                    .last_mut()
                    .unwrap()
                    .1
                    .content
                    .push(Content::Element(node));
            }
            if is_text {
                let text = trimmed
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or(trimmed);
                stack
                    .last_mut()
                    .unwrap()
                    .1
                    .content
                    .push(Content::Text(text.to_string()));
            } else {
                let role = trimmed
                    .split([' ', ':'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                stack.push((
                    level,
                    Node {
                        role,
                        content: Vec::new(),
                    },
                ));
            }
        }
        while stack.len() > 1 {
            let (_, node) = stack.pop().unwrap();
            stack
                .last_mut()
                .unwrap()
                .1
                .content
                .push(Content::Element(node));
        }
        let (_, root) = stack.pop().unwrap();
        Self { root, raw }
    }

    /// Every element, in document order.
    fn all(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        self.root.walk(&mut out);
        out
    }
}

impl std::fmt::Display for StructTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--- tag tree ---\n{}", self.raw)
    }
}

#[test]
fn the_tag_tree_reader_nests_elements_and_keeps_text_in_order() {
    let project = rich();
    let tree = StructTree::read(&project.path("output/rich.pdf"));
    let document = tree.all()[1];
    assert_eq!(document.role, "Document", "{tree}");
    let sections: Vec<String> = tree
        .all()
        .into_iter()
        .filter(|n| n.role == "H1")
        .map(Node::text)
        .collect();
    assert_eq!(
        sections,
        [
            "Rivers under pressure",
            "1 What we found",
            "2 What to do",
            "Attachments & resources"
        ],
        "{tree}"
    );
    let table = tree
        .all()
        .into_iter()
        .find(|n| n.role == "Table")
        .expect("a table");
    assert_eq!(
        table.texts().join("|"),
        "Region|Samples|Good|North|120|51%|South|80|33%",
        "{tree}"
    );
}

/// Fails with every finding unless outloud reports no error, no warning and
/// no crashed rule on `pdf`.
fn assert_outloud_clean(pdf: &Path) {
    let report = outloud(pdf);
    let findings: Vec<String> = (report.errors.iter().chain(&report.warnings))
        .map(ToString::to_string)
        .chain(report.crashed.iter().map(|rule| format!("{rule} crashed")))
        .collect();
    assert!(
        findings.is_empty(),
        "outloud on {}:\n{}",
        pdf.display(),
        findings.join("\n")
    );
}

/// Fails with every violation unless Ace by DAISY finds none (of any impact) in `epub`.
fn assert_ace_clean(epub: &Path) {
    let violations: Vec<String> = ace(epub).iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "Ace on {}:\n{}",
        epub.display(),
        violations.join("\n")
    );
}
