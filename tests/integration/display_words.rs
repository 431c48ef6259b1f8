//! Long words outside running text fit their box too: in the title panel
//! or cover, the subtitle, headings, the contents, running heads and key
//! figures, in both built-in templates and both editions, a word wider than
//! its box breaks between letters (a key-figure value is first set smaller)
//! and is named in a `too-wide` warning, while the text, the tags and the
//! outline stay those of the words as written. The EPUB wraps the same
//! texts, and its generated cover keeps every line on the cover.
//!
//! One project holds a publication per template with a 67-letter German
//! compound everywhere it can go, and a twin of each with short words; it
//! is built once and read glyph by glyph (PyMuPDF), with pdftotext, with
//! pdfinfo's tag tree and with the validators.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::fixtures::squash;
use crate::glyphs::{Glyph, glyphs};
use crate::harness::{Epub, Project, Run, ace, outloud, pdf_outline, tool};

const WORD: &str = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung";
const VALUE: &str = "1,234,567,890,123";
const PERCENT: &str = "99.999999999%";

/// A publication in `template`, standard and large print, with `word` in
/// its title (twice, without a space), subtitle, headings of three levels
/// and a key figure's label, and sections long enough for running heads.
fn publication(template: &str, word: &str) -> String {
    // Sentences of words in changing order, so no line repeats at the top
    // of every page (which a checker would take for an untagged running head).
    const WORDS: [&str; 12] = [
        "Flüsse",
        "Brücken",
        "Häfen",
        "Schiffe",
        "Werften",
        "Kanäle",
        "Schleusen",
        "Ufer",
        "Fähren",
        "Dämme",
        "Bojen",
        "Lotsen",
    ];
    let paragraphs: String = (0..24)
        .map(|n| {
            let sentence = |k: usize| {
                let words: Vec<&str> = (0..9)
                    .map(|i| WORDS[(n * 5 + k * 7 + i * i) % 12])
                    .collect();
                format!("{} und {}. ", words[..5].join(" "), words[5..].join(" "))
            };
            (0..4).map(sentence).collect::<String>() + "\n\n"
        })
        .collect();
    format!(
        "title = \"{word}{word} 2025\"\nsubtitle = \"Über die {word}sbeiträge\"\n\
         date = 2025-01-15\nlanguage = \"de\"\ntemplate = \"{template}\"\n\
         editions = [\"standard\", \"large-print\"]\n\
         [[highlights]]\nvalue = \"{VALUE}\"\nlabel = \"{word}\"\n\
         [[highlights]]\nvalue = \"€12,345,678,901\"\nlabel = \"b\"\n\
         [[highlights]]\nvalue = \"{PERCENT}\"\nlabel = \"c\"\n\
         [[sections]]\ntitle = \"{word}sbeiträge im Überblick\"\nbody = \"\"\"\n{paragraphs}\
         ## Unter {word}sbeiträge\n\n### {word}\n\n{paragraphs}\"\"\"\n\
         [[sections]]\ntitle = \"Zweiter Teil\"\nbody = \"Kurz.\"\n"
    )
}

/// The shared build: every publication of both templates, with JSON messages.
fn built() -> &'static (Project, Run) {
    static BUILT: OnceLock<(Project, Run)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        for template in ["brief", "report"] {
            project
                .write(
                    &format!("content/{template}.toml"),
                    publication(template, WORD),
                )
                .write(
                    &format!("content/{template}-short.toml"),
                    publication(template, "Donau Dampf"),
                );
        }
        let run = project.run(&["build", "--message-format", "json"]);
        run.expect_code(0);
        (project, run)
    })
}

fn pdf(name: &str) -> PathBuf {
    built().0.path(&format!("output/{name}.pdf"))
}

