//! What a run prints: plain lines when not on a terminal, a progress bar on
//! one, `-q` for errors only, `-v` for everything, `check`'s own word, and
//! `--deny-warnings` failing a run on any warning, fresh or not.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

use crate::corpus::{brief, broken, events, expect, statuses};
use crate::harness::{Project, Run};

/// A publication whose body has an empty heading: it builds, with one warning.
fn with_warning(title: &str) -> String {
    brief(title).replace(
        &format!("body = \"What {title} found.\"\n"),
        "body = \"What we found.\\n\\n##\\n\\nMore.\"\n",
    )
}

/// The lines of `stderr` that report a publication or the summary.
/// `text` without the terminal's control sequences (`ESC [ … letter`), such
/// as the erase-line a progress bar writes before the line that replaces it.
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Status lines with the publications' lines sorted (workers finish in any
/// order) and the summary kept last.
fn in_order(mut lines: Vec<String>) -> Vec<String> {
    let summary = lines.iter().position(|l| l.starts_with("Finished "));
    let summary = summary.map(|at| lines.remove(at));
    lines.sort();
    lines.extend(summary);
    lines
}

fn status_lines(stderr: &str) -> Vec<String> {
    const LABELS: &[&str] = &[
        "Built", "Checked", "Fresh", "Failed", "Skipped", "Finished", "Denied",
    ];
    without_escapes(stderr)
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            LABELS
                .iter()
                .any(|label| l.starts_with(&format!("{label} ")))
        })
        .map(|l| match l.rfind(" (") {
            // Times vary: keep the words.
            Some(at) if l.ends_with(" ms)") => l[..at].to_string(),
            _ => l.split(" in ").next().unwrap_or(l).to_string(),
        })
        .collect()
}

#[test]
fn check_reports_checked_never_built() {
    let project = Project::empty();
    project.write("content/a.toml", brief("A"));
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(0);
    assert_eq!(statuses(&run), expect(&[("content/a.toml", "checked")]));
    let summary = &events(&run, "summary")[0];
    assert_eq!(summary["checked"], 1, "{summary}");
    assert!(summary.get("built").is_none(), "{summary}");

    let human = project.run(&["check"]);
    human.expect_code(0);
    assert_eq!(
        status_lines(&human.stderr),
        [
            "Checked content/a.toml",
            "Finished 1 checked, 0 fresh, 0 failed"
        ]
    );
}

#[test]
fn without_a_terminal_every_publication_gets_its_line_as_before() {
    let project = Project::empty();
    project.write("content/a.toml", brief("A"));
    project.write("content/b.toml", brief("B"));
    let first = project.run(&["build", "-f", "pdf"]);
    first.expect_code(0);
    // Two workers: the publications' lines come in either order.
    assert_eq!(
        in_order(status_lines(&first.stderr)),
        [
            "Built content/a.toml → output/a.pdf",
            "Built content/b.toml → output/b.pdf",
            "Finished 2 built, 0 fresh, 0 failed",
        ]
    );
    let again = project.run(&["build", "-f", "pdf"]);
    again.expect_code(0);
    assert_eq!(
        in_order(status_lines(&again.stderr)),
        [
            "Fresh content/a.toml → output/a.pdf",
            "Fresh content/b.toml → output/b.pdf",
            "Finished 0 built, 2 fresh, 0 failed",
        ]
    );
}

