//! What does not fit the text column is made to fit, and said so: wide
//! tables (smaller type, a landscape page, words broken in cells), words
//! longer than a line, printed web addresses; and the Markdown conveniences
//! that come with them (bare URLs as links, a skipped heading level).
//!
//! One publication holds every case; it is built once, with JSON messages,
//! and the tests read its PDF glyph by glyph (PyMuPDF), its EPUB and the
//! warnings.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::fixtures::{elements, pdf_link_uris};
use crate::glyphs::{Glyph, glyphs, outside_column};
use crate::harness::{Epub, Project, Run, ace};

/// `n` header cells and one row of cells made of `word` and a number.
fn table(n: usize, header: &str, cell: &str) -> String {
    let row = |f: &dyn Fn(usize) -> String| {
        (0..n).map(|i| format!("| {} ", f(i))).collect::<String>() + "|\n"
    };
    row(&|i| format!("{header}{i}")) + &row(&|_| "---".into()) + &row(&|i| format!("{cell}{i}"))
}

const LONG_WORD: &str = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetzesnovelle";
const LONG_URL: &str = "https://example.org/reports/2021/annex/a-very-long-path-segment-that-goes-on/and-on?query=abcdefghijklmnopqrstuvwxyz0123456789";

fn tables_md() -> String {
    format!(
        "Five columns, too wide in 10.5 pt type:\n\n{0}\n\
         Twelve columns, too wide for a portrait page:\n\n{1}\n\
         - Twelve columns in a list:\n\n{2}\n\
         A long header word beside a long text:\n\n\
         | Internationalisation | Description | Explanation | Commentary | Value |\n\
         |---|---|---|---|---|\n| x | {3} | {3} | {3} | 1 |\n\n\
         A table that fits:\n\n| Region | Reports |\n|---|--:|\n| North | 120 |\n",
        table(5, "Classification", "Accountability"),
        table(12, "Heading", "Value"),
        table(12, "Heading", "Value")
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>(),
        "Words that wrap onto several lines in a column of their own. ".repeat(3),
    )
}

fn words_md() -> String {
    format!(
        "# Words\n\nEin Satz mit {LONG_WORD}{LONG_WORD} darin.\n\n\
         ### Skipped a level\n\n\
         The report is at {LONG_URL} and www.example.org, not `https://example.org/code`.\n\n\
         Donaudampfschifffahrtsgesellschaftskapitän fits on a line.\n"
    )
}

/// The shared build: the project, the run, the PDF and EPUB paths.
fn built() -> &'static (Project, Run, PathBuf, PathBuf) {
    static BUILT: OnceLock<(Project, Run, PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        project
            .write(
                "content/fit.toml",
                "title = \"Fitting\"\ndate = 2024-03-01\nlanguage = \"de\"\n\
                 [[sections]]\ntitle = \"Tables\"\nfile = \"fit/tables.md\"\n\
                 [[sections]]\ntitle = \"Words\"\nfile = \"fit/words.md\"\n",
            )
            .write("content/fit/tables.md", tables_md())
            .write("content/fit/words.md", words_md());
        let run = project.run(&["build", "--message-format", "json"]);
        run.expect_code(0);
        let pdf = project.path("output/fit.pdf");
        let epub = project.path("output/fit.epub");
        (project, run, pdf, epub)
    })
}

/// The messages of the `too-wide` and `skipped-heading-level` warnings, with
/// their `file:line`.
fn warnings(code: &str) -> Vec<(String, String)> {
    built()
        .1
        .json()
        .iter()
        .filter(|d| d["type"] == "diagnostic" && d["code"] == code)
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d}");
            let at = format!(
                "{}:{}",
                d["file"].as_str().unwrap_or(""),
                d["line"].as_u64().unwrap_or(0)
            );
            (d["message"].as_str().unwrap_or("").to_string(), at)
        })
        .collect()
}

fn pdf_glyphs() -> &'static Vec<Glyph> {
    static GLYPHS: OnceLock<Vec<Glyph>> = OnceLock::new();
    GLYPHS.get_or_init(|| glyphs(&built().2))
}

/// The glyphs of the first place `word` is printed (on one line).
fn word_glyphs(word: &str) -> &'static [Glyph] {
    let glyphs = pdf_glyphs();
    let n = word.chars().count();
    let at = glyphs
        .windows(n)
        .position(|w| w.iter().map(|g| g.c).eq(word.chars()))
        .unwrap_or_else(|| panic!("{word} not found"));
    &glyphs[at..at + n]
}

