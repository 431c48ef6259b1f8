//! The EPUB of a right-to-left publication, in both built-in templates:
//! stylesheets in logical directions, code and Latin values isolated, an
//! upright type, an accurate accessibility summary and the NCX.
//!
//! One Arabic publication per template (Latin names and publisher, code,
//! a quote, a list, subheadings, a CSV attachment, a footnote, no image)
//! and one English one with an image, built once (EPUB only) and shared.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::fixtures::{elements, png};
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
