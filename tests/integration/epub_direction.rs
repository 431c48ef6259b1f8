//! The EPUB of a right-to-left publication, in both built-in templates:
//! stylesheets in logical directions, code and Latin values isolated, an
//! upright type, an accurate accessibility summary, the NCX and the nav.
//!
//! One Arabic publication per template (Latin names and publisher, code,
//! a quote, a list, subheadings, a CSV attachment, a footnote, no image)
//! and one English one with an image, built once (EPUB only) and shared.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::fixtures::{elements, named, png};
use crate::harness::{Epub, Project};

const TEMPLATES: &[&str] = &["brief", "report"];

/// An Arabic publication set in `template`.
fn arabic(template: &str) -> String {
    format!(
        r###"title = "موجز المياه"
subtitle = "الآبار والمضخات"
authors = ["A. Author", "B. Author"]
publisher = "Global Alliance Inc."
date = 2025-03-04
language = "ar"
identifier = "urn:uuid:8a0f9e4c-1f7e-4d0b-9a59-3b2f6c1d2e01"
template = "{template}"

[[sections]]
title = "خلفية"
id = "s1"
body = """تصل المياه إلى معظم الأسر.[^1] استدعِ `code_sample()` مرة.

> الماء حياة.

1. خلفية A
2. خلفية B

```
f(x) = x;
```

[^1]: مسح شمل 1200 أسرة.
"""

[[sections]]
title = "النتائج"
id = "s2"
body = """## النتائج الأولى

نص.

### تفاصيل النتائج

نص آخر.
"""

[[attachments]]
title = "البيانات"
file = "data.csv"
"###
    )
}

/// An English publication with an image and no footnote.
const ENGLISH: &str = r#"title = "Water brief"
authors = ["Ann One"]
date = 2025-03-04
language = "en"

[[sections]]
title = "Background"
body = "Words.\n\n![A bar chart of three regions](chart.png)"
"#;

/// The shared build: the project and its output folder.
fn built() -> &'static (Project, PathBuf) {
    static BUILT: OnceLock<(Project, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::lasting();
        for template in TEMPLATES {
            project.write(&format!("content/ar-{template}.toml"), arabic(template));
        }
        project
            .write("content/data.csv", "region,share\nnorth,12\n")
            .write("content/en.toml", ENGLISH)
            .write("content/chart.png", png(30, 20, [15, 76, 92]));
        project.run(&["build", "-f", "epub"]).expect_code(0);
        let output = project.path("output");
        (project, output)
    })
}

fn epub(name: &str) -> Epub {
    Epub::open(&built().1.join(format!("{name}.epub")))
}

