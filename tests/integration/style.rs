//! Styles without typst and the project file: `[style]` (accent, fonts,
//! logo, paper) in a publication and in `briefpress.toml`, the project's
//! defaults (language, labels, output folder), and their mistakes.
//!
//! The styled project is built once and shared; its PDFs are read with
//! PyMuPDF (fill colours, fonts, page size) and its EPUBs are checked with
//! EPUBCheck and Ace.

use std::path::Path;
use std::sync::OnceLock;

use crate::corpus::{brief, statuses, svg};
use crate::harness::{Epub, Project, ace, epubcheck, pdf_text, pymupdf};

/// The project file of the shared project: French by default, a wine-red
/// accent, a logo, US Letter, and a French label of its own.
const PROJECT_FILE: &str = "\
language = \"fr\"
output = \"public\"

[style]
accent = \"#7a1f3d\"
logo = \"assets/logo.svg\"
logo_alt = \"Alliance exemple\"
paper = \"us-letter\"

[labels.fr]
key_figures = \"En bref\"
";

/// A publication with a key figure, so the key-figures label is printed.
fn with_figure(title: &str, extra: &str) -> String {
    format!(
        "title = \"{title}\"\ndate = 2021-10-19\npublisher = \"Alliance\"\n{extra}\n\
         [[highlights]]\nvalue = \"60\"\nlabel = \"pays\"\n\
         [[sections]]\ntitle = \"Constats\"\nbody = \"Ce que [le rapport](https://example.org) a trouvé.\"\n"
    )
}

/// The shared styled project, built.
fn built() -> &'static Project {
    static BUILT: OnceLock<Project> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        project
            .write("briefpress.toml", PROJECT_FILE)
            .write("assets/logo.svg", svg("#1f4e79"))
            .write("content/project.toml", with_figure("Défauts du projet", ""))
            .write(
                "content/own.toml",
                with_figure(
                    "Style propre",
                    "[style]\naccent = \"#000080\"\nheading_font = \"new computer modern\"\npaper = \"a4\"\n",
                ),
            );
        project.run(&["build"]).expect_code(0);
        project
    })
}

/// The fill colours (`#rrggbb`), fonts and first page size of a PDF, read with PyMuPDF.
fn look(pdf: &Path) -> (Vec<String>, Vec<String>, (i64, i64)) {
    const SCRIPT: &str = "\
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
fills = set()
for page in doc:
    for d in page.get_drawings():
        if d.get('fill'):
            fills.add('#%02x%02x%02x' % tuple(round(c * 255) for c in d['fill'][:3]))
    for block in page.get_text('dict')['blocks']:
        for line in block.get('lines', []):
            for span in line['spans']:
                fills.add('#%06x' % span['color'])
fonts = sorted({f[3] for page in doc for f in page.get_fonts()})
r = doc[0].rect
print('fills:' + ' '.join(sorted(fills)))
print('fonts:' + '|'.join(fonts))
print('size:%d %d' % (round(r.width), round(r.height)))
";
    let text = pymupdf(SCRIPT, pdf);
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or("")
            .to_string()
    };
    let fills = field("fills:").split(' ').map(String::from).collect();
    let fonts = field("fonts:").split('|').map(String::from).collect();
    let size = field("size:");
    let mut size = size.split(' ').map(|n| n.parse::<i64>().unwrap_or(0));
    let size = (size.next().unwrap_or(0), size.next().unwrap_or(0));
    (fills, fonts, size)
}

#[test]
fn the_project_file_sets_output_language_labels_and_style() {
    let project = built();
    let pdf = project.path("public/project.pdf");
    assert!(pdf.exists(), "{:?}", project.files_under("."));
    assert!(
        !project.path("output").exists(),
        "the default folder was used"
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("EN BREF"), "{text}");
    assert!(
        !text.contains("KEY FIGURES") && !text.contains("CHIFFRES CLÉS"),
        "{text}"
    );
    let (fills, _, size) = look(&pdf);
    assert_eq!(size, (612, 792), "US Letter");
    assert!(fills.contains(&"#7a1f3d".to_string()), "{fills:?}");
    assert!(!fills.contains(&"#0f4c5c".to_string()), "{fills:?}");

    let epub = Epub::open(&project.path("public/project.epub"));
    assert!(epub.opf().contains(">fr</dc:language>"), "{}", epub.opf());
    let css = epub.text("OEBPS/stylesheet.css");
    assert!(css.contains("--bp-accent: #7a1f3d;"), "{css}");
    let title = epub
        .documents()
        .into_iter()
        .find(|(name, _)| name.ends_with("title.xhtml"))
        .map(|(_, xhtml)| xhtml)
        .expect("a title page");
    assert!(
        title.contains("class=\"logo\"") && title.contains("alt=\"Alliance exemple\""),
        "{title}"
    );
    let cover = epub.text("OEBPS/images/cover.svg");
    assert!(cover.contains("fill=\"#7a1f3d\""), "{cover}");
    assert!(cover.contains("data:image/svg+xml;base64,"), "{cover}");
}

