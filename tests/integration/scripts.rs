//! SVGs that would run code: a `<script>`, an event handler (`onload=`), a
//! `javascript:` value. Reading systems run scripts in an EPUB's SVGs and
//! EPUBCheck rejects an unscripted package holding them, so each is refused
//! at its line in the SVG, whether the SVG is an image, the cover, or an
//! attachment; a static SVG attachment still ships and passes EPUBCheck.

use crate::harness::{Epub, Project};

const OPEN: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\n";

#[test]
fn scripted_svgs_are_refused_as_image_cover_and_attachment() {
    let project = Project::empty();
    project
        .write(
            "content/s/script.svg",
            format!("{OPEN}<rect width=\"5\" height=\"5\"/>\n<script>alert(1)</script>\n</svg>\n"),
        )
        .write(
            "content/s/onload.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"\n     width=\"10\" height=\"10\" onload=\"alert(1)\">\n<rect width=\"5\" height=\"5\"/>\n</svg>\n",
        )
        .write(
            "content/s/evil.svg",
            format!("{OPEN}<a href=\" javascript:alert(1)\"><rect width=\"5\" height=\"5\"/></a>\n<set attributeName=\"onclick\" to=\"alert(1)\"/>\n</svg>\n"),
        )
        .write(
            "content/image.toml",
            "title = \"I\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"![an image](s/script.svg)\"\n",
        )
        .write(
            "content/cover.toml",
            "title = \"C\"\ndate = 2025-01-15\ncover = \"s/onload.svg\"\n[[sections]]\ntitle = \"S\"\nbody = \"Text.\"\n",
        )
        .write(
            "content/attached.toml",
            "title = \"A\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"Text.\"\n\
             [[attachments]]\ntitle = \"Chart\"\nfile = \"s/evil.svg\"\n",
        );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(1);
    let mut errors = run.json_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            (
                "not-an-image".to_string(),
                "content/s/evil.svg:2:4".to_string()
            ),
            ("not-an-image".into(), "content/s/onload.svg:2:29".into()),
            ("not-an-image".into(), "content/s/script.svg:3:1".into()),
        ],
        "{}",
        run.stdout
    );
    for what in [
        "a <script> element",
        "the event handler `onload`",
        "the `javascript:` value of `href`",
    ] {
        assert!(run.stdout.contains(what), "{what}: {}", run.stdout);
    }
    let outputs = project.files_under("output");
    assert!(
        !outputs
            .iter()
            .any(|f| f.ends_with(".pdf") || f.ends_with(".epub")),
        "{outputs:?}"
    );
}

#[test]
fn a_static_svg_attachment_ships_and_passes_epubcheck() {
    let project = Project::empty();
    project
        .write(
            "content/s/chart.svg",
            format!("{OPEN}<title>Chart</title><rect width=\"5\" height=\"5\"/>\n</svg>\n"),
        )
        .write(
            "content/a.toml",
            "title = \"A\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"Text.\"\n\
             [[attachments]]\ntitle = \"Chart\"\nfile = \"s/chart.svg\"\n",
        );
    project
        .run(&["build", "-f", "epub", "--message-format", "json"])
        .expect_code(0);
    let epub = Epub::open(&project.path("output/a.epub"));
    assert!(
        epub.files.contains_key("OEBPS/attachments/chart.svg"),
        "{:?}",
        epub.order
    );
}
