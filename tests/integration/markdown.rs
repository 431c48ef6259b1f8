//! Every Markdown feature briefpress supports (CommonMark + tables, footnotes,
//! strikethrough) reaches both editions with its structure intact.

use std::sync::OnceLock;

use crate::fixtures::{
    document_titled, elements, named, pdf_figure_alts, pdf_link_dests, pdf_link_uris,
    pdf_name_tree_keys, png, texts,
};
use crate::harness::{Epub, Project, pdf_outline, pdf_text, strip_number};

const TOUR: &str = r#"
title = "A tour of Markdown"
authors = ["Tess Tester"]
date = 2024-03-01

[[sections]]
title = "Basics"
id = "basics"
file = "tour/basics.md"

[[sections]]
title = "Figures and tables"
id = "tables"
body = """
| Region | Reports |
|:-------|--------:|
| North  | 120     |
| South  | 80      |

![A bar chart of reports by region](tour/chart.png)

Regional figures are provisional.[^second]

[^second]: The second footnote.
"""
"#;

const BASICS: &str = r##"Plain *emphasised words* and **strong words** and ~~struck words~~ with `inline_code()`.

See [the website](https://example.org/tour), [write to us](mailto:tour@example.org) and [the table section](#tables).

# Background

Background text.

### Detail

Detail text with a note.[^first]

- apples
  - green apples
  - red apples
- pears

3. third step
4. fourth step

> A quoted remark.

```rust
fn main() {
    println!("#panic(\"no\") <b>");
}
```

Raw <b>bold?</b> and <script>alert(1)</script> stay text.

[^first]: The first footnote.
"##;

const CODE: &str = "fn main() {\n    println!(\"#panic(\\\"no\\\") <b>\");\n}\n";

/// The tour publication, built (PDF and EPUB) once per test binary and shared read-only.
fn tour() -> &'static Project {
    static TOUR_BUILT: OnceLock<Project> = OnceLock::new();
    TOUR_BUILT.get_or_init(|| {
        let project = Project::lasting();
        project
            .write("content/tour.toml", TOUR)
            .write("content/tour/basics.md", BASICS)
            .write("content/tour/chart.png", png(12, 8, [200, 40, 40]));
        project.built()
    })
}

fn tour_epub(project: &Project) -> Epub {
    Epub::open(&project.path("output/tour.epub"))
}

#[test]
fn inline_emphasis_strong_strike_and_code_become_their_elements() {
    let project = tour();
    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    assert_eq!(texts(&basics, "em"), ["emphasised words"]);
    assert_eq!(texts(&basics, "strong"), ["strong words"]);
    assert_eq!(texts(&basics, "s"), ["struck words"]);
    assert!(
        texts(&basics, "code").contains(&"inline_code()".to_string()),
        "{basics}"
    );

    let text = pdf_text(&project.path("output/tour.pdf"));
    let sentence = "Plain emphasised words and strong words and struck words with inline_code()";
    assert!(text.contains(sentence), "PDF lacks {sentence:?}:\n{text}");
}

#[test]
fn links_go_to_the_web_to_mail_and_to_other_sections_in_both_editions() {
    let project = tour();
    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    let links: Vec<(String, String)> = named(&basics, "a")
        .into_iter()
        .filter(|a| a.attr("epub:type").is_none())
        .map(|a| (a.text.clone(), a.attr("href").unwrap().to_string()))
        .collect();
    assert_eq!(
        links[0],
        ("the website".into(), "https://example.org/tour".into())
    );
    assert_eq!(
        links[1],
        ("write to us".into(), "mailto:tour@example.org".into())
    );
    let (text, href) = &links[2];
    assert_eq!(text, "the table section");
    let (file, fragment) = href.split_once('#').expect("internal link has a fragment");
    let target = epub.text(&format!("OEBPS/{file}"));
    assert_eq!(
        named(&target, "section")[0].attr("id"),
        Some(fragment),
        "the internal link {href} does not land on the Tables section"
    );
    assert_eq!(named(&target, "h1")[0].text, "Figures and tables");

    let pdf = project.path("output/tour.pdf");
    let uris = pdf_link_uris(&pdf);
    assert!(
        uris.contains(&"https://example.org/tour".to_string()),
        "{uris:?}"
    );
    assert!(
        uris.contains(&"mailto:tour@example.org".to_string()),
        "{uris:?}"
    );
    assert!(pdf_link_dests(&pdf).contains(&"tables".to_string()));
    assert!(
        pdf_name_tree_keys(&pdf).contains(&"tables".to_string()),
        "the PDF has no destination named after the section id"
    );
}

