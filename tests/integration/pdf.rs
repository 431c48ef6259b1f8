//! The PDF edition: document info, outline (and its parity with the EPUB
//! nav), embedded files, PDF standards, dates, output selection and the
//! emitted typst source.

use std::sync::OnceLock;

use crate::fixtures::{binary_blob, pdf_xmp, squash, toml_str, typst_code_and_strings};
use crate::harness::{Epub, Project, pdf_attachments, pdf_info, pdf_sections, pdf_text};

const BRIEF: &str = r#"
title = "Water in the city"
subtitle = "A brief on urban supply"
authors = ["Ann One", "Bob Two"]
publisher = "Pubco Press"
date = 2023-05-06
updated = 2024-01-02
keywords = ["water", "urban planning"]
summary = "Cities need *more* water."

[[sections]]
title = "Where we are"
body = "Demand grows.\n\n## A closer look\n\nDetail.\n\n### Closer still\n\nMore detail."

[[sections]]
title = "Pipes & pumps"
body = "Infrastructure ages."

[[sections]]
title = "What to do"
body = "Act now."

[[attachments]]
title = "Usage data"
file = "brief/usage.csv"

[[attachments]]
title = "Sensor dump"
file = "brief/sensors.bin"

[[attachments]]
title = "Utility website"
url = "https://example.org/water"
"#;

const SECTIONS: [&str; 4] = [
    "Where we are",
    "Pipes & pumps",
    "What to do",
    "Attachments & resources",
];

/// The brief, written into a fresh project (not built).
fn brief() -> Project {
    brief_in(Project::empty())
}

/// The brief, written into `project` (not built).
fn brief_in(project: Project) -> Project {
    project
        .write("content/brief.toml", BRIEF)
        .write("content/brief/usage.csv", "month,litres\njan,120\nfeb,98\n")
        .write("content/brief/sensors.bin", binary_blob());
    project
}

/// The brief, built with `build ARGS`.
fn built(args: &[&str]) -> Project {
    let project = brief();
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    project.run(&all).expect_code(0);
    project
}

/// The brief built in both editions, once per test binary and shared read-only.
fn both() -> &'static Project {
    static BOTH: OnceLock<Project> = OnceLock::new();
    BOTH.get_or_init(|| brief_in(Project::lasting()).built())
}

/// The value of an XMP property, written as an element or an attribute.
fn xmp_value(xmp: &str, property: &str) -> Option<String> {
    if let Some((_, rest)) = xmp.split_once(&format!("<{property}>")) {
        return rest.split_once('<').map(|(v, _)| v.trim().to_string());
    }
    let (_, rest) = xmp.split_once(&format!("{property}=\""))?;
    rest.split_once('"').map(|(v, _)| v.to_string())
}

fn assert_attachments_intact(project: &Project) {
    let attached = pdf_attachments(&project.path("output/brief.pdf"));
    assert_eq!(
        attached.keys().collect::<Vec<_>>(),
        ["sensors.bin", "usage.csv"],
        "exactly the file attachments are embedded"
    );
    assert_eq!(
        attached["usage.csv"],
        project.read("content/brief/usage.csv")
    );
    assert_eq!(
        attached["sensors.bin"],
        project.read("content/brief/sensors.bin"),
        "binary attachment altered"
    );
}

#[test]
fn document_info_names_title_authors_and_keywords_on_tagged_a4_pages() {
    let project = both();
    let info = pdf_info(&project.path("output/brief.pdf"));
    assert_eq!(info["Title"], "Water in the city");
    assert_eq!(info["Author"], "Ann One, Bob Two");
    assert_eq!(info["Keywords"], "water, urban planning");
    assert_eq!(info["Tagged"], "yes");
    assert!(info["Page size"].ends_with("(A4)"), "{info:?}");
}

#[test]
fn pdf_outline_and_epub_nav_list_the_same_sections() {
    let project = both();
    let outline = pdf_sections(&project.path("output/brief.pdf"));
    assert_eq!(
        outline, SECTIONS,
        "subheadings must not be top-level entries"
    );
    let epub = Epub::open(&project.path("output/brief.epub"));
    let nav = epub.nav_titles();
    assert_eq!(
        nav[0], "Water in the city",
        "the nav opens with the title page"
    );
    assert_eq!(nav[1..], outline[..], "EPUB nav and PDF outline disagree");
}

#[test]
fn attached_files_are_embedded_byte_for_byte() {
    let project = both();
    assert_attachments_intact(project);
}

#[test]
fn the_default_profile_claims_pdf_ua_1_and_not_pdf_a() {
    let project = both();
    let xmp = pdf_xmp(&project.path("output/brief.pdf"));
    assert_eq!(
        xmp_value(&xmp, "pdfuaid:part").as_deref(),
        Some("1"),
        "{xmp}"
    );
    assert_eq!(xmp_value(&xmp, "pdfaid:part"), None, "{xmp}");
}

