//! What a person wrote is what counts: a byte-order mark an editor added is
//! not text, a character no font covers is reported once per script at the
//! place it was written, and a self-contained SVG (its images embedded as
//! `data:` URIs) goes into both editions with EPUBCheck clean. The refusals
//! that go with these live in `invalid.rs` as fixtures.

use crate::harness::{Epub, Project, pdf_text};

const BOM: &str = "\u{feff}";

#[test]
fn a_byte_order_mark_at_the_start_of_toml_and_markdown_is_not_text() {
    let project = Project::empty();
    project
        .write(
            "content/bom.toml",
            format!(
                "{BOM}title = \"Saved on Windows\"\ndate = 2024-01-01\n\n\
                 [[sections]]\ntitle = \"One\"\nfile = \"bom/one.md\"\n"
            ),
        )
        .write(
            "content/bom/one.md",
            format!("{BOM}## A heading\n\nThe first paragraph.\n"),
        );
    project.run(&["build"]).expect_code(0);
    let epub = Epub::open(&project.path("output/bom.epub"));
    let documents = epub.documents();
    assert!(
        documents.iter().all(|(_, text)| !text.contains(BOM)),
        "a byte-order mark reached the EPUB"
    );
    assert!(
        documents
            .iter()
            .any(|(_, text)| text.contains(">A heading</h")),
        "the line after the mark should still be a heading"
    );
    let pdf = pdf_text(&project.path("output/bom.pdf"));
    assert!(pdf.contains("A heading The first paragraph."), "{pdf}");
}

#[test]
fn a_character_no_font_covers_is_reported_once_per_script_where_it_was_written() {
    let project = Project::empty();
    project
        .write(
            "content/glyphs.toml",
            "title = \"Scripts\"\ndate = 2024-01-01\n\n\
             [[sections]]\ntitle = \"One\"\nbody = \"Some 漢字 here, 語 there, 漢 again.\"\n\n\
             [[sections]]\ntitle = \"Two\"\nfile = \"glyphs/two.md\"\n",
        )
        .write(
            "content/glyphs/two.md",
            "In Thai: ภาษาไทย, and 字 once more.\n",
        );
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        run.json_errors(),
        [
            (
                "missing-glyph".to_string(),
                "content/glyphs.toml:6:14".to_string()
            ),
            ("missing-glyph".into(), "content/glyphs/two.md:1:10".into()),
        ],
        "{}",
        run.stdout
    );
    let messages: Vec<String> = run
        .json()
        .iter()
        .filter(|e| e["code"] == "missing-glyph")
        .map(|e| e["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        messages[0].contains("`漢` (U+6F22), `字` (U+5B57), `語` (U+8A9E)"),
        "{messages:?}"
    );
    assert!(messages[0].contains("Han script"), "{messages:?}");
    assert!(messages[1].contains("Thai script"), "{messages:?}");
    // Each names a font to install and how to load it.
    let hints: Vec<String> = run
        .json()
        .iter()
        .filter(|e| e["code"] == "missing-glyph")
        .map(|e| e["hints"][0].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        hints[0].contains("Noto Sans CJK") && hints[0].contains("--font-path"),
        "{hints:?}"
    );
    assert!(hints[1].contains("Noto Sans Thai"), "{hints:?}");
}

#[test]
fn running_text_only_the_monospace_font_covers_is_a_warning_that_names_a_font() {
    let project = Project::empty();
    project.write(
        "content/lao.toml",
        "title = \"Lao\"\ndate = 2024-01-01\n\n[[sections]]\ntitle = \"One\"\n\
         body = \"Code `ກ` is meant to be monospace.\\n\\nThe word ລາວ is not.\"\n",
    );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(0);
    let events = run.json();
    let warnings: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["code"] == "font-fallback")
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stdout);
    let warning = warnings[0];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["line"], 6, "{warning}");
    let message = warning["message"].as_str().unwrap_or("");
    assert!(
        message.contains("Lao text") && message.contains("DejaVu Sans Mono"),
        "{message}"
    );
    // The letter of the code span is not among those reported.
    assert!(!message.contains('ກ'), "{message}");
    assert!(
        warning["hints"][0]
            .as_str()
            .unwrap_or("")
            .contains("Noto Sans Lao"),
        "{warning}"
    );
}

#[test]
fn an_svg_with_its_image_embedded_as_a_data_uri_is_in_both_editions() {
    use base64::Engine as _;
    let png = crate::fixtures::png(4, 4, [20, 120, 200]);
    let uri = base64::engine::general_purpose::STANDARD.encode(&png);
    let project = Project::empty();
    project
        .write(
            "content/svg/chart.svg",
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
                 viewBox=\"0 0 40 20\" width=\"40\" height=\"20\">\n\
                 <defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#fff\"/></linearGradient></defs>\n\
                 <rect width=\"40\" height=\"20\" fill=\"url(#g)\"/>\n\
                 <image xlink:href=\"data:image/png;base64,{uri}\" width=\"10\" height=\"10\"/>\n\
                 </svg>\n"
            ),
        )
        .write(
            "content/svg.toml",
            "title = \"Chart\"\ndate = 2024-01-01\n\n[[sections]]\ntitle = \"One\"\n\
             body = \"![A chart with a photo](svg/chart.svg)\"\n",
        );
    project.run(&["build"]).expect_code(0);
    // EPUBCheck runs on open and must report nothing.
    let epub = Epub::open(&project.path("output/svg.epub"));
    assert!(
        epub.order.iter().any(|name| name.ends_with("chart.svg")),
        "{:?}",
        epub.order
    );
    assert!(project.path("output/svg.pdf").is_file());
}

#[test]
fn a_corrupt_image_in_markdown_is_reported_at_the_line_that_shows_it() {
    let mut jpeg = crate::limits::jpeg_declaring(8, 8);
    jpeg.truncate(jpeg.len() - 100);
    let project = Project::empty();
    project
        .write("content/c/bad.jpg", jpeg)
        .write("content/c/one.md", "Text.\n\n![A broken photo](bad.jpg)\n")
        .write(
            "content/c.toml",
            "title = \"C\"\ndate = 2024-01-01\n\n[[sections]]\ntitle = \"One\"\nfile = \"c/one.md\"\n",
        );
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        run.json_errors(),
        [(
            "not-an-image".to_string(),
            "content/c/one.md:3:1".to_string()
        )],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`content/c/bad.jpg` cannot be decoded"),
        "{}",
        run.stdout
    );
}
