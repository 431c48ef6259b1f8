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

/// A publication with one section, for the tests below.
const PUBLICATION: &str =
    "title = \"A\"\ndate = 2024-03-01\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n";

/// A project whose `templates/brief` is a link to an exported copy of the
/// built-in template outside it (the folder lives as long as the guard).
fn brief_linked_from_outside() -> (Project, tempfile::TempDir) {
    let project = Project::empty();
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("brief");
    project
        .run(&["template", "export", "brief", &outside.to_string_lossy()])
        .expect_code(0);
    std::fs::create_dir_all(project.path("templates")).unwrap();
    std::os::unix::fs::symlink(&outside, project.path("templates/brief")).unwrap();
    (project, elsewhere)
}

/// A template folder linked from outside the project is flagged by `list`,
/// and `build` refuses it naming its file, the root rule and the way out,
/// not a bare "access denied" blamed on the publication.
#[test]
fn a_template_folder_linked_from_outside_is_flagged_and_refused_by_name() {
    let (project, _elsewhere) = brief_linked_from_outside();
    project.write("content/a.toml", PUBLICATION);

    let list = project.run(&["template", "list"]);
    list.expect_code(0);
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("brief"))
        .unwrap();
    assert!(row.contains("links outside the project"), "{}", list.stdout);
    assert!(
        list.stderr
            .contains("templates/brief/template.typ resolves to")
            && list.stderr.contains("briefpress template export brief"),
        "{}",
        list.stderr
    );

    let build = project.run(&["build", "--message-format", "json"]);
    build.expect_code(1);
    let errors: Vec<_> = build
        .json()
        .into_iter()
        .filter(|e| e["type"] == "diagnostic" && e["severity"] == "error")
        .collect();
    // The cause, then the publication's reference to it.
    assert_eq!(errors.len(), 2, "{}", build.stdout);
    assert_eq!(errors[1]["file"], "content/a.toml", "{}", build.stdout);
    let error = &errors[0];
    assert_eq!(error["file"], "templates/brief/template.typ", "{error}");
    assert_eq!(error["code"], "path-outside-root", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("outside the project root"), "{message}");
    assert!(
        error["hints"][0]
            .as_str()
            .unwrap()
            .contains("briefpress template export brief"),
        "{error}"
    );
    assert!(!project.path("output/a.pdf").exists());
}

