//! Languages in the PDF, read back from the real file: each script is set in
//! the face made for it (not a fallback), CJK in the family of its language
//! and region, the PDF's `/Lang` keeps the Chinese script, and the words the
//! PDF carries (captions, link descriptions) are the publication's labels.
//!
//! One publication per language and template, both editions, built once.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::harness::{Project, cjk_font_folder, pdf_text, pymupdf, tool};

/// Tag, title and a sentence in the language.
const LANGUAGES: &[(&str, &str, &str)] = &[
    ("hi", "जल संक्षेप", "स्वच्छ जल अधिकांश घरों तक पहुँचता है।"),
    ("ar", "موجز المياه", "تصل المياه النظيفة إلى معظم الأسر."),
    ("he", "תקציר מים", "מים נקיים מגיעים לרוב הבתים."),
    ("zh-CN", "饮水简报", "清洁的水到达大多数家庭。"),
    ("zh-Hant", "飲水簡報", "乾淨的水到達大多數家庭。"),
    ("ja", "水の概要", "きれいな水はほとんどの家庭に届く。"),
    ("ko", "물 개요", "깨끗한 물은 대부분의 가정에 도달한다."),
    ("tr", "Su özeti", "Temiz su çoğu haneye ulaşıyor."),
    ("fa", "خلاصهٔ آب", "آب پاک به بیشتر خانه‌ها می‌رسد."),
];

const TEMPLATES: &[&str] = &["brief", "report"];

/// The Arabic publication's `[labels]` overrides, which the PDF must use.
const ARABIC_LABELS: &str = "[labels]\nfigure = \"رسم\"\nfootnote_ref = \"حاشية رقم {n}\"\n";

/// The shared build: the output folder.
fn built() -> &'static (Project, PathBuf) {
    static BUILT: OnceLock<(Project, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        project.write(
            "content/chart.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"40\"><rect width=\"60\" height=\"40\"/></svg>",
        );
        for (tag, title, sentence) in LANGUAGES {
            for template in TEMPLATES {
                let labels = if *tag == "ar" { ARABIC_LABELS } else { "" };
                project.write(
                    &format!("content/{tag}-{template}.toml"),
                    format!(
                        "title = \"{title}\"\ndate = 2021-10-19\nlanguage = \"{tag}\"\n\
                         template = \"{template}\"\neditions = [\"standard\", \"large-print\"]\n\
                         authors = [\"{title}\"]\npublisher = \"{title}\"\n{labels}\
                         [[highlights]]\nvalue = \"4 kg/day\"\nlabel = \"{title}\"\n\
                         [[sections]]\ntitle = \"{title}\"\nid = \"one\"\n\
                         body = \"\"\"{sentence}[^1] [{title}](#two)\n\n> {sentence}\n\n\
                         ![{title}](chart.svg)\n\n[^1]: {sentence}\n\"\"\"\n\
                         [[sections]]\ntitle = \"{sentence}\"\nid = \"two\"\nbody = \"{sentence}\"\n"
                    ),
                );
            }
        }
        let fonts = cjk_font_folder(&project);
        project
            .run(&["build", "--out", "out", "--font-path", &fonts])
            .expect_code(0);
        let out = project.path("out");
        (project, out)
    })
}

/// The PDFs of `tag`: both templates, both editions.
fn pdfs(tag: &str) -> Vec<PathBuf> {
    let out = &built().1;
    TEMPLATES
        .iter()
        .flat_map(|t| {
            [
                out.join(format!("{tag}-{t}.pdf")),
                out.join(format!("{tag}-{t}.large-print.pdf")),
            ]
        })
        .collect()
}

/// Every text span of `pdf` as (font name, text).
fn spans(pdf: &Path) -> Vec<(String, String)> {
    let script = "import sys, pymupdf\n\
        for page in pymupdf.open(sys.argv[1]):\n\
        \x20   for block in page.get_text('dict')['blocks']:\n\
        \x20       for line in block.get('lines', []):\n\
        \x20           for span in line['spans']:\n\
        \x20               print(span['font'] + '\\t' + span['text'].replace('\\n', ' '))\n";
    pymupdf(script, pdf)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

/// The fonts of the spans holding a character `is_script` accepts.
fn fonts_of(pdf: &Path, is_script: impl Fn(char) -> bool) -> Vec<String> {
    let mut fonts: Vec<String> = spans(pdf)
        .into_iter()
        .filter(|(_, text)| text.chars().any(&is_script))
        .map(|(font, _)| font)
        .collect();
    fonts.sort();
    fonts.dedup();
    fonts
}

fn devanagari(c: char) -> bool {
    ('\u{900}'..='\u{97f}').contains(&c)
}

fn arabic(c: char) -> bool {
    ('\u{600}'..='\u{6ff}').contains(&c)
}

fn hebrew(c: char) -> bool {
    ('\u{591}'..='\u{5ff}').contains(&c)
}

fn han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{ac00}'..='\u{d7af}').contains(&c)
}

