//! The built-in `report` template: a long publication (22 chapters) named
//! with `template = "report"`, and any publication built with `--template
//! report`, get a cover, a table of contents made of links, chapter openers,
//! running heads with the chapter's title and page numbers; the PDF stays
//! PDF/UA-1, large print stays at 16 pt and more, an Arabic report mirrors
//! and speaks Arabic, the EPUB passes EPUBCheck and Ace, and the template can
//! be exported, edited and given a style.
//!
//! The long and the Arabic reports are built once, in one run, and shared.

use std::path::Path;
use std::sync::OnceLock;

use crate::editions::spans;
use crate::fixtures::{pdf_figure_alts, pdf_xmp, png, toml_str};
use crate::glyphs::{glyphs, visual_lines};
use crate::harness::{
    Epub, Project, ace, outloud, pdf_info, pdf_outline, pdf_sections, pdf_text, repo, tool,
};

/// Chapters of the long report.
const CHAPTERS: usize = 22;

/// Places that make every chapter's sentences (and so its lines) its own.
const PLACES: &[&str] = &[
    "Ashford", "Bexley", "Corby", "Dunmore", "Elgin", "Frome", "Girvan", "Hythe", "Ilkley",
    "Jarrow", "Kendal", "Ludlow", "Malton", "Nairn", "Oakham", "Penrith", "Quorn", "Ripon",
    "Selby", "Thirsk", "Ullapool", "Ventnor",
];

/// The title of chapter `n` (from 1).
fn chapter_title(n: usize) -> String {
    format!("Water use in {}", PLACES[n - 1])
}

