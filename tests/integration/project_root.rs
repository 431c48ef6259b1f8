//! Run from anywhere inside a project: briefpress finds the root the way git
//! and cargo do (the nearest folder above holding `briefpress.toml`), takes
//! its settings from there and writes into its output folder, while paths
//! typed on the command line stay relative to where the user stands.

use crate::corpus::brief;
use crate::harness::Project;

/// A project whose `briefpress.toml` sets the output folder and the editions,
/// with one publication in `content/` and one in `content/2021/`.
fn project_with_settings() -> Project {
    let project = Project::empty();
    project
        .write(
            "briefpress.toml",
            "output = \"docs\"\neditions = [\"standard\", \"large-print\"]\n",
        )
        .write("content/x.toml", brief("X"))
        .write("content/2021/y.toml", brief("Y"));
    project
}

#[test]
fn a_build_in_the_content_folder_uses_the_project_root_and_its_settings() {
    let project = project_with_settings();
    let run = project.run_in("content", &["build", "x.toml", "-f", "pdf"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("Built content/x.toml → docs/x.pdf, docs/x.large-print.pdf"),
        "{}",
        run.stderr
    );
    assert_eq!(
        project.files_under("docs"),
        [".briefpress-cache", "x.large-print.pdf", "x.pdf"]
    );
    assert_eq!(project.files_under("content"), ["2021/y.toml", "x.toml"]);
}

#[test]
fn paths_typed_in_a_nested_folder_are_relative_to_it() {
    let project = project_with_settings();
    let run = project.run_in(
        "content/2021",
        &[
            "build",
            "y.toml",
            "../x.toml",
            "--out",
            "../../public",
            "-f",
            "epub",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        project.files_under("public"),
        [".briefpress-cache", "2021/y.epub", "x.epub"]
    );
    assert!(!project.path("content/2021/output").exists());
    assert!(!project.path("content/public").exists());
    // With no publication named, the whole content folder of the root.
    let run = project.run_in("content/2021", &["check"]);
    run.expect_code(0);
    assert!(run.stderr.contains("2 checked"), "{}", run.stderr);
    // `new` adds to the root's content folder too.
    project
        .run_in("content/2021", &["new", "extra"])
        .expect_code(0);
    assert!(project.path("content/extra.toml").is_file());
}

#[test]
fn without_a_project_file_the_current_folder_is_the_root() {
    let project = Project::empty();
    project.write("content/x.toml", brief("X"));
    let run = project.run_in("content", &["build"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(
            "`content` does not exist: run briefpress in the project folder (the one \
             holding `briefpress.toml` or `content/`)"
        ),
        "{}",
        run.stderr
    );
    assert!(!project.path("output").exists());
    assert!(!project.path("content/output").exists());
    project.run(&["build", "-f", "pdf"]).expect_code(0);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "x.pdf"]
    );
}
