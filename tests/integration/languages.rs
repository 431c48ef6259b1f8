//! Languages: one publication built in en, fr, es, ar, ru and zh; both
//! editions carry the language's labels, dates and quotes, the Arabic one
//! reads right to left and uses the bundled Arabic font.
//!
//! The six publications are built once, in one run, and shared.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::harness::{Epub, Project, ace, cjk_font_folder, pdf_info, pdf_text, tool, xml_text};

/// Tag, title, the long date of 2021-10-19, and a text the sentence
/// `"yes"` must become.
const LANGUAGES: &[(&str, &str, &str, &str)] = &[
    ("en", "Annual brief", "October 19, 2021", "“yes”"),
    (
        "fr",
        "Note annuelle",
        "19 octobre 2021",
        "«\u{202f}oui\u{202f}»",
    ),
    ("es", "Informe anual", "19 de octubre de 2021", "«sí»"),
    ("ar", "التقرير السنوي", "19 أكتوبر 2021", "”نعم“"),
    ("ru", "Годовой обзор", "19 октября 2021", "«да»"),
    ("zh", "年度简报", "2021年10月19日", "“是”"),
];

/// English label texts that must not appear in any other edition.
const ENGLISH: &[&str] = &[
    "Key figures",
    "Published",
    "Last updated",
    "Attachments & resources",
    "Contents",
    "Source:",
    "Authors",
];

fn straight(quoted: &str) -> String {
    quoted
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// The shared build: the project and its output folder.
fn built() -> &'static (Project, PathBuf) {
    static BUILT: OnceLock<(Project, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::empty();
        for (tag, title, _, quoted) in LANGUAGES {
            let word = straight(quoted);
            project.write(
                &format!("content/{tag}.toml"),
                format!(
                    "title = \"{title}\"\ndate = 2021-10-19\nupdated = 2022-01-12\n\
                     language = \"{tag}\"\nauthors = [\"Ana\", \"Luis\"]\n\
                     [[highlights]]\nvalue = \"60\"\nlabel = \"{title}\"\nsource = \"NCMEC\"\n\
                     [[sections]]\ntitle = \"{title}\"\n\
                     body = \"{title} \\\"{word}\\\" -- 2021[^1]\\n\\n[^1]: {title}\"\n\
                     [[attachments]]\ntitle = \"{title}\"\nfile = \"data.csv\"\n"
                ),
            );
            project.write("content/data.csv", "a,b\n1,2\n");
        }
        let fonts = cjk_font_folder(&project);
        project
            .run(&["build", "--out", "out", "--font-path", &fonts])
            .expect_code(0);
        let out = project.path("out");
        (project, out)
    })
}

fn pdf(tag: &str) -> String {
    pdf_text(&built().1.join(format!("{tag}.pdf")))
}

/// Unchecked: EPUBCheck runs on the Arabic edition, the one with most to get wrong.
fn epub(tag: &str) -> Epub {
    Epub::open_unchecked(&built().1.join(format!("{tag}.epub")))
}

#[test]
fn no_english_label_is_left_outside_english() {
    for (tag, ..) in LANGUAGES.iter().filter(|l| l.0 != "en") {
        let pdf = pdf(tag);
        let epub = epub(tag);
        let nav = xml_text(&epub.text("OEBPS/nav.xhtml"));
        let all = format!("{}\n{nav}", epub.all_text());
        for english in ENGLISH {
            assert!(
                !pdf.contains(english),
                "{tag} PDF prints {english:?}:\n{pdf}"
            );
            assert!(
                !all.contains(english),
                "{tag} EPUB prints {english:?}:\n{all}"
            );
        }
    }
    let english = xml_text(&epub("en").text("OEBPS/nav.xhtml"));
    assert!(english.contains("Contents"), "{english}");
}

#[test]
fn the_accessibility_summary_is_in_the_language() {
    let summary = |tag: &str| {
        let opf = epub(tag).opf();
        let start = opf
            .find("property=\"schema:accessibilitySummary\">")
            .unwrap_or_else(|| panic!("{tag}: no accessibility summary:\n{opf}"));
        let rest = &opf[start..];
        rest[rest.find('>').unwrap_or(0) + 1..rest.find("</meta>").unwrap_or(rest.len())]
            .to_string()
    };
    assert!(summary("en").starts_with("Every section starts with a heading"));
    assert!(
        summary("fr").starts_with("Chaque section commence par un titre"),
        "{}",
        summary("fr")
    );
    assert!(
        summary("ru").starts_with("Каждый раздел"),
        "{}",
        summary("ru")
    );
}

#[test]
fn the_date_is_in_the_language_form_in_both_editions() {
    for (tag, _, date, _) in LANGUAGES {
        // pdftotext may drop the narrow space of "2021 г." or mark bidi runs.
        let pdf: String = pdf(tag)
            .chars()
            .filter(|c| !c.is_whitespace() && !is_bidi_mark(*c))
            .collect();
        let wanted: String = date.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(pdf.contains(&wanted), "{tag} PDF lacks {date:?}:\n{pdf}");
        let title_page = xml_text(&epub(tag).text("OEBPS/title.xhtml"));
        assert!(
            title_page.contains(date),
            "{tag} EPUB lacks {date:?}:\n{title_page}"
        );
    }
}