#[test]
fn headings_in_a_body_nest_below_their_section_with_levels_closed_up() {
    let project = tour();
    let outline: Vec<(usize, String)> = pdf_outline(&project.path("output/tour.pdf"))
        .into_iter()
        .map(|(depth, title)| (depth, strip_number(&title)))
        .collect();
    assert_eq!(
        outline,
        [
            (0, "Basics".to_string()),
            (1, "Background".to_string()),
            (2, "Detail".to_string()),
            (0, "Figures and tables".to_string()),
        ],
        "`#` must sit one level below the section and `###` one below that"
    );

    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    let headings: Vec<(String, String)> = elements(&basics)
        .into_iter()
        .filter(|e| e.name.len() == 2 && e.name.starts_with('h') && e.name != "hr")
        .map(|e| (e.name, e.text))
        .collect();
    assert_eq!(
        headings,
        [
            ("h1".to_string(), "Basics".to_string()),
            ("h2".to_string(), "Background".to_string()),
            ("h3".to_string(), "Detail".to_string()),
        ]
    );
}

#[test]
fn nested_and_numbered_lists_keep_their_structure() {
    let project = tour();
    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    let all = elements(&basics);
    let outer = all
        .iter()
        .find(|e| e.name == "ul")
        .expect("a bulleted list");
    assert_eq!(outer.words(), "apples green apples red apples pears");
    let inner: Vec<_> = all.iter().filter(|e| e.name == "ul").skip(1).collect();
    assert_eq!(inner.len(), 1, "expected exactly one nested list");
    assert_eq!(inner[0].words(), "green apples red apples");
    let items: Vec<String> = all
        .iter()
        .filter(|e| e.name == "li")
        .map(|e| e.words())
        .collect();
    assert!(
        items.contains(&"apples green apples red apples".to_string()),
        "the nested list is not inside its parent item: {items:?}"
    );
    let ol = named(&basics, "ol");
    assert_eq!(ol.len(), 1);
    assert_eq!(ol[0].attr("start"), Some("3"));
    assert_eq!(ol[0].words(), "third step fourth step");

    let text = pdf_text(&project.path("output/tour.pdf"));
    for needle in ["3. third step", "4. fourth step", "green apples", "pears"] {
        assert!(text.contains(needle), "PDF lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("1. third step"), "numbering restarted at 1");
}

#[test]
fn block_quotes_and_code_blocks_survive_verbatim() {
    let project = tour();
    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    assert_eq!(
        named(&basics, "blockquote")
            .iter()
            .map(|e| e.words())
            .collect::<Vec<_>>(),
        ["A quoted remark."]
    );
    let pre = named(&basics, "pre");
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0].text, CODE, "code block not verbatim");
    let code = named(&basics, "code")
        .into_iter()
        .find(|c| c.text == CODE)
        .expect("code element inside pre");
    assert_eq!(code.attr("class"), Some("language-rust"));

    let text = pdf_text(&project.path("output/tour.pdf"));
    for needle in ["A quoted remark.", r##"println!("#panic(\"no\") <b>");"##] {
        assert!(text.contains(needle), "PDF lacks {needle:?}:\n{text}");
    }
}

#[test]
fn tables_have_column_header_cells_in_both_editions() {
    let project = tour();
    let epub = tour_epub(project);
    let doc = document_titled(&epub, "Figures and tables");
    let th = named(&doc, "th");
    assert_eq!(
        th.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["Region", "Reports"]
    );
    assert!(th.iter().all(|c| c.attr("scope") == Some("col")), "{th:?}");
    assert_eq!(texts(&doc, "td"), ["North", "120", "South", "80"]);
    assert!(
        named(&doc, "thead")[0].text.contains("Region"),
        "header cells outside thead"
    );

    let text = pdf_text(&project.path("output/tour.pdf"));
    let table = "Region Reports North 120 South 80";
    assert!(text.contains(table), "PDF lacks {table:?}:\n{text}");
}

#[test]
fn images_carry_their_alt_text_and_a_caption_in_both_editions() {
    let alt = "A bar chart of reports by region";
    let project = tour();
    let epub = tour_epub(project);
    let doc = document_titled(&epub, "Figures and tables");
    let img = named(&doc, "img");
    assert_eq!(img.len(), 1);
    assert_eq!(img[0].attr("alt"), Some(alt));
    let src = img[0].attr("src").unwrap();
    assert_eq!(
        epub.files.get(&format!("OEBPS/{src}")),
        Some(&project.read("content/tour/chart.png")),
        "the image {src} is not packaged intact"
    );
    assert_eq!(texts(&doc, "figcaption"), [alt]);
    assert!(
        named(&doc, "figure")[0].text.contains(alt),
        "caption outside the figure"
    );

    let pdf = project.path("output/tour.pdf");
    let text = pdf_text(&pdf);
    assert!(text.contains(alt), "PDF lacks the caption:\n{text}");
    assert_eq!(pdf_figure_alts(&pdf), [alt], "PDF figure alt text");
}