/// A chapter long enough to run over its opener page: paragraphs, a
/// subheading, a footnote, and now and then a table, a quote or code.
fn chapter_body(n: usize) -> String {
    let place = PLACES[n - 1];
    let sentences = [
        format!("In {place} household use fell in each of the last {n} years we measured."),
        format!(
            "Meters reached most homes in {place} before the drought of year {}.",
            2000 + n
        ),
        format!(
            "Leaks in the {place} network lost about {} litres a day per kilometre.",
            40 + n
        ),
        format!(
            "The utility serving {place} renewed {} kilometres of main pipes.",
            3 * n
        ),
        format!(
            "Industry in {place} now reuses {} per cent of its process water.",
            10 + n
        ),
    ];
    let paragraph = |shift: usize| -> String {
        (0..5)
            .map(|i| sentences[(i + shift) % sentences.len()].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut body = format!(
        "{}[^{place}]\n\n## Supply in {place}\n\n{}\n\n{}\n\n",
        paragraph(0),
        paragraph(1),
        paragraph(2)
    );
    if n % 3 == 1 {
        body.push_str(&format!(
            "| Year | {place} |\n|:-----|------:|\n| 2013 | {} |\n| 2023 | {} |\n\n",
            100 + n,
            80 + n
        ));
    }
    if n % 4 == 2 {
        body.push_str(&format!(
            "> Leaks were the largest loss in {place}, and the cheapest to fix.\n\n"
        ));
    }
    if n % 5 == 3 {
        body.push_str(&format!("Repeat the survey with `measure {place}`.\n\n"));
    }
    body.push_str(&format!(
        "## Demand in {place}\n\n{}\n\n{}\n\n[^{place}]: Utility returns for {place}, {} edition.",
        paragraph(3),
        paragraph(4),
        2010 + n
    ));
    body
}

/// The title of the long report.
const TITLE: &str = "Water in Twenty-Two Towns";

/// The long report, as TOML.
fn long_report() -> String {
    let mut toml = format!(
        "title = {}\nsubtitle = \"A review of supply and demand\"\n\
         authors = [\"Ann One\", \"Bob Two\"]\npublisher = \"Pubco Institute\"\n\
         date = 2023-05-06\nupdated = 2024-01-02\ntemplate = \"report\"\n\
         editions = [\"standard\", \"large-print\"]\n\
         summary = \"Towns use *less* water than ten years ago.[^s]\\n\\n[^s]: At the works.\"\n\n\
         [[highlights]]\nvalue = \"18%\"\nlabel = \"less water per person\"\nsource = \"Utility reports\"\n\n\
         [[highlights]]\nvalue = \"22\"\nlabel = \"towns compared\"\n\n",
        toml_str(TITLE)
    );
    for n in 1..=CHAPTERS {
        toml.push_str(&format!(
            "[[sections]]\ntitle = {}\nbody = {}\n\n",
            toml_str(&chapter_title(n)),
            toml_str(&chapter_body(n))
        ));
        if n == 2 {
            toml.push_str("[[sections]]\ntitle = \"Charts\"\nbody = \"![Litres per person by town](long/chart.png)\"\n\n");
        }
    }
    toml.push_str(
        "[[attachments]]\ntitle = \"Survey data\"\nfile = \"long/data.csv\"\n\n\
         [[attachments]]\ntitle = \"Project website\"\nurl = \"https://example.org/water\"\n",
    );
    toml
}

/// Arabic titles: the publication and its three chapters.
const ARABIC_TITLE: &str = "تقرير المياه السنوي";
const ARABIC_CHAPTERS: &[&str] = &["استهلاك المياه", "شبكة التوزيع", "الاستثمار"];

/// An Arabic report, long enough that each chapter runs over two pages.
fn arabic_report() -> String {
    let sentence =
        "انخفض استهلاك المياه في كل مدينة درسناها، وكان الانخفاض أسرع حيث ركبت العدادات مبكرا.";
    let paragraph = [sentence; 6].join(" ");
    let body = [paragraph.as_str(); 6].join("\n\n");
    let mut toml = format!(
        "title = {}\nlanguage = \"ar\"\ndate = 2021-10-19\ntemplate = \"report\"\n\
         authors = [\"أحمد\", \"ليلى\"]\n\n",
        toml_str(ARABIC_TITLE)
    );
    for title in ARABIC_CHAPTERS {
        toml.push_str(&format!(
            "[[sections]]\ntitle = {}\nbody = {}\n\n",
            toml_str(title),
            toml_str(&body)
        ));
    }
    toml.push_str("[[attachments]]\ntitle = \"بيانات\"\nfile = \"long/data.csv\"\n");
    toml
}

/// The long and Arabic reports, built once (PDF in both editions, EPUB).
fn built() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let project = Project::lasting();
        project
            .write("content/long.toml", long_report())
            .write("content/ar.toml", arabic_report())
            .write("content/long/chart.png", png(300, 200, [31, 58, 95]))
            .write("content/long/data.csv", "town,litres\nAshford,120\n");
        project.run(&["build"]).expect_code(0);
        project
    })
}

/// The text of each page of `pdf`, in order, without the direction marks
/// pdftotext puts around right-to-left lines.
fn pages(pdf: &Path) -> Vec<String> {
    tool("pdftotext", &[pdf.to_str().unwrap(), "-"])
        .replace(
            [
                '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}',
            ],
            "",
        )
        .split('\u{c}')
        .map(str::to_string)
        .collect()
}

