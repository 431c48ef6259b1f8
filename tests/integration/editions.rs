//! Large-print editions: `<name>.large-print.pdf` beside `<name>.pdf`, the
//! same publication in type of 16 pt and more, with the same outline, tags
//! and attachments.
//!
//! Type sizes are read from the PDF itself with PyMuPDF (`$BRIEFPRESS_PYTHON`,
//! the test-tools virtual environment `scripts/test` installs), span by span.

use std::path::Path;
use std::sync::OnceLock;

use crate::corpus::{brief, statuses};
use crate::fixtures::png;
use crate::harness::{Project, outloud, pdf_attachments, pdf_outline, pymupdf, tool};

/// A publication with every kind of text the template sizes: metadata, a
/// standfirst, key figures with a source, subheadings, a table, a quote,
/// code, a footnote, a figure with its caption, and both kinds of attachment.
const TYPESET: &str = r#"
title = "Water in the city"
subtitle = "What changed in ten years"
authors = ["Ann One", "Bob Two"]
publisher = "Pubco Press"
date = 2023-05-06
updated = 2024-01-02
summary = "Cities use *less* water than they did.[^s]\n\n[^s]: Measured at the treatment works."

[[highlights]]
value = "18%"
label = "less water per person"
source = "Utility reports 2013-2023"

[[highlights]]
value = "4"
label = "cities compared"

[[sections]]
title = "What we found"
body = """
Use fell in every city.[^a]

## By city

| City | Litres | Change |
|:-----|-------:|-------:|
| Ash  | 120    | -21%   |
| Elm  | 135    | -14%   |

![Litres per person by city](city/chart.png)

> Leaks were the largest single loss.

Run `measure --all` to repeat the survey.

[^a]: Litres per person and day, yearly means.
"""

[[attachments]]
title = "Survey data"
file = "city/data.csv"
description = "The measurements behind the brief."

[[attachments]]
title = "Project website"
url = "https://example.org/water"
"#;

/// The typeset publication, built once in both editions (and the EPUB).
fn typeset() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let project = Project::empty();
        project
            .write("content/city.toml", TYPESET)
            .write("content/city/chart.png", png(30, 20, [15, 76, 92]))
            .write("content/city/data.csv", "city,litres\nAsh,120\n");
        project
            .run(&["build", "--edition", "standard", "--edition", "large-print"])
            .expect_code(0);
        project
    })
}

/// One run of text in a PDF: its size in points and its text.
#[derive(Debug)]
pub struct Span {
    pub size: f64,
    pub text: String,
}

/// Every text span of `pdf`, read with PyMuPDF (also for the report's large print).
pub fn spans(pdf: &Path) -> Vec<Span> {
    const SCRIPT: &str = "\
import sys, fitz
for page in fitz.open(sys.argv[1]):
    for block in page.get_text('dict')['blocks']:
        for line in block.get('lines', []):
            for span in line['spans']:
                text = span['text'].strip()
                if text:
                    print(round(span['size'], 2), text, sep='\\t')
";
    let text = pymupdf(SCRIPT, pdf);
    text.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(2, '\t');
            Some(Span {
                size: fields.next()?.parse().ok()?,
                text: fields.next()?.to_string(),
            })
        })
        .collect()
}

/// The outputs in folder `rel` of `project`, without briefpress's own
/// hidden files (cache, lock).
fn outputs(project: &Project, rel: &str) -> Vec<String> {
    project
        .files_under(rel)
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .collect()
}

/// The size of the span that contains `text`.
fn size_of(spans: &[Span], text: &str) -> f64 {
    spans
        .iter()
        .find(|s| s.text.contains(text))
        .unwrap_or_else(|| panic!("no span contains {text:?}: {spans:#?}"))
        .size
}

#[test]
fn the_large_print_edition_sets_every_text_at_sixteen_points_or_more() {
    let project = typeset();
    let spans = spans(&project.path("output/city.large-print.pdf"));
    assert!(spans.len() > 30, "too little text read: {spans:#?}");
    let small: Vec<&Span> = spans.iter().filter(|s| s.size < 15.99).collect();
    assert!(
        small.is_empty(),
        "text below 16 pt in large print: {small:#?}"
    );
    // Body text is larger than the floor, and headings larger than body text.
    let body = size_of(&spans, "Use fell in every city.");
    assert!(body >= 18.0, "body text is {body} pt");
    assert!(size_of(&spans, "What we found") > body);
    assert!(size_of(&spans, "By city") > body);
}

#[test]
fn the_standard_edition_keeps_its_sizes() {
    let project = typeset();
    let spans = spans(&project.path("output/city.pdf"));
    assert_eq!(size_of(&spans, "Use fell in every city."), 12.0);
    assert!(
        spans.iter().any(|s| s.size < 10.0),
        "the standard edition has small labels and sources: {spans:#?}"
    );
}

