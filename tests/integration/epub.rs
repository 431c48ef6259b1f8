//! The EPUB package: container, metadata, navigation, packaged files, ids
//! and stylesheet.

use std::collections::BTreeSet;

use crate::fixtures::{binary_blob, elements, named, nav_entries, png, texts, toml_str};
use crate::harness::{Epub, Project};

const PACKAGE: &str = r#"
title = "Package details"
authors = ["Ann One", "Bob Two"]
publisher = "Pubco Press"
date = 2023-05-06
updated = 2024-01-02
language = "fr-CA"
identifier = "urn:isbn:9780000000001"
keywords = ["alpha", "beta gamma"]
summary = "A *short* summary of the brief."
cover = "package/cover.png"

[[sections]]
title = "Opening"
body = "Opening words.\n\n## A subheading\n\nMore words."

[[sections]]
title = "Middle & more"
body = "Middle words."

[[sections]]
title = "Closing"
body = "Closing words."

[[attachments]]
title = "Data table (CSV)"
file = "package/data.csv"
description = "The figures behind the brief."

[[attachments]]
title = "Raw bytes"
file = "package/files/blob.bin"

[[attachments]]
title = "Project website"
url = "https://example.org/project?view=all&lang=fr"
description = "Where the project lives."
"#;

const CSV: &str = "region,reports\nNorth,120\nSouth,80\n";

/// The package publication, built in a fresh project with `args` after `build`.
fn package(args: &[&str]) -> Project {
    let project = Project::empty();
    project
        .write("content/package.toml", PACKAGE)
        .write("content/package/cover.png", png(30, 40, [15, 76, 92]))
        .write("content/package/data.csv", CSV)
        .write("content/package/files/blob.bin", binary_blob());
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    project.run(&all).expect_code(0);
    project
}

fn package_epub(project: &Project) -> Epub {
    Epub::open(&project.path("output/package.epub"))
}

/// A publication with only the required keys (no `updated`, no `identifier`).
fn minimal(title: &str) -> String {
    format!(
        "title = {}\npublisher = \"Pubco Press\"\ndate = 2023-05-06\n\n\
         [[sections]]\ntitle = \"Only\"\nbody = \"Only words.\"\n",
        toml_str(title)
    )
}

/// Builds `toml` as an EPUB in a fresh project and returns the package document.
fn minimal_opf(toml: &str, check: bool) -> String {
    let project = Project::empty();
    project.write("content/minimal.toml", toml);
    project.run(&["build", "--format", "epub"]).expect_code(0);
    let path = project.path("output/minimal.epub");
    let epub = if check {
        Epub::open(&path)
    } else {
        Epub::open_unchecked(&path)
    };
    epub.opf()
}

fn the(opf: &str, name: &str) -> String {
    let found = texts(opf, name);
    assert_eq!(found.len(), 1, "expected one {name}, found {found:?}");
    found.into_iter().next().unwrap()
}

/// The `content` of `<meta property="…">` entries.
fn meta_property(opf: &str, property: &str) -> Vec<String> {
    named(opf, "meta")
        .into_iter()
        .filter(|m| m.attr("property") == Some(property))
        .map(|m| m.text)
        .collect()
}

#[test]
fn mimetype_is_the_first_entry_and_stored_uncompressed() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    assert_eq!(epub.order.first().map(String::as_str), Some("mimetype"));
    assert!(epub.first_stored, "mimetype is compressed");
    assert_eq!(epub.files["mimetype"], b"application/epub+zip");
}

#[test]
fn package_metadata_describes_the_publication() {
    let project = package(&["--format", "epub"]);
    let opf = package_epub(&project).opf();
    assert_eq!(the(&opf, "dc:title"), "Package details");
    assert_eq!(texts(&opf, "dc:creator"), ["Ann One", "Bob Two"]);
    assert_eq!(the(&opf, "dc:publisher"), "Pubco Press");
    assert_eq!(the(&opf, "dc:language"), "fr-CA");
    let date = the(&opf, "dc:date");
    assert!(date.starts_with("2023-05-06"), "dc:date {date}");
    assert_eq!(
        meta_property(&opf, "dcterms:modified"),
        ["2024-01-02T00:00:00Z"],
        "modified must be the `updated` date"
    );
    assert_eq!(
        texts(&opf, "dc:subject"),
        ["alpha", "beta gamma"],
        "one dc:subject per keyword"
    );
    assert_eq!(the(&opf, "dc:description"), "A short summary of the brief.");

    let identifier = named(&opf, "dc:identifier");
    assert_eq!(identifier.len(), 1);
    assert_eq!(identifier[0].text, "urn:isbn:9780000000001");
    let package = &named(&opf, "package")[0];
    assert_eq!(
        package.attr("unique-identifier"),
        identifier[0].attr("id"),
        "unique-identifier must point at the dc:identifier"
    );
}