/// `(selectors, property, value)` of every declaration of a stylesheet,
/// comments removed (enough for the built-in stylesheets: no nested
/// rules, no strings holding braces).
fn declarations(css: &str) -> Vec<(String, String, String)> {
    let mut plain = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        plain.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    plain.push_str(rest);
    let mut out = Vec::new();
    for rule in plain.split('}') {
        let Some((selectors, body)) = rule.split_once('{') else {
            continue;
        };
        let selectors = selectors.trim().to_string();
        for declaration in body.split(';') {
            if let Some((property, value)) = declaration.split_once(':') {
                out.push((
                    selectors.clone(),
                    property.trim().to_string(),
                    value.trim().to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn the_stylesheets_use_logical_directions() {
    for template in TEMPLATES {
        let css = epub(&format!("ar-{template}")).text("OEBPS/stylesheet.css");
        let physical: Vec<_> = declarations(&css)
            .into_iter()
            .filter(|(_, property, value)| {
                property.contains("left")
                    || property.contains("right")
                    || (property == "text-align" && (value == "left" || value == "right"))
                    || (property == "float" && value != "none")
            })
            .collect();
        assert!(
            physical.is_empty(),
            "{template}: physical directions in the EPUB stylesheet: {physical:#?}"
        );
        let declared = declarations(&css);
        for (selector, property) in [
            ("ul, ol", "padding-inline-start"),
            ("blockquote", "border-inline-start"),
        ] {
            assert!(
                declared
                    .iter()
                    .any(|(s, p, _)| s == selector && p == property),
                "{template}: `{selector}` lacks {property}"
            );
        }
    }
}

#[test]
fn code_reads_left_to_right_in_right_to_left_text() {
    for template in TEMPLATES {
        let section = epub(&format!("ar-{template}")).text("OEBPS/section-01.xhtml");
        let all = elements(&section);
        let inline: Vec<_> = all.iter().filter(|e| e.name == "code").collect();
        let blocks: Vec<_> = all.iter().filter(|e| e.name == "pre").collect();
        assert_eq!(inline.len(), 2, "{template}: {section}");
        assert_eq!(blocks.len(), 1, "{template}: {section}");
        assert!(
            blocks[0].attr("dir") == Some("ltr"),
            "{template}: a code block is not left to right: {section}"
        );
        let span = inline
            .iter()
            .find(|e| e.text == "code_sample()")
            .expect("the inline code");
        assert_eq!(
            span.attr("dir"),
            Some("ltr"),
            "{template}: inline code is not isolated left to right: {section}"
        );
    }
}

/// The texts of the `<bdi>` elements of `xml`.
fn isolates(xml: &str) -> Vec<String> {
    named(xml, "bdi").into_iter().map(|e| e.text).collect()
}

#[test]
fn names_publisher_and_file_details_are_isolated() {
    for template in TEMPLATES {
        let book = epub(&format!("ar-{template}"));
        let title = book.text("OEBPS/title.xhtml");
        let byline = elements(&title)
            .into_iter()
            .find(|e| e.attr("class") == Some("byline"))
            .expect("a byline");
        assert_eq!(
            byline.text, "A. Author · B. Author · Global Alliance Inc.",
            "{template}"
        );
        let isolated = isolates(&title);
        for name in ["A. Author", "B. Author", "Global Alliance Inc."] {
            assert!(
                isolated.iter().any(|i| i == name),
                "{template}: {name:?} is not in its own <bdi>: {title}"
            );
        }
        let resources = book.text("OEBPS/resources.xhtml");
        let isolated = isolates(&resources);
        for value in ["data.csv", "CSV"] {
            assert!(
                isolated.iter().any(|i| i == value),
                "{template}: {value:?} is not in its own <bdi>: {resources}"
            );
        }
        assert!(
            isolated.iter().any(|i| i.starts_with("0.1")),
            "{template}: the size is not in its own <bdi>: {resources}"
        );
    }
}

#[test]
fn the_generated_cover_isolates_its_values_and_mirrors_in_right_to_left() {
    let cover = epub("ar-brief").text("OEBPS/images/cover.svg");
    let texts: Vec<String> = named(&cover, "text").into_iter().map(|e| e.text).collect();
    assert!(
        texts.contains(&"\u{2068}GLOBAL ALLIANCE INC.\u{2069}".to_string()),
        "the publisher is not isolated: {texts:?}"
    );
    assert!(
        texts.contains(&"\u{2068}A. Author\u{2069} · \u{2068}B. Author\u{2069}".to_string()),
        "the authors are not isolated: {texts:?}"
    );
    let bar = |cover: &str| {
        named(cover, "rect")
            .into_iter()
            .find(|r| r.attr("height") == Some("6"))
            .and_then(|r| r.attr("x").map(str::to_string))
            .expect("the accent bar")
    };
    assert_eq!(bar(&cover), "930", "the accent bar is not on the right");
    let english = epub("en").text("OEBPS/images/cover.svg");
    assert_eq!(bar(&english), "110");
    assert!(
        !english.contains('\u{2068}'),
        "left-to-right covers need no isolates"
    );
}

#[test]
fn quotes_subheadings_and_subtitles_are_upright() {
    for template in TEMPLATES {
        let css = epub(&format!("ar-{template}")).text("OEBPS/stylesheet.css");
        let italic: Vec<_> = declarations(&css)
            .into_iter()
            .filter(|(_, property, value)| property == "font-style" && value == "italic")
            .map(|(selectors, _, _)| selectors)
            .collect();
        for selectors in &italic {
            assert!(
                selectors.split(',').all(|s| matches!(s.trim(), "em" | "i")),
                "{template}: `{selectors}` is set in italics"
            );
        }
    }
}

/// The package's `schema:accessibilitySummary`.
fn summary(book: &Epub) -> String {
    named(&book.opf(), "meta")
        .into_iter()
        .find(|m| m.attr("property") == Some("schema:accessibilitySummary"))
        .map(|m| m.text)
        .expect("an accessibility summary")
}

#[test]
fn the_accessibility_summary_says_what_each_edition_has() {
    let arabic = summary(&epub("ar-brief"));
    // No image: no sentence about images; footnotes: the sentence about them.
    assert!(
        !arabic.contains("صورة"),
        "an edition without images claims them: {arabic}"
    );
    assert!(arabic.contains("الحواشي"), "{arabic}");
    let english = summary(&epub("en"));
    assert!(english.contains("image"), "{english}");
    assert!(!english.contains("ootnote"), "{english}");
    // English takes its sentences from the label table too.
    assert!(
        english.starts_with("Every section starts with a heading"),
        "{english}"
    );

    // A project's own summary is the edition's opening sentence, in English too.
    let project = Project::empty();
    project
        .write("content/en.toml", ENGLISH)
        .write("content/chart.png", png(30, 20, [15, 76, 92]))
        .write(
            "briefpress.toml",
            "[labels.en]\naccessibility_summary = \"Checked by our team.\"\n",
        );
    project.run(&["build", "-f", "epub"]).expect_code(0);
    let own = summary(&Epub::open(&project.path("output/en.epub")));
    assert!(own.starts_with("Checked by our team."), "{own}");
    assert!(own.contains("image"), "{own}");
}

#[test]
fn the_ncx_names_the_publication_in_its_language() {
    let book = epub("ar-report");
    let ncx = book.text("OEBPS/toc.ncx");
    let all = elements(&ncx);
    let root = all.iter().find(|e| e.name == "ncx").expect("ncx element");
    assert_eq!(root.attr("xml:lang"), Some("ar"), "{ncx}");
    let doc_title = all.iter().find(|e| e.name == "docTitle").expect("docTitle");
    assert_eq!(doc_title.text.trim(), "موجز المياه", "{ncx}");
    let uid = all
        .iter()
        .find(|e| e.name == "meta" && e.attr("name") == Some("dtb:uid"))
        .and_then(|e| e.attr("content"));
    assert_eq!(
        uid,
        Some("urn:uuid:8a0f9e4c-1f7e-4d0b-9a59-3b2f6c1d2e01"),
        "{ncx}"
    );
}

#[test]
fn the_nav_lists_subheadings_under_their_section() {
    for template in TEMPLATES {
        let book = epub(&format!("ar-{template}"));
        let nav = book.text("OEBPS/nav.xhtml");
        let links: Vec<(String, String)> = named(&nav, "a")
            .into_iter()
            .filter_map(|a| Some((a.attr("href")?.to_string(), a.text)))
            .collect();
        let section = book.text("OEBPS/section-02.xhtml");
        for heading in ["النتائج الأولى", "تفاصيل النتائج"] {
            let (href, _) = links
                .iter()
                .find(|(_, text)| text == heading)
                .unwrap_or_else(|| panic!("{template}: no nav entry {heading:?}: {nav}"));
            let (file, id) = href.split_once('#').expect("a fragment");
            assert_eq!(file, "section-02.xhtml");
            assert!(
                elements(&section)
                    .iter()
                    .any(|e| e.attr("id") == Some(id) && e.text == heading),
                "{template}: {href} does not lead to {heading:?}"
            );
        }
        // Nested: the subheading's list sits inside the section's item.
        let section_item = nav.find("النتائج</a>").expect("the section entry");
        let sub = nav.find("النتائج الأولى").expect("the subheading entry");
        let between = &nav[section_item..sub];
        assert!(
            between.contains("<ol") && !between.contains("</li>"),
            "{template}: the subheading is not nested: {nav}"
        );
    }
}