/// The first line of a page that is not blank.
fn first_line(page: &str) -> &str {
    page.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// The index of the page that opens chapter `number` titled `title`: its
/// first line is the large number, then the title.
fn opener(pages: &[String], number: usize, title: &str) -> usize {
    pages
        .iter()
        .position(|p| first_line(p) == number.to_string() && p.contains(title))
        .unwrap_or_else(|| panic!("no opener page for chapter {number} {title:?}"))
}

#[test]
fn a_long_report_has_a_cover_contents_chapter_openers_and_running_heads() {
    let pdf = built().path("output/long.pdf");
    let pages = pages(&pdf);
    assert!(pages.len() > 40, "only {} pages", pages.len());

    // The cover: the title, the byline, no running head.
    let cover = pages[0].split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(cover.contains(TITLE), "{cover}");
    assert!(pages[0].contains("Ann One and Bob Two"), "{}", pages[0]);

    // The contents (page 2, running on): every chapter, the attachments.
    let contents: String = pages[1..4].concat();
    assert_eq!(first_line(&pages[1]), "Contents");
    for n in 1..=CHAPTERS {
        assert!(contents.contains(&chapter_title(n)), "{contents}");
    }
    assert!(contents.contains("Attachments & resources"), "{contents}");

    // Each chapter opens a page of its own, without a running head; the page
    // after it is headed with the chapter's number and title, and numbered;
    // the contents give the opener's page.
    for n in [1, 7, CHAPTERS] {
        let number = if n > 2 { n + 1 } else { n };
        let title = chapter_title(n);
        let at = opener(&pages, number, &title);
        assert_eq!(
            first_line(&pages[at + 1]),
            format!("{number} {title}"),
            "running head of page {}",
            at + 2
        );
        let last_line = |page: &str| {
            page.lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty())
                .map(str::to_string)
        };
        assert_eq!(
            last_line(&pages[at + 1]),
            Some((at + 2).to_string()),
            "folio"
        );
        let entry = contents
            .lines()
            .find(|l| l.starts_with(&title))
            .unwrap_or_else(|| panic!("no contents line for {title:?}"));
        assert_eq!(
            entry.split_whitespace().last(),
            Some((at + 1).to_string().as_str()),
            "contents entry {entry:?}"
        );
    }
}

#[test]
fn the_report_outline_lists_the_chapters_and_only_them() {
    let pdf = built().path("output/long.pdf");
    let mut expected: Vec<String> = (1..=CHAPTERS).map(chapter_title).collect();
    expected.insert(2, "Charts".into());
    expected.push("Attachments & resources".into());
    assert_eq!(pdf_sections(&pdf), expected);
    // Subheadings sit below their chapter; nothing else is bookmarked.
    let outline = pdf_outline(&pdf);
    assert!(
        outline
            .iter()
            .all(|(_, t)| t != TITLE && t != "Contents" && t != "Key figures")
    );
    assert!(
        outline.contains(&(1, "1.1 Supply in Ashford".into())),
        "{outline:?}"
    );
}

#[test]
fn the_report_is_pdf_ua_with_the_title_as_the_first_heading_and_a_linked_contents() {
    let pdf = built().path("output/long.pdf");
    assert_eq!(
        pdf_info(&pdf).get("Tagged").map(String::as_str),
        Some("yes")
    );
    assert!(pdf_xmp(&pdf).contains("pdfuaid:part"), "no PDF/UA claim");
    let tree = tool("pdfinfo", &["-struct-text", pdf.to_str().unwrap()]);
    let headings: Vec<&str> = tree
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("H1 ") || l.starts_with("H2 ") || l.starts_with("H3 "))
        .collect();
    assert_eq!(
        headings[0],
        format!("H1 \"{TITLE}\" (block)"),
        "{headings:#?}"
    );
    assert_eq!(headings[1], "H2 \"Contents\" (block)");
    assert_eq!(headings[2], "H2 \"Key figures\" (block)");
    assert_eq!(headings[3], format!("H1 \"{}\" (block)", chapter_title(1)));
    // The contents is a TOC of links, one per chapter and subheading.
    let links_in_toc = tree
        .split("TOC\n")
        .skip(1)
        .filter(|part| part.contains("Link"))
        .count();
    assert!(
        links_in_toc > CHAPTERS,
        "{links_in_toc} TOC parts with links"
    );
    let report = outloud(&pdf);
    assert!(
        report.errors.is_empty() && report.warnings.is_empty() && report.crashed.is_empty(),
        "outloud: {report:#?}"
    );
}

#[test]
fn the_large_print_report_sets_no_text_under_sixteen_points() {
    let pdf = built().path("output/long.large-print.pdf");
    let spans = spans(&pdf);
    assert!(spans.len() > 500, "too little text read: {}", spans.len());
    let small: Vec<_> = spans.iter().filter(|s| s.size < 15.99).collect();
    assert!(small.is_empty(), "text below 16 pt: {small:#?}");
    assert_eq!(
        pdf_sections(&pdf),
        pdf_sections(&built().path("output/long.pdf"))
    );
}

