//! `briefpress init`: a new project builds at once, shows every feature of the
//! format, and never overwrites a file.

use crate::harness::{Epub, Project, pdf_attachments, pdf_text};

#[test]
fn a_new_project_builds_at_once_into_both_editions() {
    let project = Project::empty();
    project.run(&["init"]).expect_code(0);
    assert_eq!(
        project.read(".gitignore"),
        b"# What briefpress builds: run `briefpress build` to make it again.\noutput/\n"
    );
    assert!(project.path("ci/github-actions.yml").is_file());
    assert!(project.path("briefpress.schema.json").is_file());
    assert!(project.path("briefpress.project.schema.json").is_file());
    assert!(
        String::from_utf8_lossy(&project.read("briefpress.toml"))
            .starts_with("#:schema ./briefpress.project.schema.json\n")
    );
    project.run(&["build"]).expect_code(0);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "welcome.epub", "welcome.pdf"]
    );
    // The example shows every feature: key figures, a Markdown-file section
    // with a table, a footnote and an image, a file and a URL attachment.
    let text = pdf_text(&project.path("output/welcome.pdf"));
    for expected in [
        "TOML file describes this publication",
        "lines of typst or HTML",
        "How it works",
        "What goes where",
        "Paths inside a Markdown file",
        "A bar chart with three bars",
        "The CommonMark quick reference",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
    assert!(pdf_attachments(&project.path("output/welcome.pdf")).contains_key("key-figures.csv"));
    let epub = Epub::open(&project.path("output/welcome.epub"));
    assert!(epub.all_text().contains("The key figures (CSV)"));
}

#[test]
fn init_creates_the_folder_it_is_given_and_copies_the_template_on_request() {
    let project = Project::empty();
    project.run(&["init", "site", "--template"]).expect_code(0);
    assert_eq!(
        project.read("site/templates/brief/template.typ"),
        std::fs::read(crate::harness::repo().join("templates/brief/template.typ")).unwrap()
    );
    assert!(project.path("site/templates/brief/epub.css").is_file());
    assert!(project.path("site/content/welcome.toml").is_file());
}

#[test]
fn init_copies_the_report_template_when_named_and_builds_with_it() {
    let project = Project::empty();
    project.run(&["init", "--template=report"]).expect_code(0);
    assert_eq!(
        project.files_under("templates"),
        ["report/epub.css", "report/template.typ"]
    );
    for file in ["template.typ", "epub.css"] {
        assert_eq!(
            project.read(&format!("templates/report/{file}")),
            std::fs::read(crate::harness::repo().join("templates/report").join(file)).unwrap()
        );
    }
    let settings = String::from_utf8(project.read("briefpress.toml")).unwrap();
    assert!(
        settings
            .lines()
            .any(|l| l.starts_with("template = \"report\"")),
        "{settings}"
    );
    // The project's copy is what builds: an edit shows in the PDF.
    let copy = String::from_utf8(project.read("templates/report/template.typ")).unwrap();
    project.write(
        "templates/report/template.typ",
        copy.replace(
            "toc-depth: 2,",
            "toc-depth: 2, marker: [Built with the project copy.],",
        )
        .replace(
            "  // ---- the chapters\n  body\n",
            "  // ---- the chapters\n  marker\n  body\n",
        ),
    );
    project.run(&["build", "-f", "pdf"]).expect_code(0);
    let text = pdf_text(&project.path("output/welcome.pdf"));
    assert!(text.contains("Contents"), "not a report: {text}");
    assert!(text.contains("Built with the project copy."), "{text}");
}

#[test]
fn a_template_name_given_as_the_folder_is_refused() {
    let project = Project::empty();
    let run = project.run(&["init", "--template", "report"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("`report` is read as the project folder")
            && run.stderr.contains("--template=report"),
        "{}",
        run.stderr
    );
    assert!(project.files_under(".").is_empty());
    let run = project.run(&["init", "--template=memo"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("possible values: brief, report"),
        "{}",
        run.stderr
    );
    assert!(project.files_under(".").is_empty());
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let project = Project::empty();
    project.write("content/welcome.toml", "mine");
    let run = project.run(&["init", "--template"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("refusing to overwrite 1 existing file: content/welcome.toml"),
        "{}",
        run.stderr
    );
    assert_eq!(project.files_under("."), ["content/welcome.toml"]);
    assert_eq!(project.read("content/welcome.toml"), b"mine");
}

#[test]
fn init_after_new_keeps_the_identical_schema_new_wrote() {
    let project = Project::empty();
    project.run(&["new", "hello"]).expect_code(0);
    let schema = project.read("briefpress.schema.json");
    let run = project.run(&["init"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("briefpress.schema.json (already there)"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("briefpress.schema.json"), schema);
    assert!(project.path("briefpress.toml").is_file());
    // A file with other contents is still never replaced.
    project.write("content/welcome.toml", "mine");
    project.run(&["init"]).expect_code(2);
    assert_eq!(project.read("content/welcome.toml"), b"mine");
}