#[test]
fn the_archival_profile_claims_pdf_a_3b_and_keeps_the_attachments() {
    let project = built(&["--format", "pdf", "--pdf-standard", "a-3b"]);
    let xmp = pdf_xmp(&project.path("output/brief.pdf"));
    assert_eq!(
        xmp_value(&xmp, "pdfaid:part").as_deref(),
        Some("3"),
        "{xmp}"
    );
    assert_eq!(
        xmp_value(&xmp, "pdfaid:conformance").as_deref(),
        Some("B"),
        "{xmp}"
    );
    assert_eq!(
        xmp_value(&xmp, "pdfuaid:part").as_deref(),
        Some("1"),
        "{xmp}"
    );
    assert_attachments_intact(&project);
}

#[test]
fn the_last_updated_date_is_printed_only_when_given() {
    let project = built(&["--format", "pdf"]);
    let text = pdf_text(&project.path("output/brief.pdf"));
    assert!(
        text.contains("Last updated January 2, 2024"),
        "no last-updated date:\n{text}"
    );

    let project = Project::empty();
    project.write(
        "content/brief.toml",
        BRIEF.replace("updated = 2024-01-02\n", ""),
    );
    project.write("content/brief/usage.csv", "a\n");
    project.write("content/brief/sensors.bin", "b");
    project.run(&["build", "--format", "pdf"]).expect_code(0);
    let text = pdf_text(&project.path("output/brief.pdf"));
    assert!(
        !squash(&text).to_lowercase().contains("lastupdated"),
        "a last-updated line without an `updated` date:\n{text}"
    );
    assert!(text.contains("May 6, 2023"), "no publication date:\n{text}");
}

#[test]
fn format_pdf_writes_only_the_pdf() {
    let project = built(&["--format", "pdf"]);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "brief.pdf"]
    );
    assert!(project.read("output/brief.pdf").starts_with(b"%PDF-"));
}

#[test]
fn format_epub_writes_only_the_epub() {
    let project = built(&["--format", "epub"]);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "brief.epub"]
    );
    assert!(project.read("output/brief.epub").starts_with(b"PK\x03\x04"));
}

#[test]
fn emit_typst_writes_the_source_with_the_title_only_inside_a_string_literal() {
    let title = r#"Budget "2025" #panic("boom") ] // not a comment \ $x$ <lbl>"#;
    let project = Project::empty();
    project.write(
        "content/budget.toml",
        format!(
            "title = {}\ndate = 2024-03-01\nsmart_punctuation = false\n\n[[sections]]\ntitle = \"Plan\"\nid = \"plan\"\nbody = \"Words.\"\n",
            toml_str(title)
        ),
    );
    project.run(&["build", "--emit-typst"]).expect_code(0);
    assert_eq!(
        project.files_under("output"),
        [
            ".briefpress-cache",
            "budget.epub",
            "budget.pdf",
            "budget.typ"
        ]
    );
    let source = String::from_utf8(project.read("output/budget.typ")).expect("utf-8");
    let (code, strings) = typst_code_and_strings(&source);
    assert!(
        strings.iter().any(|s| s == title),
        "the title is not a string literal of its own:\n{source}"
    );
    for fragment in ["Budget", "panic", "boom", "not a comment", "lbl"] {
        assert!(
            !code.contains(fragment),
            "{fragment:?} appears outside string literals:\n{source}"
        );
    }
    let text = pdf_text(&project.path("output/budget.pdf"));
    assert!(
        squash(&text).contains(&squash(title)),
        "the PDF does not print the title as written:\n{text}"
    );
}

/// A template that prints whatever file `path` names.
fn leaky_template(path: &str) -> String {
    format!(
        "#let publication(title: none, ..rest, body) = {{\n  \
         set document(title: title)\n  \
         [#read({path:?})]\n  \
         body\n}}\n"
    )
}

#[test]
fn a_template_cannot_read_outside_the_project_even_through_a_symlink() {
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-OUTSIDE").unwrap();
    for (case, path) in [
        ("link", "/templates/leaky/link.txt"),
        ("dotdot", "../../secret.txt"),
    ] {
        let project = Project::empty();
        project.write("content/a.toml", crate::corpus::brief("Leak"));
        project.write("templates/leaky/template.typ", leaky_template(path));
        std::os::unix::fs::symlink(&secret, project.path("templates/leaky/link.txt")).unwrap();
        let run = project.run(&["build", "--format", "pdf", "--template", "leaky"]);
        run.expect_code(1);
        assert!(
            run.stderr.contains("templates/leaky/template.typ")
                && !run.stderr.contains("TOP-SECRET"),
            "{case}: the error should point into the template and show nothing of the file:\n{}",
            run.stderr
        );
        assert!(
            !project.path("output/a.pdf").exists(),
            "{case}: no PDF may be written"
        );
    }
}