/// One PDF of the build and the text column its template sets, in mm from
/// the left and right edges of an A4 page.
struct Layout {
    name: &'static str,
    left: f64,
    right: f64,
    /// How far page 1's title panel or cover may reach past the column on
    /// the right (the brief's title runs 16 mm into the margin by design).
    display: f64,
    /// The top margin: a running head stands above it.
    top: f64,
    /// The size of a key figure's label (to tell it from the title).
    label_size: f64,
    /// The key-figure grid: columns and the gutter between them, in mm.
    columns: usize,
    gutter: f64,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        name: "brief",
        left: 38.0,
        right: 38.0,
        display: 16.0,
        top: 30.0,
        label_size: 10.5,
        columns: 3,
        gutter: 8.0 * 25.4 / 72.0,
    },
    Layout {
        name: "brief.large-print",
        left: 20.0,
        right: 20.0,
        display: 16.0,
        top: 30.0,
        label_size: 16.0,
        columns: 1,
        gutter: 0.0,
    },
    // The report's 140 mm (large print 170 mm) measure sits 46:54 between
    // the margins; its cover is centred on the left margin.
    Layout {
        name: "report",
        left: 32.2,
        right: 37.8,
        display: 5.6,
        top: 27.0,
        label_size: 11.0,
        columns: 3,
        gutter: 8.0,
    },
    Layout {
        name: "report.large-print",
        left: 18.4,
        right: 21.6,
        display: 3.2,
        top: 27.0,
        label_size: 16.5,
        columns: 1,
        gutter: 0.0,
    },
];

fn points(mm: f64) -> f64 {
    mm / 25.4 * 72.0
}

/// The glyphs of the first place `text` is printed among `glyphs`, in
/// content order (so across the lines a broken word takes).
fn find<'g>(glyphs: &[&'g Glyph], text: &str) -> Vec<&'g Glyph> {
    let n = text.chars().count();
    let at = glyphs
        .windows(n)
        .position(|w| w.iter().map(|g| g.c).eq(text.chars()))
        .unwrap_or_else(|| panic!("`{text}` is not printed"));
    glyphs[at..at + n].to_vec()
}

fn describe(glyphs: &[&Glyph]) -> Vec<String> {
    glyphs
        .iter()
        .map(|g| format!("{:?} {:.1}–{:.1} p{}", g.c, g.x0, g.x1, g.page + 1))
        .collect()
}

#[test]
fn no_glyph_reaches_past_its_column_or_off_the_page() {
    for layout in &LAYOUTS {
        let all = glyphs(&pdf(layout.name));
        let outside: Vec<&Glyph> = all
            .iter()
            .filter(|g| !g.c.is_whitespace())
            .filter(|g| {
                let reach = if g.page == 0 { layout.display } else { 0.0 };
                g.x0 < points(layout.left) - 0.5
                    || g.x1 > g.page_size.0 - points(layout.right - reach) + 0.5
            })
            .collect();
        assert!(
            outside.is_empty(),
            "{}: glyphs outside the column: {:?}",
            layout.name,
            describe(&outside)
        );
        // A running head keeps to one line (its two sides are aligned at
        // the top, so their baselines differ by less than a line).
        let mut heads: std::collections::BTreeMap<usize, (f64, f64)> = Default::default();
        for g in all
            .iter()
            .filter(|g| g.page > 0 && g.y < points(layout.top))
        {
            let (low, high) = heads.entry(g.page).or_insert((g.y, g.y));
            *low = low.min(g.y);
            *high = high.max(g.y);
        }
        assert!(!heads.is_empty(), "{}: no running head", layout.name);
        let tall: Vec<_> = heads
            .iter()
            .filter(|(_, (low, high))| high - low > 4.0)
            .collect();
        assert!(
            tall.is_empty(),
            "{}: running heads of more than one line: {tall:?}",
            layout.name
        );
    }
}

