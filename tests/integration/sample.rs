//! The sample publication builds into a PDF and an EPUB that carry all of it.

use crate::harness::{Epub, built_sample, pdf_attachments, pdf_info, pdf_sections, pdf_text};

const SECTIONS: [&str; 5] = [
    "About this assessment",
    "A changing threat",
    "The pandemic effect",
    "Recommendations",
    "About the Alliance",
];

#[test]
fn sample_builds_both_editions_with_every_section_figure_and_attachment() {
    let project = built_sample();
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "gta-2021.epub", "gta-2021.pdf"]
    );

    let pdf = project.path("output/gta-2021.pdf");
    let text = pdf_text(&pdf);
    for needle in SECTIONS.iter().chain(&[
        "60,000",
        "77%",
        "Attachments & resources",
        "Key figures (CSV)",
    ]) {
        assert!(text.contains(needle), "PDF text lacks {needle:?}:\n{text}");
    }
    let mut outline = SECTIONS.map(String::from).to_vec();
    outline.push("Attachments & resources".into());
    assert_eq!(pdf_sections(&pdf), outline);

    let info = pdf_info(&pdf);
    assert_eq!(info["Title"], "Global Threat Assessment 2021");
    assert_eq!(info["Author"], "WeProtect Global Alliance");
    assert!(info["Keywords"].contains("online safety"), "{info:?}");
    assert_eq!(info["Tagged"], "yes");
    assert_eq!(info["Page size"], "595.276 x 841.89 pts (A4)");

    let attached = pdf_attachments(&pdf);
    for (name, source) in [
        (
            "brief-summary.pdf",
            "content/gta-2021/attachments/brief-summary.pdf",
        ),
        (
            "key-figures.csv",
            "content/gta-2021/attachments/key-figures.csv",
        ),
    ] {
        assert_eq!(
            attached.get(name),
            Some(&project.read(source)),
            "{name} not embedded intact"
        );
    }

    let epub = Epub::open(&project.path("output/gta-2021.epub"));
    let nav = epub.nav_titles();
    assert_eq!(
        nav.first().map(String::as_str),
        Some("Global Threat Assessment 2021")
    );
    assert_eq!(nav[1..], outline[..], "EPUB nav and PDF outline disagree");
}
