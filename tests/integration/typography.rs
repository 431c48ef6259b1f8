//! Line breaking, hyphenation and direction follow the language, as typst
//! sets them from `lang` and `region`: German is hyphenated at German break
//! points (when a template justifies), a language without patterns is not,
//! Chinese breaks between characters inside the column, `pt-BR` reaches
//! typst as language and region, and values keep their order inside Arabic
//! text. Read from the PDFs glyph by glyph (PyMuPDF).

use std::sync::OnceLock;

use crate::glyphs::{Glyph, glyphs, outside_column, visual_lines};
use crate::harness::{Project, cjk_font_folder};

/// German compounds, several to a line, so a justified paragraph must
/// hyphenate some of them.
const GERMAN: &str = "Die Rechtsschutzversicherungsgesellschaften und \
    Bundesverfassungsgerichtsentscheidungen verlangen \
    Datenschutzgrundverordnungsanpassungen sowie \
    Kinderschutzorganisationen, Versicherungsbedingungen und \
    Verwaltungsvorschriften in jeder Mitgliedsorganisation.";

/// A justifying template: the built-in one with `justify: true`.
const JUSTIFIED: &str = "#import \"/templates/brief/template.typ\" as brief\n\
    #let briefpress-contract = 2\n\
    #let publication(..args) = brief.publication(..args, justify: true)\n";

/// The shared build: one project, every publication of this module.
fn built() -> &'static Project {
    static BUILT: OnceLock<Project> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        project.write("templates/justified/template.typ", JUSTIFIED);
        let paragraph = [GERMAN; 4].join(" ");
        for tag in ["de", "id"] {
            project.write(
                &format!("content/{tag}.toml"),
                format!(
                    "title = \"Silben\"\ndate = 2024-03-01\nlanguage = \"{tag}\"\n\
                     template = \"justified\"\n\
                     [[sections]]\ntitle = \"Text\"\nbody = \"{paragraph}\"\n"
                ),
            );
        }
        project.write(
            "content/pt-br.toml",
            "title = \"Relatório\"\ndate = 2024-03-01\nlanguage = \"pt-BR\"\n\
             [[sections]]\ntitle = \"Texto\"\nbody = \"Olá.\"\n",
        );
        let chinese = "儿童在线性剥削和性虐待的规模正在扩大，施害者使用的技术也在变化。".repeat(12);
        project.write(
            "content/zh.toml",
            format!(
                "title = \"年度简报\"\ndate = 2024-03-01\nlanguage = \"zh\"\n\
                 [[sections]]\ntitle = \"正文\"\nbody = \"{chinese}\"\n"
            ),
        );
        project.write(
            "content/ar.toml",
            "title = \"التقرير السنوي\"\ndate = 2021-10-19\nlanguage = \"ar\"\n\
             publisher = \"Global Alliance Inc.\"\n\
             [[highlights]]\nvalue = \"12,5 %\"\nlabel = \"من التقارير\"\n\
             [[sections]]\ntitle = \"القسم\"\nbody = \"نص.\"\n",
        );
        let fonts = cjk_font_folder(&project);
        project
            .run(&[
                "build",
                "--out",
                "out",
                "-f",
                "pdf",
                "--emit-typst",
                "--font-path",
                &fonts,
            ])
            .expect_code(0);
        project
    })
}

fn pdf_glyphs(name: &str) -> Vec<Glyph> {
    glyphs(&built().path(&format!("out/{name}.pdf")))
}

/// The body lines (12 pt type) as printed, left to right.
fn body_lines(glyphs: &[Glyph]) -> Vec<String> {
    let body: Vec<Glyph> = glyphs
        .iter()
        .filter(|g| (g.size - 12.0).abs() < 0.1)
        .cloned()
        .collect();
    visual_lines(&body)
}