#[test]
fn key_figures_stay_inside_their_own_box() {
    for layout in &LAYOUTS {
        let all = glyphs(&pdf(layout.name));
        let all: Vec<&Glyph> = all.iter().collect();
        let page_width = all[0].page_size.0;
        let column = page_width - points(layout.left) - points(layout.right);
        let gutter = points(layout.gutter);
        let cols = layout.columns as f64;
        let box_width = (column - (cols - 1.0) * gutter) / cols;
        let edges = |i: usize| {
            let i = if layout.columns == 1 { 0 } else { i };
            let left = points(layout.left) + i as f64 * (box_width + gutter);
            (left, left + box_width)
        };
        let page = find(&all, VALUE)[0].page;
        let labels: Vec<&Glyph> = all
            .iter()
            .copied()
            .filter(|g| g.page == page && (g.size - layout.label_size).abs() < 0.05)
            .collect();
        for (i, printed) in [
            (0, find(&all, VALUE)),
            (0, find(&labels, WORD)),
            (2, find(&all, PERCENT)),
        ] {
            let (left, right) = edges(i);
            let outside: Vec<&Glyph> = printed
                .iter()
                .copied()
                .filter(|g| g.x0 < left - 0.5 || g.x1 > right + 0.5)
                .collect();
            assert!(
                outside.is_empty(),
                "{}: key figure {} reaches out of its box {left:.1}–{right:.1}: {:?}",
                layout.name,
                i + 1,
                describe(&outside)
            );
        }
        // A value is set smaller to fit, on one line, never below its label.
        for value in [VALUE, PERCENT] {
            let printed = find(&all, value);
            assert!(
                printed
                    .iter()
                    .all(|g| g.y == printed[0].y && g.size >= layout.label_size - 0.05),
                "{}: `{value}` is broken or smaller than its label: {:?}",
                layout.name,
                printed.iter().map(|g| (g.y, g.size)).collect::<Vec<_>>()
            );
        }
    }
}

/// pdftotext's text without white space: a word broken between letters
/// is whole again, as in running text (no hyphen or space is added).
fn squashed_text(pdf: &Path) -> String {
    squash(&tool("pdftotext", &[pdf.to_str().unwrap(), "-"]))
}

#[test]
fn the_text_keeps_every_word_whole() {
    for layout in &LAYOUTS {
        let text = squashed_text(&pdf(layout.name));
        for word in [
            format!("{WORD}{WORD} 2025"),
            format!("Über die {WORD}sbeiträge"),
            format!("{WORD}sbeiträge im Überblick"),
            format!("Unter {WORD}sbeiträge"),
            VALUE.to_string(),
            PERCENT.to_string(),
        ] {
            assert!(
                text.contains(&squash(&word)),
                "{}: `{word}` is not in the text:\n{text}",
                layout.name
            );
        }
    }
}

#[test]
fn each_broken_word_is_a_too_wide_warning_at_its_line() {
    let warnings: Vec<String> = built()
        .1
        .json()
        .iter()
        .filter(|d| d["type"] == "diagnostic" && d["code"] == "too-wide")
        .map(|d| {
            format!(
                "{}:{} {}",
                d["file"].as_str().unwrap_or(""),
                d["line"],
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    for template in ["brief", "report"] {
        // The title's word, where the title is written.
        let title = format!("content/{template}.toml:1 the word `Donaudampfschifffahrts");
        assert!(
            warnings.iter().any(|w| w.starts_with(&title)),
            "no warning {title}…: {warnings:?}"
        );
        let short = format!("content/{template}-short.toml");
        assert!(
            !warnings.iter().any(|w| w.starts_with(&short)),
            "words that fit are left alone: {warnings:?}"
        );
    }
}

/// The structure elements of `pdf`'s tag tree, one per line with its depth
/// (`pdfinfo -struct-text`), without their texts and attributes.
fn roles(pdf: &Path) -> Vec<String> {
    let raw = tool("pdfinfo", &["-struct-text", pdf.to_str().unwrap()]);
    raw.lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.is_empty() || t.starts_with('"') || t.starts_with('/') || t.starts_with("Object "))
        })
        .map(|l| {
            let depth = l.len() - l.trim_start().len();
            let role = l.trim_start().split([' ', ':']).next().unwrap_or_default();
            format!("{depth} {role}")
        })
        .collect()
}

#[test]
fn tags_and_outline_are_those_of_the_same_words_unbroken() {
    for name in ["brief", "brief.large-print", "report", "report.large-print"] {
        let short = name.replacen('.', "-short.", 1);
        let short = if short == name {
            format!("{name}-short")
        } else {
            short
        };
        let (long, short) = (roles(&pdf(name)), roles(&pdf(&short)));
        assert_eq!(long, short, "{name}: the tag tree differs from its twin's");
        assert!(
            long.iter()
                .find(|r| r.contains(" H"))
                .is_some_and(|r| r.ends_with(" H1")),
            "{name}: the title is not the first heading: {long:?}"
        );
        let outline: Vec<String> = pdf_outline(&pdf(name))
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert!(
            outline
                .iter()
                .any(|t| t.ends_with(&format!("{WORD}sbeiträge im Überblick"))),
            "{name}: {outline:?}"
        );
    }
}