#[test]
fn a_publication_style_wins_key_by_key() {
    let project = built();
    let (fills, fonts, size) = look(&project.path("public/own.pdf"));
    assert_eq!(size, (595, 842), "its own paper: A4");
    assert!(fills.contains(&"#000080".to_string()), "{fills:?}");
    assert!(!fills.contains(&"#7a1f3d".to_string()), "{fills:?}");
    assert!(
        fonts
            .iter()
            .any(|f| f.contains("NewCM") || f.contains("NewComputerModern")),
        "{fonts:?}"
    );
    let epub = Epub::open(&project.path("public/own.epub"));
    let css = epub.text("OEBPS/stylesheet.css");
    assert!(css.contains("--bp-accent: #000080;"), "{css}");
    assert!(
        css.contains("--bp-heading-font: \"New Computer Modern\""),
        "the family as the font names it: {css}"
    );
    // The project's logo still applies: the publication set none.
    assert!(
        epub.text("OEBPS/images/cover.svg")
            .contains("data:image/svg+xml")
    );
}

#[test]
fn styled_epubs_pass_epubcheck_and_ace() {
    let project = built();
    for name in ["project", "own"] {
        let epub = project.path(&format!("public/{name}.epub"));
        epubcheck(&epub);
        let violations = ace(&epub);
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }
}

#[test]
fn style_mistakes_point_at_their_line_with_a_fix() {
    let project = Project::empty();
    project.write(
        "content/bad.toml",
        format!(
            "{}\n[style]\naccent = \"#ffd700\"\nfont = \"Libertinus Serf\"\npaper = \"letter\"\nlogo = \"logo.svg\"\ncolour = \"red\"\n",
            brief("Bad")
        ),
    );
    project.write("content/logo.svg", svg("#000000"));
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(1);
    let errors = run.json_errors();
    let at = |code: &str, line: usize| {
        errors
            .iter()
            .any(|(c, a)| c == code && a.starts_with(&format!("content/bad.toml:{line}:")))
    };
    assert!(at("invalid-value", 9), "accent: {errors:?}");
    assert!(at("invalid-value", 10), "font: {errors:?}");
    assert!(at("invalid-value", 11), "paper: {errors:?}");
    assert!(
        at("missing-alt-text", 12),
        "logo without alt or publisher: {errors:?}"
    );
    assert!(at("unknown-key", 13), "colour: {errors:?}");
    let hints: String = run
        .json()
        .iter()
        .flat_map(|d| d["hints"].as_array().cloned().unwrap_or_default())
        .filter_map(|h| h.as_str().map(String::from))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        hints.contains("did you mean \"Libertinus Serif\"?"),
        "{hints}"
    );
    assert!(hints.contains("did you mean \"us-letter\"?"), "{hints}");
    assert!(
        hints.contains("the nearest darker shade that passes is `#"),
        "{hints}"
    );
}

#[test]
fn a_broken_project_file_stops_the_run_before_any_work() {
    let project = Project::empty();
    project
        .write(
            "briefpress.toml",
            "output = \"../elsewhere\"\n[style]\naccnet = \"#000080\"\n[labels]\nkey_figures = \"x\"\n",
        )
        .write("content/a.toml", brief("A"));
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(2);
    let errors = run.json_errors();
    assert_eq!(
        errors,
        [
            ("unknown-key".to_string(), "briefpress.toml:3:1".to_string()),
            (
                "invalid-value".to_string(),
                "briefpress.toml:1:10".to_string()
            ),
            (
                "invalid-value".to_string(),
                "briefpress.toml:5:1".to_string()
            ),
        ],
        "{}",
        run.stdout
    );
    assert!(!project.path("output").exists() && !project.path("../elsewhere").exists());
}

#[test]
fn a_template_that_does_not_take_style_warns() {
    let project = Project::empty();
    project
        .write(
            "templates/plain/template.typ",
            "#let publication(title: none, body, ..rest) = {\n  set document(title: title)\n  heading(level: 1, outlined: false, bookmarked: false, title)\n  body\n}\n",
        )
        .write(
            "content/a.toml",
            format!(
                "{}[style]\naccent = \"#000080\"\n",
                brief("A").replacen("date = ", "template = \"plain\"\ndate = ", 1)
            ),
        );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(0);
    let warned = run
        .json()
        .iter()
        .any(|d| d["code"] == "style-ignored" && d["file"] == "content/a.toml");
    assert!(warned, "{}", run.stdout);
}

#[test]
fn changing_the_project_file_rebuilds_every_publication() {
    let project = Project::empty();
    project
        .write("briefpress.toml", "[style]\naccent = \"#000080\"\n")
        .write("content/a.toml", brief("A"))
        .write("content/b.toml", brief("B"));
    let build = || project.run(&["build", "--message-format", "json"]);
    build().expect_code(0);
    let fresh = build();
    assert!(
        statuses(&fresh).values().all(|s| s == "fresh"),
        "{}",
        fresh.stdout
    );
    project.write("briefpress.toml", "[style]\naccent = \"#800000\"\n");
    let again = build();
    assert!(
        statuses(&again).values().all(|s| s == "built"),
        "{}",
        again.stdout
    );
    let css = Epub::open(&project.path("output/a.epub")).text("OEBPS/stylesheet.css");
    assert!(css.contains("--bp-accent: #800000;"), "{css}");
}

#[test]
fn the_project_schema_accepts_a_project_file_and_rejects_a_typo() {
    let project = Project::empty();
    let run = project.run(&["schema", "--project"]);
    run.expect_code(0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let good: toml::Value = toml::from_str(PROJECT_FILE).expect("TOML");
    let good = serde_json::to_value(good).expect("JSON value");
    assert!(validator.is_valid(&good));
    let bad: toml::Value = toml::from_str("[style]\naccnet = \"#000080\"\n").expect("TOML");
    assert!(!validator.is_valid(&serde_json::to_value(bad).expect("JSON value")));
}