#[test]
fn both_editions_have_the_same_outline_and_attachments() {
    let project = typeset();
    let standard = project.path("output/city.pdf");
    let large = project.path("output/city.large-print.pdf");
    assert_eq!(pdf_outline(&large), pdf_outline(&standard));
    assert!(!pdf_outline(&large).is_empty());
    assert_eq!(pdf_attachments(&large), pdf_attachments(&standard));
    assert_eq!(
        pdf_attachments(&large).keys().collect::<Vec<_>>(),
        ["data.csv"]
    );
}

#[test]
fn the_large_print_edition_is_as_accessible_as_the_standard_one() {
    let project = typeset();
    let report = outloud(&project.path("output/city.large-print.pdf"));
    assert!(
        report.errors.is_empty() && report.crashed.is_empty(),
        "outloud on the large-print edition: {report:#?}"
    );
    // The same tag tree: the same elements in the same order, holding the
    // same words (lines break elsewhere, and layout attributes such as line
    // heights differ).
    let tags = |pdf: &str| {
        let tree = tool(
            "pdfinfo",
            &["-struct-text", project.path(pdf).to_str().unwrap()],
        );
        let mut elements = Vec::new();
        let mut words = String::new();
        for line in tree.lines().map(str::trim_start) {
            if let Some(text) = line.strip_prefix('"') {
                words.push_str(text.trim_end_matches('"'));
            } else if !line.starts_with('/') {
                elements.push(line.to_string());
            }
        }
        let words: Vec<String> = words.split_whitespace().map(String::from).collect();
        (elements, words)
    };
    let standard = tags("output/city.pdf");
    assert!(
        standard.0.iter().any(|e| e.starts_with("H1"))
            && standard.0.iter().any(|e| e.starts_with("Table")),
        "{standard:#?}"
    );
    assert_eq!(tags("output/city.large-print.pdf"), standard);
}

#[test]
fn a_publication_asks_for_its_editions_and_the_command_line_overrides_them() {
    let project = Project::empty();
    project.write(
        "content/a.toml",
        brief("A").replace(
            "date = 2021-10-19\n",
            "date = 2021-10-19\neditions = [\"large-print\", \"standard\"]\n",
        ),
    );
    project.write("content/b.toml", brief("B"));
    project.run(&["build"]).expect_code(0);
    assert_eq!(
        outputs(&project, "output"),
        ["a.epub", "a.large-print.pdf", "a.pdf", "b.epub", "b.pdf"]
    );
    // Nothing changed: both editions are fresh.
    let again = project.run(&["build", "--message-format", "json"]);
    assert_eq!(
        statuses(&again).values().collect::<Vec<_>>(),
        ["fresh", "fresh"]
    );
    // The command line decides for every publication.
    let out = project.run(&["build", "--edition", "large-print", "--out", "lp"]);
    out.expect_code(0);
    assert_eq!(
        outputs(&project, "lp"),
        ["a.epub", "a.large-print.pdf", "b.epub", "b.large-print.pdf"]
    );
}

#[test]
fn a_publication_named_like_another_ones_large_print_edition_is_refused_before_any_work() {
    let project = Project::empty();
    project
        .write("content/a.toml", brief("A"))
        .write("content/a.large-print.toml", brief("B"));
    let run = project.run(&["build", "--edition", "large-print"]);
    run.expect_code(1);
    assert!(run.stderr.contains("would both write"), "{}", run.stderr);
    assert!(outputs(&project, "output").is_empty());
}

#[test]
fn an_unknown_edition_is_an_error_that_suggests_the_right_name() {
    let project = Project::empty();
    project.write(
        "content/a.toml",
        brief("A").replace(
            "date = 2021-10-19\n",
            "date = 2021-10-19\neditions = [\"large\"]\n",
        ),
    );
    let run = project.run(&["build"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("`large` is not an edition")
            && run.stderr.contains("did you mean \"large-print\"?")
            && run.stderr.contains("content/a.toml:3:"),
        "{}",
        run.stderr
    );
    assert!(outputs(&project, "output").is_empty());
}

#[test]
fn emitted_typst_names_the_edition_only_when_it_is_not_the_standard_one() {
    let project = Project::empty();
    project.write("content/a.toml", brief("A"));
    project
        .run(&[
            "build",
            "--emit-typst",
            "--edition",
            "standard",
            "--edition",
            "large-print",
        ])
        .expect_code(0);
    // The call of the template (the file also carries the built-in template).
    let call = |name: &str| {
        let text = String::from_utf8(project.read(name)).expect("UTF-8");
        let start = text.rfind("#show: publication.with(\n").expect("the call");
        let end = start + text[start..].find("\n)\n").expect("its end");
        text[start..end].to_string()
    };
    let standard = call("output/a.typ");
    let large = call("output/a.large-print.typ");
    assert!(!standard.contains("edition:"), "{standard}");
    assert!(large.contains("  edition: \"large-print\",\n"), "{large}");
}