#[test]
fn footnotes_link_both_ways_in_the_epub() {
    let project = tour();
    let epub = tour_epub(project);
    for (title, note) in [
        ("Basics", "The first footnote."),
        ("Figures and tables", "The second footnote."),
    ] {
        let doc = document_titled(&epub, title);
        let all = elements(&doc);
        let refs: Vec<_> = all
            .iter()
            .filter(|e| e.attr("epub:type") == Some("noteref"))
            .collect();
        assert_eq!(refs.len(), 1, "{title}: one note reference expected");
        let noteref = refs[0];
        assert_eq!(noteref.name, "a");
        let target = noteref
            .attr("href")
            .and_then(|h| h.strip_prefix('#'))
            .expect("noteref points into its own document");
        let ref_id = noteref
            .attr("id")
            .expect("noteref has an id to come back to");

        let aside = all
            .iter()
            .find(|e| e.attr("id") == Some(target))
            .unwrap_or_else(|| panic!("{title}: no element with id {target}"));
        assert_eq!(aside.name, "aside");
        assert_eq!(aside.attr("epub:type"), Some("footnote"));
        assert!(aside.text.contains(note), "{title}: {:?}", aside.text);

        // The first link inside the aside is its way back.
        let start = all.iter().position(|e| std::ptr::eq(e, aside)).unwrap();
        let backlink = all[start + 1..]
            .iter()
            .find(|e| e.name == "a")
            .expect("aside has a link");
        assert_eq!(backlink.attr("role"), Some("doc-backlink"));
        assert_eq!(
            backlink.attr("href"),
            Some(format!("#{ref_id}").as_str()),
            "{title}: the backlink does not return to the note reference"
        );
    }

    let text = pdf_text(&project.path("output/tour.pdf"));
    for note in ["The first footnote.", "The second footnote."] {
        assert!(text.contains(note), "PDF lacks {note:?}:\n{text}");
    }
}

#[test]
fn raw_html_is_printed_as_text_in_both_editions() {
    let literal = "Raw <b>bold?</b> and <script>alert(1)</script> stay text.";
    let project = tour();
    let epub = tour_epub(project);
    let basics = document_titled(&epub, "Basics");
    let all = elements(&basics);
    assert!(
        !all.iter().any(|e| e.name == "b" || e.name == "script"),
        "raw HTML became markup:\n{basics}"
    );
    assert!(
        texts(&basics, "p").contains(&literal.to_string()),
        "raw HTML not kept as text:\n{basics}"
    );
    assert!(basics.contains("&lt;script&gt;"), "{basics}");

    let text = pdf_text(&project.path("output/tour.pdf"));
    assert!(text.contains(literal), "PDF lacks {literal:?}:\n{text}");
}

#[test]
fn percent_encoded_image_paths_name_the_file_and_broken_escapes_are_refused_at_their_line() {
    let project = Project::empty();
    project
        .write("content/i/my image.svg", crate::corpus::svg("red"))
        .write("content/i/ü.svg", crate::corpus::svg("blue"))
        .write(
            "content/p.toml",
            "title = \"P\"\ndate = 2025-01-15\n\n[[sections]]\ntitle = \"S\"\nbody = \"\"\"\n\
             ![A red square](i/my%20image.svg)\n\n![A blue square](i/%C3%BC.svg)\n\"\"\"\n",
        );
    project.run(&["build", "-f", "epub"]).expect_code(0);
    let epub = Epub::open(&project.path("output/p.epub"));
    for image in ["content/i/my image.svg", "content/i/ü.svg"] {
        let bytes = project.read(image);
        assert!(
            epub.files.values().any(|data| *data == bytes),
            "{image} is not packaged; entries: {:?}",
            epub.order
        );
    }

    project.write(
        "content/p.toml",
        "title = \"P\"\ndate = 2025-01-15\n\n[[sections]]\ntitle = \"S\"\nbody = \"\"\"\n\
         ![Broken](i/100%.svg)\n\n![Slash](i%2Fmy%20image.svg)\n\n![Up](%2E%2E/p.toml)\n\"\"\"\n",
    );
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        run.json_errors(),
        [
            (
                "invalid-value".to_string(),
                "content/p.toml:7:1".to_string()
            ),
            (
                "invalid-value".to_string(),
                "content/p.toml:9:1".to_string()
            ),
            (
                "invalid-value".to_string(),
                "content/p.toml:11:1".to_string()
            ),
        ]
    );
    assert!(
        run.stdout
            .contains("`i/100%.svg` has `%` not followed by two hexadecimal digits"),
        "{}",
        run.stdout
    );
}