/// Every `(before, after)` split of a word across a line end with a hyphen.
fn hyphenated(lines: &[String]) -> Vec<(String, String)> {
    lines
        .windows(2)
        .filter_map(|pair| {
            // typst's hyphen is extracted as a soft hyphen (U+00AD).
            let head = pair[0].trim_end().strip_suffix(['-', '‐', '\u{ad}'])?;
            let before = head.rsplit(' ').next()?.to_string();
            let after = pair[1].split([' ', ',', '.']).next()?.to_string();
            (!before.is_empty() && before.chars().all(char::is_alphabetic))
                .then_some((before, after))
        })
        .collect()
}

#[test]
fn german_is_hyphenated_at_german_break_points_when_the_template_justifies() {
    let splits = hyphenated(&body_lines(&pdf_glyphs("de")));
    assert!(
        !splits.is_empty(),
        "no hyphenated line end in the German text"
    );
    for (before, after) in &splits {
        let word = format!("{before}{after}");
        let points: Vec<usize> = hypher::hyphenate(&word.to_lowercase(), hypher::Lang::German)
            .scan(0, |at, syllable| {
                *at += syllable.chars().count();
                Some(*at)
            })
            .collect();
        assert!(
            points.contains(&before.chars().count()),
            "`{before}-{after}` is not a German break point of {word} ({points:?})"
        );
    }
}

#[test]
fn a_language_without_hyphenation_patterns_is_not_hyphenated() {
    let lines = body_lines(&pdf_glyphs("id"));
    assert!(lines.len() > 4, "{lines:?}");
    assert_eq!(hyphenated(&lines), Vec::<(String, String)>::new());
}

#[test]
fn chinese_breaks_between_characters_inside_the_column() {
    let glyphs = pdf_glyphs("zh");
    let body: Vec<Glyph> = glyphs
        .iter()
        .filter(|g| (g.size - 12.0).abs() < 0.1)
        .cloned()
        .collect();
    let column_end = body[0].page_size.0 - 38.0 / 25.4 * 72.0;
    let lines = visual_lines(&body);
    assert!(lines.len() >= 8, "the paragraph fills lines: {lines:?}");
    // A paragraph without spaces: every line but the last ends on a
    // character, not at a space.
    assert!(lines.iter().all(|l| !l.contains(' ')), "{lines:?}");
    // Full stops and commas may hang into the margin by their empty half
    // (typst's `overhang`); every other character stays inside.
    let outside: Vec<&Glyph> = outside_column(&body, 38.0)
        .into_iter()
        .filter(|g| !("。，、；：！？".contains(g.c) && g.x1 - column_end <= g.size / 2.0))
        .collect();
    assert!(outside.is_empty(), "outside the column: {outside:?}");
    let right = body
        .iter()
        .filter(|g| !"。，".contains(g.c))
        .map(|g| g.x1)
        .fold(0.0, f64::max);
    assert!(
        column_end - right < 14.0,
        "lines are filled to the end of the column: {right} vs {column_end}"
    );
}

#[test]
fn a_region_reaches_typst_as_language_and_region() {
    let source = String::from_utf8(built().read("out/pt-br.typ")).expect("UTF-8");
    assert!(
        source.contains("language: \"pt\",") && source.contains("region: \"BR\","),
        "{source}"
    );
}

#[test]
fn latin_names_and_numbers_keep_their_order_in_arabic_text() {
    let lines = visual_lines(&pdf_glyphs("ar"));
    let strip = |l: &String| l.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        lines.iter().map(strip).any(|l| l == "GLOBAL ALLIANCE INC."),
        "the publisher reads in order: {lines:?}"
    );
    assert!(
        lines.iter().map(strip).any(|l| l == "12,5 %"),
        "the key figure reads in order: {lines:?}"
    );
    // typst honours the isolates: the marks are in the typst source's
    // strings only through the template, never in the content.
    let source = String::from_utf8(built().read("out/ar.typ")).expect("UTF-8");
    assert!(!source.contains('\u{2068}'), "{source}");
}