#[test]
fn outloud_finds_nothing_in_the_broken_titles_and_headings() {
    for name in ["brief", "report"] {
        let report = outloud(&pdf(name));
        let findings: Vec<String> = report
            .errors
            .iter()
            .chain(&report.warnings)
            .map(ToString::to_string)
            .chain(report.crashed.iter().map(|r| format!("{r} crashed")))
            .collect();
        assert!(findings.is_empty(), "{name}: {findings:?}");
    }
}

/// The declarations of the first rule of `css` whose selector is `selector`.
fn rule<'c>(css: &'c str, selector: &str) -> &'c str {
    let at = css
        .find(&format!("\n{selector} {{"))
        .unwrap_or_else(|| panic!("no rule `{selector}`"));
    let body = &css[at..];
    &body[..body.find('}').unwrap_or(body.len())]
}

#[test]
fn the_epub_lets_titles_headings_and_key_figures_wrap() {
    for name in ["brief", "report"] {
        let path = built().0.path(&format!("output/{name}.epub"));
        let epub = Epub::open(&path);
        let css = epub.text("OEBPS/stylesheet.css");
        for selector in [
            "h1, h2, h3, h4, h5, h6",
            "section.title-page",
            "div.key-figure p",
        ] {
            assert!(
                rule(&css, selector).contains("overflow-wrap: break-word"),
                "{name}: `{selector}` does not wrap long words"
            );
        }
        let violations = ace(&path);
        assert!(violations.is_empty(), "{name}: {violations:?}");
    }
}

#[test]
fn the_generated_cover_breaks_a_long_word_and_marks_a_cut_title() {
    let project = Project::empty();
    let title = format!("{WORD}{WORD}{}", " word".repeat(80));
    project.write(
        "content/x.toml",
        format!(
            "title = \"{title}\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n"
        ),
    );
    project.run(&["build", "-f", "epub"]).expect_code(0);
    let epub = Epub::open(&project.path("output/x.epub"));
    let cover = epub.text("OEBPS/images/cover.svg");
    let lines: Vec<String> = crate::fixtures::elements(&cover)
        .into_iter()
        .filter(|e| e.name == "text" && e.attr("font-size") == Some("64"))
        .map(|e| e.words())
        .collect();
    assert_eq!(lines.len(), 9, "{lines:?}");
    assert!(
        lines.iter().all(|l| l.chars().count() <= 30),
        "a cover line is longer than the cover: {lines:?}"
    );
    assert!(lines[0].starts_with("Donaudampf"), "{lines:?}");
    assert!(
        lines[8].ends_with('…'),
        "the cut title has no ellipsis: {lines:?}"
    );
    // The words are the title's, in order, with nothing but the ellipsis added.
    let shown = lines.concat().replace(' ', "");
    let shown = shown.trim_end_matches('…');
    assert!(title.replace(' ', "").starts_with(shown), "{lines:?}");
    // The whole title stays in the metadata and on the title page.
    assert!(epub.opf().contains(&title), "the package lost the title");
    assert!(
        squash(&epub.all_text()).contains(&squash(&title)),
        "the title page lost the title"
    );
}

/// A short publication in `template` whose first author, publisher and
/// attachment (title and description) carry `word`.
fn named(template: &str, word: &str) -> String {
    format!(
        "title = \"Jahresbericht\"\ndate = 2025-01-15\nlanguage = \"de\"\n\
         template = \"{template}\"\nauthors = [\"{word}\", \"Jana Fischer\"]\n\
         publisher = \"{word} Verlag\"\n\
         [[sections]]\ntitle = \"Teil\"\nbody = \"Kurz.\"\n\
         [[attachments]]\ntitle = \"{word}sdaten\"\n\
         description = \"Die Tabelle der {word}sbeiträge.\"\nfile = \"data.csv\"\n"
    )
}