#[test]
fn modified_falls_back_to_the_publication_date_without_updated() {
    let opf = minimal_opf(&minimal("No revisions"), true);
    assert_eq!(
        meta_property(&opf, "dcterms:modified"),
        ["2023-05-06T00:00:00Z"]
    );
}

#[test]
fn a_derived_identifier_is_a_uuid_stable_across_builds_that_follows_the_title() {
    // Validity is covered elsewhere; these three are read for their identifiers.
    let identifier = |toml: &str| the(&minimal_opf(toml, false), "dc:identifier");
    let first = identifier(&minimal("Stable title"));
    let again = identifier(&minimal("Stable title"));
    let retitled = identifier(&minimal("Another title"));

    let uuid = first
        .strip_prefix("urn:uuid:")
        .unwrap_or_else(|| panic!("not a urn:uuid: {first}"));
    let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "not shaped like a UUID: {uuid}");
    assert!(
        uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{uuid}"
    );
    assert_eq!(first, again, "the identifier changed between two builds");
    assert_ne!(first, retitled, "the identifier ignores the title");
}

#[test]
fn nav_lists_the_title_page_every_section_and_the_resources_in_reading_order() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let expected = [
        "Package details",
        "Opening",
        "Middle & more",
        "Closing",
        // The publication is in Canadian French: the label comes from `fr`.
        "Annexes et ressources",
    ];
    assert_eq!(epub.nav_titles(), expected);

    // Each entry opens the document that carries that heading…
    let entries = nav_entries(&epub);
    for (title, name) in &entries {
        let doc = epub.text(name);
        assert_eq!(&texts(&doc, "h1")[0], title, "{name} is not {title:?}");
    }
    // …and the spine reads them in the same order.
    let opf = epub.opf();
    let hrefs: std::collections::HashMap<String, String> = named(&opf, "item")
        .into_iter()
        .map(|i| (i.attrs["id"].clone(), format!("OEBPS/{}", i.attrs["href"])))
        .collect();
    let linear: Vec<String> = named(&opf, "itemref")
        .into_iter()
        .filter(|r| r.attr("linear") != Some("no"))
        .map(|r| hrefs[&r.attrs["idref"]].clone())
        .collect();
    let nav_order: Vec<String> = entries.into_iter().map(|(_, name)| name).collect();
    assert_eq!(linear, nav_order, "spine and nav disagree");
}

#[test]
fn attached_files_are_packaged_intact_and_linked_from_the_resources_page() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let resources = epub.text("OEBPS/resources.xhtml");
    let links: Vec<(String, String)> = named(&resources, "a")
        .into_iter()
        .map(|a| (a.text.clone(), a.attrs["href"].clone()))
        .collect();
    for (title, source) in [
        ("Data table (CSV)", "content/package/data.csv"),
        ("Raw bytes", "content/package/files/blob.bin"),
    ] {
        let (_, href) = links
            .iter()
            .find(|(t, _)| t == title)
            .unwrap_or_else(|| panic!("no link titled {title:?}: {links:?}"));
        assert!(href.starts_with("attachments/"), "{title}: {href}");
        assert_eq!(
            epub.files.get(&format!("OEBPS/{href}")),
            Some(&project.read(source)),
            "{title}: {href} is missing or altered"
        );
    }
    let packaged: Vec<&String> = epub
        .order
        .iter()
        .filter(|n| n.starts_with("OEBPS/attachments/"))
        .collect();
    assert_eq!(packaged.len(), 2, "{packaged:?}");
}