#[test]
fn each_script_is_set_in_its_own_face_in_both_templates_and_editions() {
    type Case = (&'static str, fn(char) -> bool, &'static [&'static str]);
    let cases: [Case; 4] = [
        ("hi", devanagari, &["NotoSerifDevanagari"]),
        ("ar", arabic, &["NotoNaskhArabic"]),
        ("fa", arabic, &["NotoNaskhArabic"]),
        ("he", hebrew, &["LibertinusSerif", "NotoSerifHebrew"]),
    ];
    for (tag, is_script, faces) in cases {
        for pdf in pdfs(tag) {
            let fonts = fonts_of(&pdf, is_script);
            assert!(
                !fonts.is_empty(),
                "{}: no text in the script",
                pdf.display()
            );
            for font in &fonts {
                assert!(
                    faces.iter().any(|face| font.starts_with(face)),
                    "{}: script text set in {font} (all: {fonts:?})",
                    pdf.display()
                );
            }
        }
    }
}

#[test]
fn cjk_is_set_in_the_family_of_its_language_and_region() {
    for (tag, family) in [
        ("zh-CN", "NotoSansCJKsc"),
        ("zh-Hant", "NotoSansCJKtc"),
        ("ja", "NotoSansCJKjp"),
        ("ko", "NotoSansCJKkr"),
    ] {
        for pdf in pdfs(tag) {
            let fonts = fonts_of(&pdf, han);
            assert!(!fonts.is_empty(), "{}: no CJK text", pdf.display());
            assert!(
                fonts.iter().all(|f| f.starts_with(family)),
                "{}: expected {family}, got {fonts:?}",
                pdf.display()
            );
        }
    }
}

/// The document catalog's `/Lang`.
fn catalog_lang(pdf: &Path) -> String {
    let script = "import sys, pymupdf\n\
        doc = pymupdf.open(sys.argv[1])\n\
        print(doc.xref_get_key(doc.pdf_catalog(), 'Lang')[1])\n";
    pymupdf(script, pdf).trim().to_string()
}

#[test]
fn traditional_chinese_keeps_its_script_in_the_pdf_language() {
    for pdf in pdfs("zh-Hant") {
        assert_eq!(catalog_lang(&pdf), "zh-TW", "{}", pdf.display());
        // typst's own words follow the region: Traditional, not Simplified.
        let text = pdf_text(&pdf);
        assert!(!text.contains('图'), "{}: {text}", pdf.display());
    }
    for pdf in pdfs("zh-CN") {
        assert_eq!(catalog_lang(&pdf), "zh-CN", "{}", pdf.display());
    }
}

#[test]
fn figure_captions_use_the_labels_and_their_overrides() {
    for (tag, word, typst_word) in [("ar", "رسم", "شكل"), ("zh-Hant", "圖", "图")] {
        for pdf in pdfs(tag) {
            let text = pdf_text(&pdf);
            assert!(text.contains(word), "{}: {text}", pdf.display());
            assert!(!text.contains(typst_word), "{}: {text}", pdf.display());
        }
    }
}

#[test]
fn turkish_captions_keep_the_dotted_capital_i() {
    for pdf in pdfs("tr") {
        // Tracked capitals come out with spaces between some letters.
        let text: String = tool("pdftotext", &["-raw", pdf.to_str().expect("path"), "-"])
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains("YAYIMTARİHİ"), "{}: {text}", pdf.display());
        assert!(!text.contains("TARIHI"), "{}: {text}", pdf.display());
    }
}

/// The horizontal positions of the narrow upright bars (quote and
/// standfirst bars) of `pdf`, as fractions of the page width.
fn bar_positions(pdf: &Path) -> Vec<f64> {
    let script = "import sys, pymupdf\n\
        for page in pymupdf.open(sys.argv[1]):\n\
        \x20   for d in page.get_drawings():\n\
        \x20       r = d['rect']\n\
        \x20       if 1.5 <= r.width <= 3.5 and r.height > 8:\n\
        \x20           print(r.x0 / page.rect.width)\n";
    pymupdf(script, pdf)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn quote_bars_stand_on_the_start_side_in_right_to_left_text() {
    for tag in ["ar", "he"] {
        for pdf in pdfs(tag) {
            let bars = bar_positions(&pdf);
            assert!(!bars.is_empty(), "{}: no bar found", pdf.display());
            assert!(
                bars.iter().all(|x| *x > 0.5),
                "{}: a bar on the left: {bars:?}",
                pdf.display()
            );
        }
    }
    for pdf in pdfs("tr") {
        let bars = bar_positions(&pdf);
        assert!(bars.iter().all(|x| *x < 0.5), "{}: {bars:?}", pdf.display());
    }
}

#[test]
fn the_accessibility_gate_passes_arabic_contextual_forms() {
    let pdf = built().1.join("ar-brief.pdf");
    let status = std::process::Command::new("bash")
        .arg(crate::harness::repo().join("scripts/a11y-check.sh"))
        .arg(&pdf)
        .output()
        .expect("run scripts/a11y-check.sh");
    assert!(
        status.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
}

/// What `scripts/lib/reports.py` makes of an outloud report holding one
/// TXT-004 finding with `message`.
fn outloud_verdict(project: &Project, message: &str) -> String {
    let report = serde_json::json!({"results": [{
        "findings": [{"rule": "TXT-004", "severity": "warning", "message": message, "count": 1}],
        "counts": {"error": 0, "warning": 1},
        "rules": [],
    }]});
    project.write("outloud.json", report.to_string());
    crate::harness::tool(
        "python3",
        &[
            crate::harness::repo()
                .join("scripts/lib/reports.py")
                .to_str()
                .expect("path"),
            "outloud",
            project.path("outloud.json").to_str().expect("path"),
        ],
    )
}

#[test]
fn the_gate_sets_aside_only_the_contextual_forms_of_joining_letters() {
    let project = Project::empty();
    let lam = outloud_verdict(
        &project,
        "font X+NotoNaskhArabic: 6 different codes all map to U+0644 'ل'",
    );
    assert!(lam.starts_with("0 "), "{lam}");
    let latin = outloud_verdict(
        &project,
        "font X+Libertinus: 3 different codes all map to U+0041 'A'",
    );
    assert!(latin.starts_with("1 "), "{latin}");
    let many = outloud_verdict(
        &project,
        "font X+Naskh: 40 different codes all map to U+0644 'ل'",
    );
    assert!(many.starts_with("1 "), "{many}");
}

/// For each key figure "4 kg/day" of `pdf`: the room between the value's
/// baseline and the top of its label's capitals, as a fraction of the
/// value's size.
fn key_figure_clearance(pdf: &Path) -> Vec<f64> {
    let script = "import sys, pymupdf\n\
        for page in pymupdf.open(sys.argv[1]):\n\
        \x20   spans = [s for b in page.get_text('dict')['blocks'] for l in b.get('lines', []) for s in l['spans'] if s['text'].strip()]\n\
        \x20   for i, s in enumerate(spans[:-1]):\n\
        \x20       if s['text'].strip() == '4 kg/day':\n\
        \x20           label = spans[i + 1]\n\
        \x20           cap_top = label['origin'][1] - 0.7 * label['size']\n\
        \x20           print((cap_top - s['origin'][1]) / s['size'])\n";
    pymupdf(script, pdf)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn key_figure_values_leave_room_for_their_descenders() {
    for pdf in pdfs("tr") {
        let clearances = key_figure_clearance(&pdf);
        assert!(!clearances.is_empty(), "{}: no key figure", pdf.display());
        for c in clearances {
            assert!(c >= 0.25, "{}: {c:.3} of the value's size", pdf.display());
        }
    }
}

#[test]
fn persian_numbers_pages_sections_and_notes_in_persian_digits() {
    let script = "import sys, pymupdf\n\
        for page in pymupdf.open(sys.argv[1]):\n\
        \x20   for b in page.get_text('dict')['blocks']:\n\
        \x20       for l in b.get('lines', []):\n\
        \x20           for s in l['spans']:\n\
        \x20               print(s['text'].strip())\n";
    for pdf in pdfs("fa") {
        let spans = pymupdf(script, &pdf);
        let numbers: Vec<&str> = spans
            .lines()
            .filter(|s| {
                s.chars().any(|c| c.is_ascii_digit())
                    && s.chars().all(|c| c.is_ascii_digit() || c == '.')
            })
            .collect();
        assert!(
            numbers.is_empty(),
            "{}: Latin-digit numbers {numbers:?}",
            pdf.display()
        );
        assert!(
            spans.lines().any(|s| s == "۱"),
            "{}: no Persian number: {spans}",
            pdf.display()
        );
    }
}