#[test]
fn quiet_prints_only_errors() {
    let project = Project::empty();
    project.write("content/a.toml", brief("A"));
    project.write("content/b.toml", with_warning("B"));
    let built = project.run(&["build", "-f", "pdf", "-q"]);
    built.expect_code(0);
    assert_eq!(built.stderr, "", "nothing but errors");
    assert!(project.path("output/a.pdf").is_file());

    project.write("content/c.toml", broken("C"));
    let failed = project.run(&["build", "-f", "pdf", "--quiet"]);
    failed.expect_code(1);
    assert_eq!(status_lines(&failed.stderr), ["Failed content/c.toml"]);
    assert!(
        failed.stderr.contains("content/c.toml:2:8"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains("warning"), "{}", failed.stderr);
}

#[test]
fn verbose_and_quiet_exclude_each_other() {
    let run = Project::empty().run(&["build", "-q", "-v"]);
    run.expect_code(2);
}

#[test]
fn deny_warnings_fails_the_run_even_when_the_publication_is_fresh() {
    let project = Project::empty();
    project.write("content/clean.toml", brief("Clean"));
    project.write("content/warned.toml", with_warning("Warned"));
    let json = ["-f", "pdf", "--message-format", "json"];

    let denied = project.run(&[&["build", "--deny-warnings"][..], &json].concat());
    denied.expect_code(1);
    assert_eq!(
        statuses(&denied),
        expect(&[
            ("content/clean.toml", "built"),
            ("content/warned.toml", "built")
        ])
    );
    assert_eq!(events(&denied, "summary")[0]["warnings"], 1);

    // Without the flag, warnings do not fail a run.
    let allowed = project.run(&[&["build"][..], &json].concat());
    allowed.expect_code(0);
    assert_eq!(
        statuses(&allowed),
        expect(&[
            ("content/clean.toml", "fresh"),
            ("content/warned.toml", "fresh")
        ])
    );

    // Fresh, but its last build had a warning: built again, reported, denied.
    for _ in 0..2 {
        let again = project.run(&[&["build", "--deny-warnings"][..], &json].concat());
        again.expect_code(1);
        assert_eq!(
            statuses(&again),
            expect(&[
                ("content/clean.toml", "fresh"),
                ("content/warned.toml", "built")
            ])
        );
        let warnings: Vec<_> = events(&again, "diagnostic")
            .into_iter()
            .filter(|d| d["severity"] == "warning")
            .collect();
        assert_eq!(warnings.len(), 1, "{}", again.stdout);
        assert_eq!(warnings[0]["file"], "content/warned.toml");
    }

    let human = project.run(&["build", "-f", "pdf", "--deny-warnings", "-q"]);
    human.expect_code(1);
    assert!(human.stderr.contains("empty heading"), "{}", human.stderr);
    assert!(
        status_lines(&human.stderr).contains(
            &"Denied 1 warning reported, and --deny-warnings fails the run on any warning"
                .to_string()
        ),
        "{}",
        human.stderr
    );

    project.run(&["check", "--deny-warnings"]).expect_code(1);
    project.run(&["check"]).expect_code(0);
    project.write("content/warned.toml", brief("Warned"));
    project
        .run(&["build", "-f", "pdf", "--deny-warnings"])
        .expect_code(0);
}

/// Runs `briefpress ARGS` in `project` with stderr on a pseudo-terminal.
fn on_terminal(project: &Project, args: &[&str]) -> Run {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors into the given integers; the
    // name buffer is not asked for and the sizes are valid.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(opened, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned here only.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = Command::new(env!("CARGO_BIN_EXE_briefpress"))
        .args(args)
        .current_dir(project.root())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("run briefpress");
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(master);
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        // The pty reports EIO once the child's end is closed.
        while let Ok(n) = file.read(&mut chunk) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        bytes
    });
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&reader.join().expect("reader")).into_owned();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    }
}

#[test]
fn on_a_terminal_fresh_publications_are_counted_not_listed() {
    let project = Project::empty();
    for name in ["a", "b", "c"] {
        project.write(&format!("content/{name}.toml"), brief(name));
    }
    project.write("content/d.toml", with_warning("D"));
    let first = on_terminal(&project, &["build", "-f", "pdf"]);
    first.expect_code(0);
    assert!(
        first.stderr.contains("/4"),
        "a progress bar counts n/4: {}",
        first.stderr
    );
    let lines = status_lines(&first.stderr.replace('\r', "\n"));
    assert!(
        lines.contains(&"Built content/d.toml → output/d.pdf".to_string()),
        "a publication with a warning gets its line: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("Built content/a.toml")),
        "{lines:?}"
    );
    assert!(first.stderr.contains("empty heading"), "{}", first.stderr);
    assert!(
        lines.contains(&"Finished 4 built, 0 fresh, 0 failed".to_string()),
        "{lines:?}"
    );

    let again = on_terminal(&project, &["build", "-f", "pdf"]);
    again.expect_code(0);
    let lines = status_lines(&again.stderr.replace('\r', "\n"));
    assert_eq!(lines, ["Finished 0 built, 4 fresh, 0 failed"]);

    let verbose = on_terminal(&project, &["build", "-f", "pdf", "-v"]);
    let lines = status_lines(&verbose.stderr.replace('\r', "\n"));
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("Fresh ")).count(),
        4,
        "{lines:?}"
    );
}
