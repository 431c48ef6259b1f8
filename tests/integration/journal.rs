//! The write journal: outputs renamed into place just before a build was
//! killed stay provably briefpress's own, though the cache never recorded them.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::harness::Project;
use crate::trust::run_bounded;

/// Publications of the project [`killed_after_building`] makes.
const COUNT: usize = 8;
/// How many times a kill is tried before the test gives up.
const TRIES: usize = 4;
const JOURNAL: &str = "output/.briefpress-journal";

fn project() -> Project {
    let project = Project::empty();
    for i in 0..COUNT {
        project.write(
            &format!("content/p{i}.toml"),
            format!(
                "title = \"Publication {i}\"\ndate = 2021-10-19\n\n\
                 [[sections]]\ntitle = \"Findings\"\nfile = \"p{i}/body.md\"\n"
            ),
        );
        project.write(&format!("content/p{i}/body.md"), format!("Finding {i}.\n"));
    }
    project
}

/// Whether the build cache of `project` records `output/<path>` as the
/// file that is there now (in any of an entry's lists).
fn cache_proves(project: &Project, path: &str) -> bool {
    let Ok(bytes) = fs::read(project.path(&format!("output/{path}"))) else {
        return false;
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let Some(cache) = project.cache_in("output") else {
        return false;
    };
    cache["entries"].as_object().is_some_and(|entries| {
        entries.values().any(|entry| {
            ["outputs", "earlier", "stale"].iter().any(|list| {
                entry[*list].as_array().is_some_and(|records| {
                    records
                        .iter()
                        .any(|r| r["path"] == path && r["blake3"] == hash.as_str())
                })
            })
        })
    })
}

/// The publications whose outputs are on disk but not recorded by the cache.
fn unrecorded(project: &Project) -> Vec<usize> {
    (0..COUNT)
        .filter(|i| {
            let pdf = format!("p{i}.pdf");
            project.path(&format!("output/{pdf}")).exists() && !cache_proves(project, &pdf)
        })
        .collect()
}

/// A project whose `build` was killed (SIGKILL) right after it reported a
/// publication built, before the cache was saved again: the publications
/// whose outputs are on disk and not in the cache. Tries again in a new
/// project when the kill came after a save (a slow first compile).
fn killed_after_building() -> (Project, Vec<usize>) {
    for _ in 0..TRIES {
        let project = project();
        let mut child = Command::new(env!("CARGO_BIN_EXE_briefpress"))
            .args(["build", "-j", "1"])
            .current_dir(project.root())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start briefpress build");
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut built = 0;
        for line in stderr.lines().map_while(Result::ok) {
            // Printed once its outputs are renamed into place.
            if line.trim_start().starts_with("Built") {
                built += 1;
                if built == 2 {
                    break;
                }
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        assert_eq!(built, 2, "the build ended before it was killed");
        let unrecorded = unrecorded(&project);
        if !unrecorded.is_empty() {
            return (project, unrecorded);
        }
    }
    panic!("in {TRIES} tries, every kill came after the cache was saved");
}

#[test]
fn outputs_written_just_before_a_kill_are_replaced_as_briefpress_s_own() {
    let (project, unrecorded) = killed_after_building();
    assert!(
        project.path(JOURNAL).exists(),
        "the killed build left its journal"
    );
    for i in 0..COUNT {
        project.write(&format!("content/p{i}/body.md"), format!("Revised {i}.\n"));
    }
    let run = run_bounded(&project, &["build"]);
    run.expect_code(0);
    assert!(!run.stderr.contains("output-conflict"), "{}", run.stderr);
    for i in &unrecorded {
        assert!(
            run.stderr.contains(&format!("Built content/p{i}.toml")),
            "{}",
            run.stderr
        );
        assert!(cache_proves(&project, &format!("p{i}.pdf")));
        assert!(cache_proves(&project, &format!("p{i}.epub")));
    }
    assert!(
        !project.path(JOURNAL).exists(),
        "the journal is folded into the cache and removed"
    );
}

#[test]
fn a_publication_proven_only_by_the_journal_is_stale_once_deleted_and_pruned() {
    let (project, unrecorded) = killed_after_building();
    let i = unrecorded[0];
    fs::remove_file(project.path(&format!("content/p{i}.toml"))).unwrap();
    let run = run_bounded(&project, &["build"]);
    run.expect_code(0);
    let pdf = format!("output/p{i}.pdf");
    let reported = |label: &str| {
        run.stderr.lines().any(|line| {
            line.trim_start().starts_with(label) && line.contains(&pdf) && line.contains(".epub")
        })
    };
    assert!(reported("Stale"), "{}", run.stderr);
    let run = run_bounded(&project, &["build", "--prune"]);
    run.expect_code(0);
    let pruned = run.stderr.lines().any(|line| {
        line.trim_start().starts_with("Pruned") && line.contains(&pdf) && line.contains(".epub")
    });
    assert!(pruned, "{}", run.stderr);
    assert!(!project.path(&pdf).exists());
    assert!(!project.path(&format!("output/p{i}.epub")).exists());
}

#[test]
fn a_journal_record_proves_only_the_file_it_describes() {
    let (project, unrecorded) = killed_after_building();
    let i = unrecorded[0];
    // Edited since the killed build wrote it: the journal's hash no longer matches.
    let pdf = format!("output/p{i}.pdf");
    let mut edited = project.read(&pdf);
    edited.extend_from_slice(b"% edited by hand\n");
    project.write(&pdf, &edited);
    project.write(&format!("content/p{i}/body.md"), "Revised.\n");
    let run = run_bounded(&project, &["build"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("output-conflict") && run.stderr.contains(&pdf),
        "{}",
        run.stderr
    );
    assert_eq!(project.read(&pdf), edited, "a file it cannot prove is kept");
}

#[test]
fn a_journal_of_garbage_or_too_large_is_ignored_with_a_warning() {
    let project = project();
    run_bounded(&project, &["build"]).expect_code(0);
    project.write(
        "content/p0/body.md",
        "Revised, while the journal is junk.\n",
    );
    project.write(
        JOURNAL,
        b"\xff garbage\n{\"stem\":\"p0\"}\n[[[[[[\ntorn {\"st",
    );
    let run = run_bounded(&project, &["build"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("skipped 3 unreadable record(s) of the write journal"),
        "{}",
        run.stderr
    );
    assert!(!project.path(JOURNAL).exists());
    // A journal larger than any a build leaves is not read at all.
    project.write(JOURNAL, vec![b'\n'; 5 << 20]);
    let run = run_bounded(&project, &["build"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("ignoring the write journal") && run.stderr.contains("more than"),
        "{}",
        run.stderr
    );
    assert!(!project.path(JOURNAL).exists());
    // A symlink there is never written through: publications that would
    // write fail, and say why; the link's target is untouched.
    let target = project.path("elsewhere.txt");
    fs::write(&target, "keep").unwrap();
    std::os::unix::fs::symlink(&target, project.path(JOURNAL)).unwrap();
    project.write("content/p1/body.md", "Revised again.\n");
    let run = run_bounded(&project, &["build"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("cannot write `output/.briefpress-journal`"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&target).unwrap(), b"keep");
}
