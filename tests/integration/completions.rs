//! `briefpress completions SHELL` and `briefpress manpage`: generated from
//! the argument parser, so they name every command.

use crate::harness::Project;

#[test]
fn bash_completions_name_every_command() {
    let run = Project::empty().run(&["completions", "bash"]);
    run.expect_code(0);
    for command in [
        "build", "check", "init", "new", "template", "schema", "fonts",
    ] {
        assert!(
            run.stdout.contains(command),
            "`{command}` missing from the script"
        );
    }
    assert!(run.stdout.contains("complete -F"), "{}", run.stdout);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let run = Project::empty().run(&["completions", shell]);
        run.expect_code(0);
        assert!(!run.stdout.is_empty(), "{shell}");
    }
}

#[test]
fn the_manual_page_is_roff_and_one_page_per_command_can_be_written() {
    let project = Project::empty();
    let run = project.run(&["manpage"]);
    run.expect_code(0);
    assert!(run.stdout.contains(".TH briefpress 1"), "{}", run.stdout);
    project.run(&["manpage", "man"]).expect_code(0);
    let pages = project.files_under("man");
    for page in [
        "briefpress.1",
        "briefpress-build.1",
        "briefpress-init.1",
        "briefpress-template-export.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} not in {pages:?}");
    }
}