#[test]
fn url_attachments_are_external_links() {
    let url = "https://example.org/project?view=all&lang=fr";
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let resources = epub.text("OEBPS/resources.xhtml");
    let link = named(&resources, "a")
        .into_iter()
        .find(|a| a.text == "Project website")
        .expect("a link for the url attachment");
    assert_eq!(link.attr("href"), Some(url));
    assert!(
        epub.all_text().contains("Where the project lives."),
        "the url attachment's description is not shown"
    );
    let opf = epub.opf();
    assert!(
        !named(&opf, "item")
            .iter()
            .any(|i| i.attrs["href"].contains("example.org")),
        "a web link was listed as a package resource"
    );
}

#[test]
fn a_cover_image_is_declared_as_the_cover() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let opf = epub.opf();
    let covers: Vec<_> = named(&opf, "item")
        .into_iter()
        .filter(|i| {
            i.attr("properties")
                .is_some_and(|p| p.split_whitespace().any(|p| p == "cover-image"))
        })
        .collect();
    assert_eq!(covers.len(), 1, "one cover-image item expected");
    assert_eq!(covers[0].attr("media-type"), Some("image/png"));
    assert_eq!(
        epub.files
            .get(&format!("OEBPS/{}", covers[0].attrs["href"])),
        Some(&project.read("content/package/cover.png")),
        "the cover item is not the cover file"
    );
}

#[test]
fn package_ids_are_unique_and_every_reference_resolves() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let opf = epub.opf();
    let all = elements(&opf);
    let mut ids = BTreeSet::new();
    for id in all.iter().filter_map(|e| e.attr("id")) {
        assert!(ids.insert(id), "id {id:?} is used twice in the OPF");
    }
    for e in &all {
        for (attr, value) in [
            ("idref", e.attr("idref")),
            ("fallback", e.attr("fallback")),
            (
                "refines",
                e.attr("refines").map(|r| r.trim_start_matches('#')),
            ),
        ] {
            if let Some(value) = value {
                assert!(ids.contains(value), "{attr}={value:?} points at no id");
            }
        }
    }
    for (name, doc) in epub.documents() {
        let mut seen = BTreeSet::new();
        for e in elements(&doc) {
            if let Some(id) = e.attr("id") {
                assert!(seen.insert(id.to_string()), "{name}: id {id:?} twice");
            }
        }
    }
}

#[test]
fn the_stylesheet_sizes_everything_in_relative_units() {
    let project = package(&["--format", "epub"]);
    let epub = package_epub(&project);
    let css = epub.text("OEBPS/stylesheet.css");
    let mut font_sizes = 0;
    for (property, value) in css_declarations(&css) {
        if property == "font-size" {
            font_sizes += 1;
        }
        for length in absolute_lengths(&value) {
            assert!(
                property.starts_with("border") && length == "1px",
                "`{property}: {value}` uses the absolute length {length}"
            );
        }
    }
    assert!(font_sizes > 5, "the stylesheet sets few font sizes:\n{css}");
}

