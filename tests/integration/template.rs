//! `briefpress template list` and `template export`: the built-in template can
//! be seen, copied into a project, edited, and then builds the publications.

use crate::harness::{Epub, Project, pdf_text, repo};

#[test]
fn list_names_each_template_and_where_it_comes_from() {
    let project = Project::empty();
    let run = project.run(&["template", "list"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with("brief   built-in  "),
        "{}",
        run.stdout
    );
    project.write("templates/house/template.typ", "");
    project.write("templates/notes.txt", "not a template");
    project.run(&["template", "export", "brief"]).expect_code(0);
    let run = project.run(&["template", "list"]);
    run.expect_code(0);
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["brief", "project", "templates/brief/"],
            ["house", "project", "templates/house/"],
            ["report", "built-in", "inside"]
        ]
    );
}

#[test]
fn an_exported_template_builds_the_publications_once_edited() {
    let project = Project::sample();
    project.run(&["template", "export", "brief"]).expect_code(0);
    assert_eq!(
        project.read("templates/brief/template.typ"),
        std::fs::read(repo().join("templates/brief/template.typ")).unwrap()
    );
    // A customisation a template author might make: a closing line after the body,
    // and a colour in the EPUB stylesheet.
    let mut typst = String::from_utf8(project.read("templates/brief/template.typ")).unwrap();
    typst.push_str(
        "\n#let brief-publication = publication\n\
         #let publication(..args) = brief-publication(\n\
         \x20 ..args.named(),\n\
         \x20 args.pos().at(0) + par[Printed with the exported template.],\n\
         )\n",
    );
    project.write("templates/brief/template.typ", typst);
    let mut css = String::from_utf8(project.read("templates/brief/epub.css")).unwrap();
    css.push_str("\n.title { color: #7a1f1f; }\n");
    project.write("templates/brief/epub.css", css);

    project.run(&["build"]).expect_code(0);
    let text = pdf_text(&project.path("output/gta-2021.pdf"));
    assert!(
        text.contains("Printed with the exported template."),
        "{text}"
    );
    let epub = Epub::open(&project.path("output/gta-2021.epub"));
    let stylesheets: Vec<&Vec<u8>> = epub
        .files
        .iter()
        .filter(|(name, _)| name.ends_with(".css"))
        .map(|(_, bytes)| bytes)
        .collect();
    assert!(
        stylesheets
            .iter()
            .any(|css| String::from_utf8_lossy(css).contains("color: #7a1f1f")),
        "the EPUB kept the built-in stylesheet"
    );
}

#[test]
fn export_refuses_an_unknown_template_and_existing_files() {
    let project = Project::empty();
    let run = project.run(&["template", "export", "bref"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("did you mean `brief`?"),
        "{}",
        run.stderr
    );
    project.write("custom/epub.css", "mine");
    let run = project.run(&["template", "export", "brief", "custom"]);
    run.expect_code(2);
    assert!(run.stderr.contains("custom/epub.css"), "{}", run.stderr);
    assert_eq!(project.files_under("."), ["custom/epub.css"]);
}