/// Pairs of glyphs on one line of one page that are printed over each other.
fn overprinted(glyphs: &[Glyph]) -> Vec<String> {
    let mut lines: std::collections::BTreeMap<(usize, i64), Vec<&Glyph>> = Default::default();
    // The later letters of a ligature ("ff") have no width of their own.
    for g in glyphs
        .iter()
        .filter(|g| !g.c.is_whitespace() && g.x1 - g.x0 > 0.1)
    {
        lines
            .entry((g.page, g.y.round() as i64))
            .or_default()
            .push(g);
    }
    let mut out = Vec::new();
    for line in lines.values_mut() {
        line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        for pair in line.windows(2) {
            // Kerning moves a glyph's box a fraction of a point into the last.
            if pair[1].x0 < pair[0].x1 - 2.0 {
                out.extend(describe(pair));
            }
        }
    }
    out
}

#[test]
fn names_and_attachments_fit_their_place_in_both_templates() {
    let project = Project::empty();
    project.write("content/data.csv", "Jahr,Beitrag\n2024,12\n");
    for template in ["brief", "report"] {
        project
            .write(&format!("content/{template}.toml"), named(template, WORD))
            .write(
                &format!("content/{template}-short.toml"),
                named(template, "Donau Dampf"),
            );
    }
    let run = project.run(&["build", "--format", "pdf", "--message-format", "json"]);
    run.expect_code(0);
    for template in ["brief", "report"] {
        let pdf = project.path(&format!("output/{template}.pdf"));
        let all = glyphs(&pdf);
        // Neither template sets anything within 20 mm of the paper's right edge.
        let off: Vec<&Glyph> = all
            .iter()
            .filter(|g| !g.c.is_whitespace() && g.x1 > g.page_size.0 - points(20.0))
            .collect();
        assert!(
            off.is_empty(),
            "{template}: off the page: {:?}",
            describe(&off)
        );
        let over = overprinted(&all);
        assert!(
            over.is_empty(),
            "{template}: printed over each other: {over:?}"
        );
        let text = squashed_text(&pdf);
        for words in [
            format!("{WORD} und Jana Fischer"),
            format!("{} VERLAG", WORD.to_uppercase()),
            format!("{WORD}sdaten"),
            format!("Die Tabelle der {WORD}sbeiträge."),
        ] {
            assert!(
                text.contains(&squash(&words)),
                "{template}: `{words}` is not in the text:\n{text}"
            );
        }
        let short = project.path(&format!("output/{template}-short.pdf"));
        assert_eq!(
            roles(&pdf),
            roles(&short),
            "{template}: the tag trees differ"
        );
    }
    // One warning per word: the author's (also in the publisher's line, in
    // capitals) where it is first written, the attachment title's, and the
    // description's where it had to break (the brief's column is narrower).
    let warnings: Vec<(String, u64)> = run
        .json()
        .iter()
        .filter(|d| d["type"] == "diagnostic" && d["code"] == "too-wide")
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    for (template, lines) in [("brief", vec![5, 11, 12]), ("report", vec![5, 11])] {
        let file = format!("content/{template}.toml");
        let found: Vec<u64> = warnings
            .iter()
            .filter(|(f, _)| *f == file)
            .map(|(_, line)| *line)
            .collect();
        assert_eq!(found, lines, "{template}: {warnings:?}");
    }
}

/// A right-to-left publication isolates its names, and the isolation marks
/// come back with the words the template broke: the warning still finds
/// the word where it is written.
#[test]
fn a_broken_word_of_a_right_to_left_name_is_found_at_its_line() {
    let project = Project::empty();
    project.write(
        "content/ar.toml",
        format!(
            "title = \"تقرير\"\ndate = 2025-01-15\nlanguage = \"ar\"\n\
             publisher = \"منظمة {WORD}{WORD}\"\n\
             [[sections]]\ntitle = \"مقدمة\"\nbody = \"نص.\"\n"
        ),
    );
    let run = project.run(&["build", "--format", "pdf", "--message-format", "json"]);
    run.expect_code(0);
    let lines: Vec<u64> = run
        .json()
        .iter()
        .filter(|d| d["type"] == "diagnostic" && d["code"] == "too-wide")
        .map(|d| d["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [4], "{:?}", run.json());
}