/// (property, value) of every declaration, comments removed.
fn css_declarations(css: &str) -> Vec<(String, String)> {
    let mut text = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    text.split('}')
        .filter_map(|block| block.split_once('{').map(|(_, body)| body))
        .flat_map(|body| body.split(';'))
        .filter_map(|decl| decl.split_once(':'))
        .map(|(p, v)| (p.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// Lengths in `px` or `pt` within a CSS value, e.g. `["1px"]`.
fn absolute_lengths(value: &str) -> Vec<String> {
    let lower = value.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    for unit in ["px", "pt"] {
        for (at, _) in lower.match_indices(unit) {
            let start = lower[..at]
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(0, |i| i + 1);
            let after = bytes.get(at + 2).copied().unwrap_or(b' ');
            if start < at && !after.is_ascii_alphanumeric() {
                out.push(lower[start..at + 2].to_string());
            }
        }
    }
    out
}

#[test]
fn the_stylesheet_check_flags_absolute_lengths_outside_hairline_borders() {
    let css = "/* 9px in a comment */ p { font-size: 12px; margin: 0.5em }\n\
               h1 { border-top: 1px solid; border-bottom: 2px solid; font-size: 1.2em }\n\
               pre { font-size: 10.5pt } code { font-family: script }";
    let flagged: Vec<(String, String)> = css_declarations(css)
        .into_iter()
        .flat_map(|(p, v)| {
            absolute_lengths(&v)
                .into_iter()
                .map(move |l| (p.clone(), l))
        })
        .collect();
    let expected = [
        ("font-size", "12px"),
        ("border-top", "1px"),
        ("border-bottom", "2px"),
        ("font-size", "10.5pt"),
    ]
    .map(|(p, l)| (p.to_string(), l.to_string()));
    assert_eq!(flagged, expected);
}

#[test]
fn attachments_whose_names_differ_only_in_unsafe_characters_are_both_packaged() {
    let project = Project::empty();
    project
        .write(
            "content/clash.toml",
            r#"
title = "Clashing names"
date = 2024-03-01

[[sections]]
title = "Only"
body = "Words."

[[attachments]]
title = "With a space"
file = "a b.csv"

[[attachments]]
title = "With an underscore"
file = "a_b.csv"
"#,
        )
        .write("content/a b.csv", "space\n")
        .write("content/a_b.csv", "underscore\n");
    project.run(&["build"]).expect_code(0);
    let epub = Epub::open(&project.path("output/clash.epub"));
    let resources = epub.text("OEBPS/resources.xhtml");
    for (title, source) in [
        ("With a space", "content/a b.csv"),
        ("With an underscore", "content/a_b.csv"),
    ] {
        let link = named(&resources, "a")
            .into_iter()
            .find(|a| a.text == title)
            .unwrap_or_else(|| panic!("no link {title:?}"));
        assert_eq!(
            epub.files.get(&format!("OEBPS/{}", link.attrs["href"])),
            Some(&project.read(source)),
            "{title} is not packaged intact"
        );
    }
}

#[test]
fn without_a_cover_the_edition_gets_a_typeset_svg_cover_with_its_title() {
    let title = "Cover <test> & \"quotes\"";
    let project = Project::empty();
    project.write("content/minimal.toml", minimal(title));
    project.run(&["build", "--format", "epub"]).expect_code(0);
    let epub = Epub::open(&project.path("output/minimal.epub"));
    let opf = epub.opf();
    let covers: Vec<_> = named(&opf, "item")
        .into_iter()
        .filter(|i| i.attr("properties") == Some("cover-image"))
        .collect();
    assert_eq!(covers.len(), 1, "one cover-image item expected:\n{opf}");
    assert_eq!(covers[0].attr("media-type"), Some("image/svg+xml"));
    let svg = epub.text(&format!("OEBPS/{}", covers[0].attrs["href"]));
    assert_eq!(
        texts(&svg, "title"),
        // Escaped, and with the language's quotes, as both editions print it.
        ["Cover <test> & “quotes”"],
        "the cover's title is not literal:\n{svg}"
    );
    let shown = texts(&svg, "text").join(" ");
    assert!(
        shown.contains("Cover <test> &"),
        "the cover does not show the title:\n{svg}"
    );
}

/// The EPUB renames an attachment whose name is not safe in the container
/// (`a b.csv` → `a_b.csv`) and numbers one whose name is taken: a number is
/// itself checked against every name, so three real files named `a b.csv`,
/// `a_b.csv` and `001-a_b.csv` all arrive (this failed as a duplicate file).
#[test]
fn attachments_renamed_into_each_others_names_all_arrive_under_distinct_names() {
    let project = Project::empty();
    project
        .write("content/a b.csv", "one\n")
        .write("content/a_b.csv", "two\n")
        .write("content/001-a_b.csv", "three\n")
        .write(
            "content/g.toml",
            "title = \"G\"\ndate = 2025-01-01\n[[sections]]\ntitle = \"S\"\nbody = \"x\"\n\
             [[attachments]]\ntitle = \"One\"\nfile = \"a b.csv\"\n\
             [[attachments]]\ntitle = \"Two\"\nfile = \"a_b.csv\"\n\
             [[attachments]]\ntitle = \"Three\"\nfile = \"001-a_b.csv\"\n",
        );
    project.run(&["build"]).expect_code(0);
    let epub = Epub::open(&project.path("output/g.epub"));
    let contents: BTreeSet<String> = epub
        .order
        .iter()
        .filter(|name| name.starts_with("OEBPS/attachments/"))
        .map(|name| epub.text(name))
        .collect();
    assert_eq!(
        contents,
        BTreeSet::from(["one\n".into(), "two\n".into(), "three\n".into()])
    );
}