#[test]
fn quotes_are_the_language_quotes_in_both_editions() {
    for (tag, _, _, quoted) in LANGUAGES {
        // The raw XHTML: `xml_text` folds the narrow no-break spaces French needs.
        let section = epub(tag).text("OEBPS/section-01.xhtml");
        assert!(
            section.contains(quoted),
            "{tag} EPUB lacks {quoted:?}:\n{section}"
        );
        let pdf: String = pdf(tag).chars().filter(|c| !is_bidi_mark(*c)).collect();
        let marks: Vec<char> = quoted
            .chars()
            .filter(|c| !c.is_alphanumeric() && !c.is_whitespace())
            .collect();
        for mark in marks {
            assert!(pdf.contains(mark), "{tag} PDF lacks {mark:?}:\n{pdf}");
        }
        assert!(
            !xml_text(&section).contains(&format!("\"{}\"", straight(quoted))),
            "{tag}: a straight quote is left"
        );
    }
}

#[test]
fn arabic_epub_reads_right_to_left_and_passes_the_checkers() {
    let path = built().1.join("ar.epub");
    let epub = Epub::open(&path);
    for (name, text) in epub.documents() {
        assert!(
            text.contains(r#"xml:lang="ar" lang="ar" dir="rtl""#),
            "{name} is not marked right to left"
        );
    }
    assert!(
        epub.opf().contains(r#"page-progression-direction="rtl""#),
        "{}",
        epub.opf()
    );
    let violations = ace(&path);
    assert!(violations.is_empty(), "Ace: {violations:#?}");
}

#[test]
fn arabic_pdf_uses_the_bundled_arabic_font_and_stays_pdf_ua() {
    let pdf = built().1.join("ar.pdf");
    let fonts = tool("pdffonts", &[&pdf.display().to_string()]);
    assert!(fonts.contains("NotoNaskhArabic"), "{fonts}");
    let body_fonts: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        body_fonts
            .iter()
            .all(|l| !l.contains("DejaVuSansMono") || fonts.contains("Naskh")),
        "{fonts}"
    );
    // typst refuses a PDF/UA-1 export that breaks the standard; the info
    // dictionary says which one it claims.
    let info = pdf_info(&pdf);
    assert_eq!(
        info.get("Tagged").map(String::as_str),
        Some("yes"),
        "{info:?}"
    );
}

#[test]
fn chinese_is_set_in_the_font_from_font_path() {
    let pdf = built().1.join("zh.pdf");
    let fonts = tool("pdffonts", &[&pdf.display().to_string()]);
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
}

fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `<span lang="…">` marks a passage in another language: the PDF tags its
/// text with its own `Lang`, the EPUB gives it `lang` (and `dir` where its
/// direction is not the document's), and its quotes are its own language's.
#[test]
fn a_passage_in_another_language_is_tagged_with_it_in_both_editions() {
    let project = Project::empty();
    project.write(
        "content/parts.toml",
        "title = \"Parts\"\ndate = 2021-10-19\nlanguage = \"en\"\n\
         [[sections]]\ntitle = \"Voices\"\nbody = \"\"\"\n\
         The motto reads <span lang=\"fr\">\"liberté\" et *égalité*</span>, \
         the sign <span lang=\"ar\">الماء حياة</span>, \
         the pupils <span lang='pt-BR'>bom dia</span>, the sign <span lang=\"zh-Hant\">shuǐ</span>.\n\"\"\"\n",
    );
    let run = project.run(&["build"]);
    run.expect_code(0);
    let qdf = project.path("parts.qdf.pdf");
    tool(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            project.path("output/parts.pdf").to_str().unwrap(),
            qdf.to_str().unwrap(),
        ],
    );
    let raw = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).into_owned();
    for lang in ["/Lang(fr)", "/Lang(ar)", "/Lang(pt-BR)", "/Lang(zh-TW)"] {
        assert!(raw.contains(lang), "no marked content with {lang}");
    }
    let text = pdf_text(&project.path("output/parts.pdf"));
    // (pdftotext gives the narrow no-break spaces as spaces.)
    assert!(
        text.contains("« liberté » et égalité"),
        "French quotes in the French passage: {text}"
    );
    let epub = Epub::open(&project.path("output/parts.epub"));
    let xhtml: String = epub.documents().into_iter().map(|(_, body)| body).collect();
    for span in [
        "<span lang=\"fr\" xml:lang=\"fr\">",
        "<span lang=\"ar\" xml:lang=\"ar\" dir=\"rtl\">الماء حياة</span>",
        "<span lang=\"pt-BR\" xml:lang=\"pt-BR\">bom dia</span>",
    ] {
        assert!(xhtml.contains(span), "no {span} in the EPUB");
    }
    let violations = ace(&project.path("output/parts.epub"));
    assert!(violations.is_empty(), "{violations:?}");
}
