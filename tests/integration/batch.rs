//! A batch survives its broken publications: the good ones are built, every
//! problem is reported, the exit code tells CI, and nothing already built is
//! damaged.

use std::collections::BTreeSet;

use crate::corpus::{HOUSE_TEMPLATE, brief, broken, events, expect, identity, statuses};
use crate::harness::Project;

/// Five publications, `c-broken` in the middle.
fn batch_with_one_broken() -> Project {
    let project = Project::empty();
    for name in ["a-good", "b-good", "d-good", "e-good"] {
        project.write(&format!("content/{name}.toml"), brief(name));
    }
    project.write("content/c-broken.toml", broken("c-broken"));
    project
}

#[test]
fn one_broken_publication_fails_the_run_but_the_others_are_built() {
    let project = batch_with_one_broken();
    let run = project.run(&["build", "--format", "pdf"]);
    run.expect_code(1);
    assert_eq!(
        project.files_under("output"),
        [
            ".briefpress-cache",
            "a-good.pdf",
            "b-good.pdf",
            "d-good.pdf",
            "e-good.pdf"
        ]
    );
    assert!(
        run.stderr
            .contains("error[invalid-value]: `date` must be a date, not a string")
            && run.stderr.contains("Failed content/c-broken.toml")
            && run.stderr.contains("Built content/e-good.toml")
            && run.stderr.contains("4 built, 0 fresh, 1 failed"),
        "{}",
        run.stderr
    );
}

/// One publication at a time, stopping at the first failure, JSON events.
const FAIL_FAST_ONE_JOB: &[&str] = &[
    "build",
    "--format",
    "pdf",
    "--fail-fast",
    "-j",
    "1",
    "--message-format",
    "json",
];

#[test]
fn fail_fast_skips_every_publication_not_yet_started() {
    let project = Project::empty();
    project.write("content/a-broken.toml", broken("a-broken"));
    for name in ["b-good", "c-good", "d-good"] {
        project.write(&format!("content/{name}.toml"), brief(name));
    }
    let run = project.run(FAIL_FAST_ONE_JOB);
    run.expect_code(1);
    assert_eq!(
        statuses(&run),
        expect(&[
            ("content/a-broken.toml", "failed"),
            ("content/b-good.toml", "skipped"),
            ("content/c-good.toml", "skipped"),
            ("content/d-good.toml", "skipped"),
        ])
    );
    let summary = &events(&run, "summary")[0];
    assert_eq!(
        (&summary["built"], &summary["failed"], &summary["skipped"]),
        (&0.into(), &1.into(), &3.into())
    );
    assert_eq!(project.files_under("output"), [".briefpress-cache"]);
}

#[test]
fn one_job_builds_in_order_so_fail_fast_keeps_what_came_before_the_failure() {
    let project = batch_with_one_broken();
    let run = project.run(FAIL_FAST_ONE_JOB);
    run.expect_code(1);
    assert_eq!(
        statuses(&run),
        expect(&[
            ("content/a-good.toml", "built"),
            ("content/b-good.toml", "built"),
            ("content/c-broken.toml", "failed"),
            ("content/d-good.toml", "skipped"),
            ("content/e-good.toml", "skipped"),
        ])
    );
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "a-good.pdf", "b-good.pdf"]
    );
}

#[test]
fn check_reports_every_independent_problem_of_a_publication_in_one_run() {
    let project = Project::empty();
    project.write(
        "content/many.toml",
        r#"title = "Many problems"
date = 2021-10-19

[[sections]]
title = "Findings"
id = "findings"
body = "Text."

[[sections]]
title = "More findings"
id = "findings"
file = "many/missing.md"

[[attachments]]
title = "Data"
url = "ftp://example.org/data.csv"
"#,
    );
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(1);
    let found: BTreeSet<(String, u64)> = events(&run, "diagnostic")
        .iter()
        .map(|d| {
            assert_eq!(d["file"], "content/many.toml", "{d}");
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            ("duplicate".to_string(), 11),
            ("missing-file".to_string(), 12),
            ("invalid-url".to_string(), 16),
        ]),
        "{}",
        run.stdout
    );
    assert_eq!(events(&run, "publication")[0]["errors"], 3);
}

#[test]
fn two_publications_writing_the_same_output_stop_the_run_before_any_work() {
    // Outputs are named after the path inside content/, or inside the project
    // for publications elsewhere: `x.toml` and `content/x.toml` are both `x`.
    let project = Project::empty();
    project.write("x.toml", brief("From the root"));
    project.write("content/x.toml", brief("From content"));
    for command in ["build", "check"] {
        let run = project.run(&[command, "x.toml", "content", "--message-format", "json"]);
        run.expect_code(1);
        let lines = run.json();
        assert_eq!(
            lines.len(),
            1,
            "only the conflict, no work:\n{}",
            run.stdout
        );
        assert_eq!(lines[0]["code"], "output-conflict");
        let message = lines[0]["message"].as_str().unwrap();
        assert!(
            message.contains("`x.toml`") && message.contains("content/x.toml"),
            "{message}"
        );
    }
    assert!(
        !project.path("output").exists(),
        "nothing may be written: {:?}",
        project.files_under("output")
    );
}