/// The glyphs of the text in `pages`, without the running header and
/// footer and the title panel (which may reach into the margin).
fn text_glyphs(glyphs: &[Glyph]) -> Vec<&Glyph> {
    glyphs.iter().filter(|g| g.size <= 12.01).collect()
}

#[test]
fn nothing_reaches_past_the_text_column() {
    let glyphs: Vec<Glyph> = text_glyphs(pdf_glyphs()).into_iter().cloned().collect();
    let outside: Vec<String> = outside_column(&glyphs, 38.0)
        .iter()
        .map(|g| {
            format!(
                "{:?} at {:.1}–{:.1} on page {}",
                g.c,
                g.x0,
                g.x1,
                g.page + 1
            )
        })
        .collect();
    assert!(outside.is_empty(), "glyphs outside the column: {outside:?}");
}

#[test]
fn a_table_too_wide_for_its_type_is_set_smaller_and_named() {
    let warnings = warnings("too-wide");
    let first = warnings
        .iter()
        .find(|(m, _)| m.contains("table 1 of section “Tables”"))
        .unwrap_or_else(|| panic!("no warning for the first table: {warnings:?}"));
    assert!(
        first.0.contains("(first column “Classification0”)")
            && first.0.contains("pt type instead of 10.5 pt")
            && !first.0.contains("landscape"),
        "{first:?}"
    );
    assert_eq!(first.1, "content/fit/tables.md:3", "{first:?}");
    for word in ["Classification0", "Accountability4"] {
        let sizes: Vec<f64> = word_glyphs(word).iter().map(|g| g.size).collect();
        assert!(
            sizes.iter().all(|&s| (8.0..10.5).contains(&s)),
            "{word} in the first table: {sizes:?}"
        );
    }
}

#[test]
fn a_table_too_wide_for_a_portrait_page_gets_a_landscape_page() {
    let warnings = warnings("too-wide");
    assert!(
        warnings
            .iter()
            .any(|(m, _)| m.contains("table 2 of section “Tables”") && m.contains("landscape")),
        "{warnings:?}"
    );
    let landscape: Vec<&Glyph> = pdf_glyphs()
        .iter()
        .filter(|g| g.page_size.0 > g.page_size.1)
        .collect();
    let text: String = landscape.iter().map(|g| g.c).collect();
    assert!(text.contains("Heading11"), "landscape page text: {text}");
}