/// A linked-outside template used by three publications is one cause: it is
/// reported once, at its file, with where it resolves and the fix; each
/// publication fails with a short reference to it (the one naming the
/// template, at its `template` key), in text and in JSON; its fonts get one
/// warning for their folder. A `--template` naming it stops the run up
/// front, with the same one message; with another template in its place,
/// the cause is still said once, since every PDF reads `brief`.
#[test]
fn a_template_linked_from_outside_is_reported_once_for_all_its_publications() {
    let (project, elsewhere) = brief_linked_from_outside();
    let outside = elsewhere.path().join("brief");
    project
        .write("content/a.toml", PUBLICATION)
        .write("content/b.toml", PUBLICATION)
        .write(
            "content/c.toml",
            PUBLICATION.replace("date =", "template = \"brief\"\ndate ="),
        );
    let real = std::fs::canonicalize(&outside)
        .unwrap()
        .join("template.typ");
    let real = real.to_string_lossy();

    let json = project.run(&["build", "--message-format", "json"]);
    json.expect_code(1);
    let errors: Vec<_> = json
        .json()
        .into_iter()
        .filter(|e| e["type"] == "diagnostic" && e["severity"] == "error")
        .collect();
    let causes: Vec<_> = errors
        .iter()
        .filter(|e| e["message"].as_str().unwrap().contains(&*real))
        .collect();
    assert_eq!(causes.len(), 1, "{}", json.stdout);
    assert_eq!(causes[0]["file"], "templates/brief/template.typ");
    assert_eq!(causes[0]["publication"], serde_json::Value::Null);
    let mut references: Vec<_> = errors
        .iter()
        .filter(|e| e["publication"].is_string())
        .map(|e| {
            assert_eq!(e["file"], e["publication"], "{e}");
            assert_eq!(e["hints"], serde_json::json!([]), "{e}");
            let message = e["message"].as_str().unwrap();
            assert_eq!(
                message,
                "template `brief` cannot be used: \
                 see the error reported for `templates/brief/template.typ`"
            );
            (e["file"].as_str().unwrap().to_string(), e["line"].clone())
        })
        .collect();
    references.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        references,
        [
            ("content/a.toml".to_string(), serde_json::Value::Null),
            ("content/b.toml".to_string(), serde_json::Value::Null),
            ("content/c.toml".to_string(), serde_json::json!(2)),
        ],
        "{}",
        json.stdout
    );
    assert_eq!(errors.len(), 4, "{}", json.stdout);
    // Its fonts are not loaded for the same reason: one warning for the folder.
    let fonts: Vec<_> = json
        .json()
        .into_iter()
        .filter(|e| e["type"] == "diagnostic" && e["severity"] == "warning")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fonts.len(), 1, "{}", json.stdout);
    assert!(
        fonts[0].starts_with("`templates/brief/fonts` leads out of the project root")
            && fonts[0].ends_with("its 7 font files are not loaded"),
        "{}",
        fonts[0]
    );
    let failed = json
        .json()
        .iter()
        .filter(|e| e["type"] == "publication" && e["status"] == "failed")
        .count();
    assert_eq!(failed, 3, "{}", json.stdout);

    let human = project.run(&["build", "-j", "1"]);
    human.expect_code(1);
    assert_eq!(human.stderr.matches(&*real).count(), 1, "{}", human.stderr);
    assert_eq!(
        human
            .stderr
            .matches("briefpress template export brief")
            .count(),
        1,
        "{}",
        human.stderr
    );
    assert_eq!(
        human.stderr.matches("   Failed ").count(),
        3,
        "{}",
        human.stderr
    );
    // The cause comes before the references to it.
    let cause = human
        .stderr
        .find("templates/brief/template.typ: template")
        .unwrap();
    assert!(
        cause < human.stderr.find("cannot be used").unwrap(),
        "{}",
        human.stderr
    );

    let forced = project.run(&["build", "--template", "brief"]);
    forced.expect_code(2);
    assert_eq!(
        forced.stderr.matches(&*real).count(),
        1,
        "{}",
        forced.stderr
    );
    assert!(!forced.stderr.contains("Failed"), "{}", forced.stderr);
    assert!(!project.path("output/a.pdf").exists());
    // Every PDF reads `brief` (for its contract): with another template in
    // its place, the cause is still said once, and each publication says why.
    let replaced = project.run(&["check", "--template", "report"]);
    replaced.expect_code(1);
    assert_eq!(
        replaced.stderr.matches(&*real).count(),
        1,
        "{}",
        replaced.stderr
    );
    let why = "template `report` cannot be used while template `brief`, which every PDF \
               reads, links outside the project: see the error reported for \
               `templates/brief/template.typ`";
    assert_eq!(
        replaced.stderr.matches(why).count(),
        3,
        "{}",
        replaced.stderr
    );
    assert!(
        !replaced.stderr.contains("error[template]"),
        "{}",
        replaced.stderr
    );
    // The EPUB alone does not read `brief`.
    project
        .run(&["build", "--template", "report", "-f", "epub"])
        .expect_code(0);
    assert!(project.path("output/a.epub").exists());
}

/// A template reading a pipe, or a file through a symlink leaving the
/// project, is told which of the two it is.
#[test]
fn a_template_read_of_a_pipe_or_an_outside_link_names_the_true_cause() {
    let project = Project::empty();
    project.write("content/a.toml", PUBLICATION);
    project.run(&["template", "export", "brief"]).expect_code(0);
    let entry = project.path("templates/brief/template.typ");
    let original = std::fs::read_to_string(&entry).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(project.path("content/ff"))
        .status()
        .unwrap();
    assert!(status.success());
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("secret.txt"),
        project.path("content/link.txt"),
    )
    .unwrap();
    for (file, cause) in [
        ("ff", "`content/ff` is not a regular file"),
        ("link.txt", "`content/link.txt` is a symlink to"),
    ] {
        std::fs::write(
            &entry,
            format!("{original}\n#let x = read(\"/content/{file}\")\n"),
        )
        .unwrap();
        let build = project.run(&["build"]);
        build.expect_code(1);
        assert!(build.stderr.contains(cause), "{cause}:\n{}", build.stderr);
        assert!(!build.stderr.contains("is a directory"), "{}", build.stderr);
        assert!(!build.stderr.contains("access denied"), "{}", build.stderr);
    }
}