#[test]
fn naming_the_same_folder_twice_builds_each_publication_once() {
    let project = Project::empty();
    project.write("content/x.toml", brief("Once"));
    let run = project.run(&["build", "content", "content", "--format", "pdf"]);
    run.expect_code(0);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "x.pdf"]
    );
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error_and_nothing_is_built() {
    let project = Project::empty();
    project.write("content/x.toml", brief("Real"));
    for command in ["build", "check"] {
        let run = project.run(&[command, "content", "no-such-folder"]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("`no-such-folder` does not exist"),
            "{}",
            run.stderr
        );
    }
    assert!(!project.path("output").exists());
}

#[test]
fn a_publication_whose_name_is_not_utf8_is_refused_once_by_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let project = Project::empty();
    project.write("content/good.toml", brief("Good"));
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.toml");
    std::fs::write(project.path("content").join(name), brief("Bad")).unwrap();
    for args in [&["build", "-f", "pdf"][..], &["check"]] {
        let run = project.run(args);
        run.expect_code(2);
        assert!(
            run.stderr.contains(
                "`content/bad\\xff.toml`: the publication's file or folder name is not UTF-8; \
                 rename it"
            ),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.matches("error[").count(), 1, "{}", run.stderr);
    }
    assert!(!project.path("output").exists());
}

#[test]
fn a_folder_without_publications_is_a_usage_error() {
    let project = Project::empty();
    project.write("content/notes.md", "Not a publication.\n");
    let run = project.run(&["build"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no publications"), "{}", run.stderr);
}

#[test]
fn json_messages_are_one_typed_object_per_line_with_locations_and_outputs() {
    let project = batch_with_one_broken();
    project.write(
        "content/f-bad-link.toml",
        brief("f").replace("What f found.", "See [there](#nowhere)."),
    );
    let run = project.run(&["build", "--format", "pdf", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(run.stderr, "", "JSON mode keeps stderr quiet");
    let lines = run.json();
    for line in &lines {
        let kind = line["type"]
            .as_str()
            .unwrap_or_else(|| panic!("no type: {line}"));
        match kind {
            "diagnostic" => {
                for key in ["file", "code", "severity", "message", "publication"] {
                    assert!(line[key].is_string(), "diagnostic without {key}: {line}");
                }
                for key in ["line", "column"] {
                    assert!(line[key].is_u64(), "diagnostic without {key}: {line}");
                }
                assert!(line["hints"].is_array(), "{line}");
            }
            "publication" => {
                assert!(line["file"].is_string(), "{line}");
                assert!(line["status"].is_string(), "{line}");
                assert!(line["outputs"].is_array(), "{line}");
            }
            "summary" => {}
            other => panic!("unexpected event type {other}: {line}"),
        }
    }
    assert_eq!(
        lines.last().unwrap()["type"],
        "summary",
        "summary comes last"
    );

    let diagnostics = events(&run, "diagnostic");
    let at: BTreeSet<(&str, &str, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        BTreeSet::from([
            ("invalid-value", "content/c-broken.toml", 2, 8),
            ("invalid-link", "content/f-bad-link.toml", 6, 13),
        ])
    );

    let publications = events(&run, "publication");
    let good = publications
        .iter()
        .find(|p| p["file"] == "content/a-good.toml")
        .unwrap();
    assert_eq!(good["status"], "built");
    assert_eq!(good["outputs"], serde_json::json!(["output/a-good.pdf"]));
    let bad = publications
        .iter()
        .find(|p| p["file"] == "content/c-broken.toml")
        .unwrap();
    assert_eq!(bad["status"], "failed");
    assert_eq!(bad["outputs"], serde_json::json!([]));
    assert_eq!(bad["errors"], 1);

    let summary = lines.last().unwrap();
    assert_eq!(
        (&summary["built"], &summary["failed"]),
        (&4.into(), &2.into())
    );
}

#[test]
fn a_publication_that_now_fails_keeps_its_previous_outputs_intact() {
    let project = Project::empty();
    project.write("templates/house/template.typ", HOUSE_TEMPLATE);
    project.write(
        "content/styled.toml",
        brief("Styled").replace(
            "date = 2021-10-19\n",
            "date = 2021-10-19\ntemplate = \"house\"\n",
        ),
    );
    project.write("content/plain.toml", brief("Plain"));
    project.run(&["build"]).expect_code(0);
    let outputs = ["styled.pdf", "styled.epub", "plain.pdf", "plain.epub"];
    let before: Vec<_> = outputs
        .iter()
        .map(|name| {
            let path = project.path(&format!("output/{name}"));
            (project.read(&format!("output/{name}")), identity(&path))
        })
        .collect();

    // The PDF of `styled` now fails to compile; its EPUB would still render.
    project.write(
        "templates/house/template.typ",
        HOUSE_TEMPLATE.replace("body\n", "body\n  undefined-function()\n"),
    );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        statuses(&run),
        expect(&[
            ("content/plain.toml", "fresh"),
            ("content/styled.toml", "failed"),
        ])
    );

    for (name, (bytes, id)) in outputs.iter().zip(&before) {
        let path = project.path(&format!("output/{name}"));
        assert!(
            project.read(&format!("output/{name}")) == *bytes,
            "{name} changed after a failed build"
        );
        assert_eq!(identity(&path), *id, "{name} was rewritten");
    }
    assert_eq!(
        crate::trust::leftovers(&project),
        Vec::<String>::new(),
        "temporary files left"
    );
}

#[test]
fn check_writes_nothing() {
    let project = batch_with_one_broken();
    project.run(&["check"]).expect_code(1);
    project
        .run(&["check", "content/a-good.toml"])
        .expect_code(0);
    assert!(
        !project.path("output").exists(),
        "check created {:?}",
        project.files_under("output")
    );
}