#[test]
fn a_wide_table_in_a_list_wraps_its_cells_and_stays_portrait() {
    let warnings = warnings("too-wide");
    let third = warnings
        .iter()
        .find(|(m, _)| m.contains("table 3 of section “Tables”"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(
        third.0.contains("words broken") && !third.0.contains("landscape"),
        "{third:?}"
    );
    let pages = pdf_glyphs()
        .iter()
        .filter(|g| g.page_size.0 > g.page_size.1)
        .map(|g| g.page)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(pages.len(), 1, "one landscape page only: {pages:?}");
}

#[test]
fn long_header_words_never_overlap_the_next_column() {
    // The header word is wider than typst's fair share of the width; the
    // template gives its column room for it, without a warning.
    let left = word_glyphs("Internationalisation");
    let right = word_glyphs("Description");
    assert!(
        left.last().map(|g| g.x1) < right.first().map(|g| g.x0),
        "the header words overlap"
    );
    assert!(
        !warnings("too-wide")
            .iter()
            .any(|(m, _)| m.contains("table 4") || m.contains("table 5")),
        "{:?}",
        warnings("too-wide")
    );
}

#[test]
fn a_word_longer_than_a_line_breaks_and_is_named() {
    let warnings = warnings("too-wide");
    let word = warnings
        .iter()
        .find(|(m, _)| m.contains("the word `Rindfleisch"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert_eq!(word.1, "content/fit/words.md:3", "{word:?}");
    assert!(
        !warnings.iter().any(|(m, _)| m.contains("Donaudampf")),
        "a word that fits is left alone: {warnings:?}"
    );
    // Its text is unchanged: no character was added where it breaks.
    let text: String = pdf_glyphs().iter().map(|g| g.c).collect();
    assert!(text.contains(&LONG_WORD.repeat(2)), "{text}");
}

#[test]
fn bare_web_addresses_are_links_in_both_editions() {
    let (_, _, pdf, epub) = built();
    let uris = pdf_link_uris(pdf);
    for uri in [LONG_URL, "https://www.example.org/"] {
        assert!(uris.iter().any(|u| u == uri), "{uri} not in {uris:?}");
    }
    assert!(!uris.iter().any(|u| u.contains("/code")), "{uris:?}");
    let epub = Epub::open(epub);
    let words = epub
        .documents()
        .into_iter()
        .find(|(_, xml)| xml.contains("Skipped a level"))
        .map(|(_, xml)| xml)
        .unwrap_or_default();
    let links: Vec<(Option<String>, Option<String>, String)> = elements(&words)
        .into_iter()
        .filter(|e| e.name == "a")
        .map(|e| {
            (
                e.attr("href").map(str::to_string),
                e.attr("class").map(str::to_string),
                e.words(),
            )
        })
        .collect();
    assert!(
        links.contains(&(Some(LONG_URL.into()), Some("url".into()), LONG_URL.into())),
        "{links:?}"
    );
    assert!(
        links.contains(&(
            Some("https://www.example.org/".into()),
            Some("url".into()),
            "www.example.org".into()
        )),
        "{links:?}"
    );
    assert!(epub.text("OEBPS/stylesheet.css").contains("a.url"));
}

#[test]
fn a_heading_that_skips_a_level_is_a_warning_at_its_line() {
    let warnings = warnings("skipped-heading-level");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].1, "content/fit/words.md:5");
    assert!(warnings[0].0.contains("`###`"), "{warnings:?}");
}

#[test]
fn the_epub_of_wide_tables_passes_ace() {
    let violations = ace(&built().3);
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn in_large_print_a_table_that_fits_a_landscape_page_naturally_is_set_there() {
    // Large print never shrinks its type, so the five wide columns go to a
    // landscape page, where they fit as they are: a record without sizes,
    // which once failed the build.
    let project = Project::empty();
    project
        .write(
            "content/lp.toml",
            "title = \"Large\"\ndate = 2024-03-01\neditions = [\"large-print\"]\n\
             [[sections]]\ntitle = \"Tables\"\nfile = \"lp/tables.md\"\n",
        )
        .write(
            "content/lp/tables.md",
            table(5, "Classification", "Accountability"),
        );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(0);
    let landscape = run.json().iter().any(|d| {
        d["code"] == "too-wide"
            && d["message"]
                .as_str()
                .is_some_and(|m| m.contains("landscape"))
    });
    assert!(landscape, "{}", run.stdout);
    let pages: Vec<(f64, f64)> = glyphs(&project.path("output/lp.large-print.pdf"))
        .iter()
        .filter(|g| g.c == 'A')
        .map(|g| g.page_size)
        .collect();
    assert!(
        pages.iter().any(|(w, h)| w > h),
        "no glyph on a landscape page"
    );
}

#[test]
fn a_cause_both_editions_share_is_reported_once_and_one_of_large_print_says_so() {
    let project = Project::empty();
    project
        .write(
            "content/both.toml",
            "title = \"Both\"\ndate = 2024-03-01\neditions = [\"standard\", \"large-print\"]\n\
             [[sections]]\ntitle = \"Tables\"\nfile = \"both/tables.md\"\n",
        )
        .write(
            "content/both/tables.md",
            format!(
                "{}\nThe {LONG_WORD} applies.\n",
                table(5, "Classification", "Accountability")
            ),
        );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(0);
    let messages: Vec<String> = run
        .json()
        .iter()
        .filter(|d| d["code"] == "too-wide")
        .filter_map(|d| d["message"].as_str().map(String::from))
        .collect();
    let word: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("Rindfleisch"))
        .collect();
    assert_eq!(word.len(), 1, "the word once: {messages:?}");
    assert!(!word[0].contains("edition"), "{messages:?}");
    // Each edition fits the table its own way: the large-print one says
    // which edition it is about.
    let landscape: Vec<&String> = messages
        .iter()
        .filter(|m| m.contains("landscape"))
        .collect();
    assert_eq!(landscape.len(), 1, "{messages:?}");
    assert!(
        landscape[0].ends_with("(in the large-print edition only)"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains(" pt type instead of ") && !m.contains("edition")),
        "{messages:?}"
    );
}