#[test]
fn the_report_epub_carries_the_report_stylesheet_and_passes_the_checkers() {
    let path = built().path("output/long.epub");
    let epub = Epub::open(&path);
    let css = std::fs::read(repo().join("templates/report/epub.css")).unwrap();
    assert!(
        epub.files
            .iter()
            .any(|(name, bytes)| name.ends_with(".css") && *bytes == css),
        "the EPUB does not carry templates/report/epub.css"
    );
    let violations = ace(&path);
    assert!(violations.is_empty(), "Ace: {violations:#?}");
}

#[test]
fn an_arabic_report_is_mirrored_and_in_arabic() {
    let pdf = built().path("output/ar.pdf");
    let text = pdf_text(&pdf);
    for english in ["Contents", "Attachments", "Authors", "Published"] {
        assert!(!text.contains(english), "prints {english:?}:\n{text}");
    }
    assert!(text.contains("المحتويات"), "{text}");
    let pages = pages(&pdf);
    let at = opener(&pages, 1, ARABIC_CHAPTERS[0]);
    // The folio of the page after the opener sits at the left edge (the
    // outer side of a right-to-left page), its running head names chapter 1.
    let page = at + 2;
    let bbox = tool(
        "pdftotext",
        &[
            "-bbox",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    let folio = bbox
        .lines()
        .rfind(|l| l.trim_start().starts_with("<word") && l.contains(&format!(">{page}</word>")))
        .unwrap_or_else(|| panic!("no folio {page}:\n{bbox}"));
    let x_max: f64 = folio
        .split("xMax=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|x| x.parse().ok())
        .expect("xMax");
    assert!(x_max < 595.0 / 2.0, "the folio is not on the left: {folio}");
    assert!(
        pages[at + 1].contains(ARABIC_CHAPTERS[0]),
        "{}",
        pages[at + 1]
    );
}

#[test]
fn the_template_option_sets_any_publication_as_a_report() {
    let project = Project::sample();
    project
        .run(&["build", "--template", "report", "-f", "pdf"])
        .expect_code(0);
    let pdf = project.path("output/gta-2021.pdf");
    let sections = pdf_sections(&pdf);
    assert_eq!(sections.len(), 6, "{sections:?}");
    let pages = pages(&pdf);
    assert_eq!(first_line(&pages[1]), "Contents");
    for title in &sections {
        assert!(
            pages[1].contains(title.as_str()),
            "{title:?} not in\n{}",
            pages[1]
        );
    }
    // The brief would have started the first section on page 1.
    assert!(!pages[0].contains(sections[0].as_str()));
}

#[test]
fn template_list_names_the_report_and_an_exported_copy_builds_once_edited() {
    let project = Project::empty();
    let run = project.run(&["template", "list"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("\nreport  built-in  "),
        "{}",
        run.stdout
    );

    project
        .run(&["template", "export", "report"])
        .expect_code(0);
    assert_eq!(
        project.files_under("templates"),
        ["report/epub.css", "report/template.typ"]
    );
    assert_eq!(
        project.read("templates/report/template.typ"),
        std::fs::read(repo().join("templates/report/template.typ")).unwrap()
    );
    let mut typst = String::from_utf8(project.read("templates/report/template.typ")).unwrap();
    typst = typst.replace("toc-depth: 2,", "toc-depth: 1,");
    typst.push_str(
        "\n#let report-publication = publication\n\
         #let publication(..args) = report-publication(\n\
         \x20 ..args.named(),\n\
         \x20 args.pos().at(0) + par[Set with the edited report.],\n\
         )\n",
    );
    project.write("templates/report/template.typ", typst);
    project
        .write("content/long.toml", long_report())
        .write("content/long/chart.png", png(30, 20, [31, 58, 95]))
        .write("content/long/data.csv", "town\n");
    project.run(&["build", "-f", "pdf"]).expect_code(0);
    let pdf = project.path("output/long.pdf");
    let text = pdf_text(&pdf);
    assert!(text.contains("Set with the edited report."), "{text}");
    let contents = pages(&pdf)[1].clone();
    assert!(
        !contents.contains("Supply in Ashford"),
        "depth 1 lists no subheadings:\n{contents}"
    );
}

#[test]
fn a_style_sets_the_paper_accent_fonts_and_logo_of_a_report() {
    let project = Project::empty();
    project.write("logo.png", png(60, 20, [122, 31, 61])).write(
        "content/styled.toml",
        "title = \"Styled\"\ndate = 2023-05-06\ntemplate = \"report\"\n\
         [style]\naccent = \"#7a1f3d\"\nfont = \"New Computer Modern\"\n\
         heading_font = \"Libertinus Serif\"\npaper = \"us-letter\"\n\
         logo = \"../logo.png\"\nlogo_alt = \"Pubco logo\"\n\
         [[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n",
    );
    project.run(&["build"]).expect_code(0);
    let pdf = project.path("output/styled.pdf");
    assert_eq!(
        pdf_info(&pdf).get("Page size").map(String::as_str),
        Some("612 x 792 pts (letter)")
    );
    assert!(pdf_figure_alts(&pdf).contains(&"Pubco logo".to_string()));
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(fonts.contains("NewCM"), "{fonts}");
    assert!(fonts.contains("Libertinus"), "{fonts}");
    let epub = Epub::open(&project.path("output/styled.epub"));
    assert!(
        epub.files.iter().any(|(name, bytes)| name.ends_with(".css")
            && String::from_utf8_lossy(bytes).contains("--bp-accent: #7a1f3d")),
        "the EPUB stylesheet lacks the accent"
    );
}

#[test]
fn latin_values_keep_their_order_in_an_arabic_report() {
    let project = Project::empty();
    project.write(
        "content/ar.toml",
        "title = \"التقرير السنوي\"\nlanguage = \"ar\"\ndate = 2021-10-19\n\
         template = \"report\"\npublisher = \"Global Alliance Inc.\"\n\
         authors = [\"Global Alliance Inc.\"]\n\
         [[highlights]]\nvalue = \"12,5 %\"\nlabel = \"من التقارير\"\n\
         source = \"Global Alliance Inc.\"\n\
         [[sections]]\ntitle = \"القسم\"\nbody = \"نص.\"\n",
    );
    project.run(&["build", "-f", "pdf"]).expect_code(0);
    let lines: Vec<String> = visual_lines(&glyphs(&project.path("output/ar.pdf")))
        .iter()
        .map(|l| l.replace(['\u{2068}', '\u{2069}'], "").to_lowercase())
        .collect();
    // The publisher on the cover (in capitals), the author, the key
    // figure's source and the colophon's "published by".
    let named = lines
        .iter()
        .filter(|l| l.contains("global alliance inc."))
        .count();
    assert!(named >= 4, "the name reads in order: {lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains(".global alliance inc")),
        "a full stop moved to the other side: {lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "12,5 %"),
        "the key figure reads in order: {lines:?}"
    );
}

/// A web address too long for a table cell.
const URL: &str =
    "https://example.org/water/annex/2024/tables-of-supply-and-demand-for-every-town?format=csv";

/// A Markdown table of `n` columns: a header row of `header0…`, one row of `cell0…`.
fn wide_table(n: usize, header: &str, cell: &str) -> String {
    let row = |text: &str| (0..n).map(|i| format!("| {text}{i} ")).collect::<String>() + "|\n";
    row(header) + &"|---".repeat(n) + "|\n" + &row(cell)
}

/// The declarations of the rule for `selector` in `css` (empty if none).
fn css_rule<'a>(css: &'a str, selector: &str) -> &'a str {
    css.split_once(&format!("\n{selector} {{"))
        .and_then(|(_, rest)| rest.split_once('}'))
        .map_or("", |(rule, _)| rule)
}

#[test]
fn a_wide_table_in_a_report_stays_in_the_column_and_is_named() {
    let project = Project::empty();
    project
        .write(
            "content/wide.toml",
            "title = \"Wide\"\ndate = 2024-03-01\ntemplate = \"report\"\n\
             editions = [\"standard\", \"large-print\"]\n\
             [[sections]]\ntitle = \"Tables\"\nfile = \"wide/tables.md\"\n",
        )
        .write(
            "content/wide/tables.md",
            format!(
                "Five columns:\n\n{}\nTwelve columns:\n\n{}\n\
                 A web address in a cell:\n\n| Source | Where |\n|---|---|\n| Annex | {URL} |\n",
                wide_table(5, "Classification", "Accountability"),
                wide_table(12, "Heading", "Value")
            ),
        );
    let run = project.run(&["build", "--emit-typst", "--message-format", "json"]);
    run.expect_code(0);
    let warnings: Vec<String> = run
        .json()
        .iter()
        .filter(|d| d["code"] == "too-wide")
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("table 1 of section “Tables”")
                && m.contains("pt type instead of 10.5 pt")
                && !m.contains("landscape")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("table 2 of section “Tables”") && m.contains("landscape")),
        "{warnings:?}"
    );

    // The report's A4 column: 140 mm, 46 % of the rest on the left.
    let pdf = project.path("output/wide.pdf");
    let glyphs = glyphs(&pdf);
    let mm = 72.0 / 25.4;
    let (left, right) = (0.46 * 70.0 * mm, 0.54 * 70.0 * mm);
    let outside: Vec<String> = glyphs
        .iter()
        .filter(|g| g.size <= 12.01 && !g.c.is_whitespace())
        .filter(|g| g.x0 < left - 0.5 || g.x1 > g.page_size.0 - right + 0.5)
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
    assert!(outside.is_empty(), "outside the column: {outside:?}");
    let landscape: String = glyphs
        .iter()
        .filter(|g| g.page_size.0 > g.page_size.1)
        .map(|g| g.c)
        .collect();
    assert!(landscape.contains("Heading11"), "{landscape}");

    // The emitted sources carry report's own fitting, and compile on their
    // own to as many pages as the PDFs (in large print, whose type never
    // shrinks, the five columns need a landscape page, where they fit as
    // they are).
    for name in ["wide", "wide.large-print"] {
        let source = String::from_utf8(project.read(&format!("output/{name}.typ"))).expect("UTF-8");
        assert!(
            source.contains("#let bp-fit-table = fit-table\n"),
            "{source}"
        );
        let pages = crate::emit::compile(project.root(), &format!("/output/{name}.typ"))
            .unwrap_or_else(|errors| panic!("{name}.typ does not compile on its own:\n{errors}"));
        let pdf = project.path(&format!("output/{name}.pdf"));
        assert_eq!(
            pdf_info(&pdf).get("Pages").map(String::as_str),
            Some(pages.to_string().as_str()),
            "{name}"
        );
    }

    // In the EPUB, the cells and the printed address break rather than run
    // off the screen; EPUBCheck (on open) and Ace find nothing.
    let path = project.path("output/wide.epub");
    let epub = Epub::open(&path);
    let css = epub
        .files
        .iter()
        .find(|(name, _)| name.ends_with(".css"))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    for selector in ["a.url", "th, td"] {
        assert!(
            css_rule(&css, selector).contains("overflow-wrap: anywhere;"),
            "{selector} may not break anywhere:\n{css}"
        );
    }
    assert!(
        epub.documents()
            .iter()
            .any(|(_, xml)| xml.contains(&format!("class=\"url\">{URL}</a>"))),
        "the address is not printed as a link"
    );
    let violations = ace(&path);
    assert!(violations.is_empty(), "Ace: {violations:#?}");
}
