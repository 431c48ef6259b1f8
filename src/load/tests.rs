//! Loader diagnostics as snapshots, in both forms a user sees: the human
//! text (codespan-reporting, as `check` prints it) and the JSON lines of
//! `--message-format json`, with the temporary project's path redacted.

use codespan_reporting::term::termcolor::NoColor;

use super::testing::{TestProject, png, rich};
use crate::diag::Diagnostic;

/// A publication with one problem of most kinds, in the TOML file and in a
/// Markdown file it names.
const BROKEN: &str = r#"title = "Broken"
date = 2021-10-19
language = "english please"
authers = ["Ada"]
cover = "/etc/cover.png"

[[sections]]
title = "Inline"
body = """
A [jump](#nowhere), a note[^missing] and ![](chart.png).
"""

[[sections]]
title = "From a file"
file = "part.md"

[[attachments]]
title = "Gone"
file = "../outside.csv"

[[attachments]]
title = "Script"
url = "javascript:alert(1)"
"#;

const PART: &str = "# Part\n\n![a chart](chart.png) and ![a text file](notes.txt)\n\n> > > deep\n";

/// Loads [`BROKEN`] and renders its diagnostics with `render`, redacted.
fn broken(render: impl Fn(&Diagnostic) -> String) -> String {
    let chart = png(2, 2);
    let project = TestProject::new(&[
        ("content/broken.toml", BROKEN.as_bytes()),
        ("content/part.md", PART.as_bytes()),
        ("content/chart.png", &chart),
        ("content/notes.txt", b"not an image"),
    ]);
    let loaded = project.load("content/broken.toml");
    assert!(loaded.publication.is_none(), "errors fail the publication");
    let text: String = loaded.diagnostics.iter().map(render).collect();
    project.redact(&text)
}

#[test]
fn diagnostics_for_people_show_the_line_and_a_hint() {
    insta::assert_snapshot!(broken(|diagnostic| {
        let mut out = NoColor::new(Vec::new());
        diagnostic.emit(&mut out).expect("writing to memory");
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }));
}

#[test]
fn diagnostics_as_json_lines_carry_file_line_and_column() {
    insta::assert_snapshot!(broken(|diagnostic| format!("{}\n", diagnostic.to_json())));
}

#[test]
fn the_rich_fixture_loads_without_a_diagnostic() {
    let publication = rich();
    assert_eq!(publication.sections.len(), 2);
    assert_eq!(
        publication.footnotes.len(),
        4,
        "s, a, b, c; the unused note is dropped"
    );
}
