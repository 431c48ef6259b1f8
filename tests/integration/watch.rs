//! `briefpress watch`: builds, rebuilds exactly what an edit affects with the
//! project kept warm, never rebuilds because of its own outputs, keeps
//! watching after an error, and stops on Ctrl-C leaving no temporary file.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::corpus::{HOUSE_TEMPLATE, broken};
use crate::harness::{Project, pdf_text};

const ALPHA: &str = "content/alpha.toml";
const BETA: &str = "content/beta.toml";
/// How long a pass may take on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// `alpha` (project template `house`, its text in `alpha/body.md`) and `beta`
/// (built-in template, inline text).
fn project() -> Project {
    let project = Project::empty();
    project.write("templates/house/template.typ", HOUSE_TEMPLATE);
    project.write("content/alpha.toml", alpha());
    project.write("content/alpha/body.md", "What we found.\n");
    project.write(
        "content/beta.toml",
        "title = \"Beta\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nbody = \"Beta's findings.\"\n",
    );
    project
}

fn alpha() -> String {
    "title = \"Alpha\"\ndate = 2021-10-19\ntemplate = \"house\"\n\n\
     [[sections]]\ntitle = \"Findings\"\nfile = \"alpha/body.md\"\n"
        .to_string()
}

/// Makes alpha read its text from `file` (under `content/`) instead of
/// `alpha/body.md`, then starts a PDF-only watch with JSON messages and
/// waits for its first pass.
fn watch_alpha_reading(project: &Project, file: &str) -> Watch {
    project.write("content/alpha.toml", alpha().replace("alpha/body.md", file));
    let mut watch = Watch::start(project, &["--format", "pdf", "--message-format", "json"]);
    watch.pass();
    watch
}

/// A line one of the watch's streams printed.
enum Line {
    Out(String),
    Err(String),
}

/// A running `briefpress watch`, killed if the test ends without stopping it.
struct Watch {
    child: Child,
    lines: Receiver<Line>,
    /// Everything read so far, for failure messages.
    seen: Vec<String>,
}

/// Starts `briefpress watch` with `args` in `project`, its stdout and
/// stderr piped to the test.
pub fn spawn_watch(project: &Project, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_briefpress"))
        .arg("watch")
        .args(args)
        .current_dir(project.root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start briefpress watch")
}

impl Watch {
    fn start(project: &Project, args: &[&str]) -> Self {
        let mut child = spawn_watch(project, args);
        let (sender, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let to = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = to.send(Line::Out(line));
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = sender.send(Line::Err(line));
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line, or `None` if `wait` passed without one.
    fn next(&mut self, wait: Duration) -> Option<Line> {
        match self.lines.recv_timeout(wait) {
            Ok(line) => {
                self.seen.push(match &line {
                    Line::Out(text) => format!("out: {text}"),
                    Line::Err(text) => format!("err: {text}"),
                });
                Some(line)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("briefpress watch ended early:\n{}", self.seen.join("\n"))
            }
        }
    }

    /// The JSON events of the next pass, its summary last.
    fn pass(&mut self) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(Line::Out(text)) => {
                    let event: serde_json::Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("not JSON: {text}: {e}"));
                    let last = event["type"] == "summary";
                    events.push(event);
                    if last {
                        return events;
                    }
                }
                Some(Line::Err(_)) => {}
                None => panic!(
                    "no pass finished within {PATIENCE:?}:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The stderr lines up to and including the next `Finished` line.
    fn human_pass(&mut self) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(Line::Err(text)) => {
                    let last = text.trim_start().starts_with("Finished");
                    lines.push(text);
                    if last {
                        return lines;
                    }
                }
                Some(Line::Out(text)) => panic!("human messages go to stderr, got {text}"),
                None => panic!(
                    "no pass finished within {PATIENCE:?}:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Asserts that the watch prints nothing on stdout (no pass) for `quiet`.
    fn assert_idle(&mut self, quiet: Duration) {
        let deadline = Instant::now() + quiet;
        while let Some(line) = self.next(deadline.saturating_duration_since(Instant::now())) {
            if let Line::Out(text) = line {
                panic!(
                    "a pass started without a change (its own outputs?): {text}\n{}",
                    self.seen.join("\n")
                );
            }
        }
    }

    /// Sends SIGINT (Ctrl-C) and returns the exit code.
    fn interrupt(mut self) -> i32 {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) with a valid pid and signal has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or_else(|| {
                    panic!("killed by a signal: {status:?}\n{}", self.seen.join("\n"))
                });
            }
            assert!(
                Instant::now() < deadline,
                "briefpress watch did not stop on Ctrl-C:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publication → status in a pass's events.
fn statuses(events: &[serde_json::Value]) -> BTreeMap<String, String> {
    events
        .iter()
        .filter(|e| e["type"] == "publication")
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(file, status)| (file.to_string(), status.to_string()))
        .collect()
}

#[test]
fn watch_rebuilds_exactly_what_changed_keeps_going_after_errors_and_stops_cleanly() {
    let project = project();
    let mut watch = Watch::start(&project, &["--format", "pdf", "--message-format", "json"]);
    let first = watch.pass();
    assert_eq!(
        statuses(&first),
        expect(&[(ALPHA, "built"), (BETA, "built")])
    );
    // Its own outputs, cache and lock never start another pass.
    watch.assert_idle(Duration::from_millis(1500));

    project.write("content/alpha/body.md", "What we found out later.\n");
    let edit = watch.pass();
    assert_eq!(
        statuses(&edit),
        expect(&[(ALPHA, "built"), (BETA, "fresh")])
    );
    assert!(
        pdf_text(&project.path("output/alpha.pdf")).contains("found out later"),
        "the rebuilt PDF has the new text"
    );

    // An error is reported, and the watch goes on.
    project.write("content/alpha.toml", broken("Alpha"));
    let failed = watch.pass();
    assert_eq!(
        statuses(&failed),
        expect(&[(ALPHA, "failed"), (BETA, "fresh")])
    );
    assert!(
        failed
            .iter()
            .any(|e| e["type"] == "diagnostic" && e["code"] == "invalid-value"),
        "{failed:?}"
    );
    // Fixed with a new title: built again. (Fixed back to exactly what the
    // outputs were built from, it would be fresh: they still match.)
    project.write(
        "content/alpha.toml",
        alpha().replace("\"Alpha\"", "\"Alpha, revised\""),
    );
    let fixed = watch.pass();
    assert_eq!(
        statuses(&fixed),
        expect(&[(ALPHA, "built"), (BETA, "fresh")])
    );

    // A template change reaches the PDF: the project is resolved again.
    project.write(
        "templates/house/template.typ",
        HOUSE_TEMPLATE.replace("  body\n", "  [Second house style]\n  parbreak()\n  body\n"),
    );
    let restyled = watch.pass();
    assert_eq!(
        statuses(&restyled),
        expect(&[(ALPHA, "built"), (BETA, "fresh")])
    );
    assert!(
        pdf_text(&project.path("output/alpha.pdf")).contains("Second house style"),
        "the PDF follows the edited template"
    );

    assert_eq!(watch.interrupt(), 0);
    let left: Vec<String> = project
        .files_under("output")
        .into_iter()
        .filter(|name| {
            (name.contains(".briefpress-") && name != ".briefpress-cache")
                || name.ends_with(".lock")
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn watch_tells_people_what_was_rebuilt_and_not_what_is_fresh() {
    let project = project();
    let mut watch = Watch::start(&project, &["--format", "pdf"]);
    let first = watch.human_pass();
    assert!(
        first
            .iter()
            .any(|l| l.trim_start().starts_with("Built content/alpha.toml")),
        "{first:#?}"
    );
    project.write("content/alpha/body.md", "Revised.\n");
    let edit = watch.human_pass();
    assert!(
        edit.iter()
            .any(|l| l.trim_start() == "Changed content/alpha/body.md"),
        "{edit:#?}"
    );
    assert!(
        edit.iter().any(|l| l
            .trim_start()
            .starts_with("Built content/alpha.toml → output/alpha.pdf (")),
        "{edit:#?}"
    );
    assert!(
        !edit.iter().any(|l| l.trim_start().starts_with("Fresh")),
        "fresh publications are not listed: {edit:#?}"
    );
    assert!(
        edit.last()
            .unwrap()
            .trim_start()
            .starts_with("Finished 1 built, 1 fresh, 0 failed"),
        "{edit:#?}"
    );
    assert_eq!(watch.interrupt(), 0);
}

#[test]
fn watch_stops_on_usage_errors_before_watching() {
    let project = Project::empty();
    let run = project.run(&["watch", "missing"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`missing` does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn output_redirected_into_the_project_does_not_rebuild_forever() {
    let project = project();
    let stdout = std::fs::File::create(project.path("watch.jsonl")).expect("log file");
    let stderr = std::fs::File::create(project.path("watch.log")).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefpress"))
        .args(["watch", "--message-format", "json", "--format", "pdf"])
        .current_dir(project.root())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("start briefpress watch");
    let passes = || {
        String::from_utf8_lossy(&project.read("watch.jsonl"))
            .lines()
            .filter(|line| line.contains("\"type\":\"summary\""))
            .count()
    };
    let deadline = Instant::now() + PATIENCE;
    while passes() == 0 {
        assert!(Instant::now() < deadline, "no first build");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Each pass writes to the two logs; were they changes, passes would follow.
    std::thread::sleep(Duration::from_millis(2500));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        passes(),
        1,
        "{}",
        String::from_utf8_lossy(&project.read("watch.jsonl"))
    );
}

#[test]
fn a_pass_looks_only_at_what_the_writes_reach_until_another_build_writes_the_cache() {
    let project = project();
    let mut watch = Watch::start(&project, &["--format", "pdf", "--message-format", "json"]);
    watch.pass();
    // Not a write the watch looks at (it ignores the output folder), and beta's
    // files did not change: the next pass takes beta as fresh without a look.
    std::fs::remove_file(project.path("output/beta.pdf")).expect("remove beta.pdf");
    project.write("content/alpha/body.md", "First revision.\n");
    assert_eq!(
        statuses(&watch.pass()),
        expect(&[(ALPHA, "built"), (BETA, "fresh")])
    );
    // Another build writes the cache between two passes: the next looks at
    // every publication, as `build` does, and finds beta's PDF gone.
    project
        .run(&["build", ALPHA, "--format", "pdf", "--force", "-q"])
        .expect_code(0);
    project.write("content/alpha/body.md", "Second revision.\n");
    assert_eq!(
        statuses(&watch.pass()),
        expect(&[(ALPHA, "built"), (BETA, "built")])
    );
    assert!(project.path("output/beta.pdf").is_file());
    assert_eq!(watch.interrupt(), 0);
}

#[test]
fn a_pass_follows_symlinked_inputs_and_finds_new_and_deleted_publications() {
    let project = project();
    // alpha reads its text through a symlinked folder.
    project.write("shared/findings.md", "Shared findings.\n");
    std::os::unix::fs::symlink("../../shared", project.path("content/alpha/shared"))
        .expect("symlink");
    let mut watch = watch_alpha_reading(&project, "alpha/shared/findings.md");

    project.write("shared/findings.md", "Shared findings, revised.\n");
    assert_eq!(
        statuses(&watch.pass()),
        expect(&[(ALPHA, "built"), (BETA, "fresh")]),
        "a write to the file behind the link reaches alpha"
    );
    assert!(pdf_text(&project.path("output/alpha.pdf")).contains("revised"));

    project.write(
        "content/gamma.toml",
        "title = \"Gamma\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nbody = \"Gamma's findings.\"\n",
    );
    assert_eq!(
        statuses(&watch.pass()),
        expect(&[
            (ALPHA, "fresh"),
            (BETA, "fresh"),
            ("content/gamma.toml", "built")
        ])
    );

    std::fs::remove_file(project.path(BETA)).expect("remove beta");
    let gone = watch.pass();
    assert_eq!(
        statuses(&gone),
        expect(&[(ALPHA, "fresh"), ("content/gamma.toml", "fresh")])
    );
    assert!(
        gone.iter()
            .any(|e| e["type"] == "stale" && e["source"] == BETA),
        "{gone:#?}"
    );
    assert_eq!(watch.interrupt(), 0);
}

#[test]
fn a_write_to_a_hidden_file_a_publication_reads_rebuilds_it() {
    let project = project();
    project.write("content/alpha/.parts/body.md", "Hidden first.\n");
    let mut watch = watch_alpha_reading(&project, "alpha/.parts/body.md");
    project.write("content/alpha/.parts/body.md", "Hidden second.\n");
    assert_eq!(
        statuses(&watch.pass()),
        expect(&[(ALPHA, "built"), (BETA, "fresh")])
    );
    assert!(pdf_text(&project.path("output/alpha.pdf")).contains("Hidden second"));
    assert_eq!(watch.interrupt(), 0);
}

/// A pass edits the last compile's typst source in place rather than parsing
/// it anew, and typst reuses what it memoized for the unchanged parts; the
/// outputs must still be exactly what a fresh build of the same text writes.
#[test]
fn a_pass_writes_the_same_bytes_as_a_fresh_build() {
    let project = project();
    let body = |middle: &str, heading: &str| {
        format!(
            "First paragraph, long enough to wrap across a line or two of the column.\n\n\
             ## {heading}\n\n{middle}\n\nSecond paragraph, with a footnote.[^n]\n\n\
             - a list item\n- another one\n\n[^n]: The note.\n"
        )
    };
    // Beta, in the built-in template, reads its text from a Markdown file.
    project.write(
        BETA,
        "title = \"Beta\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nfile = \"beta/body.md\"\n",
    );
    project.write("content/beta/body.md", body("", "Method"));
    let mut watch = Watch::start(&project, &["--message-format", "json"]);
    watch.pass();
    let edits = [
        body("A paragraph inserted in the middle.", "Method"),
        body(
            "A paragraph inserted in the middle.",
            "A longer heading, renamed",
        ),
        body("", "A longer heading, renamed").replacen("First paragraph", "Opening", 1),
    ];
    // Outside the project, so that the watch does not see its writes.
    let fresh = tempfile::tempdir().expect("temporary folder");
    let fresh_out = fresh.path().to_str().expect("UTF-8 path");
    for (i, text) in edits.iter().enumerate() {
        project.write("content/beta/body.md", text);
        let events = watch.pass();
        assert_eq!(
            statuses(&events),
            expect(&[(ALPHA, "fresh"), (BETA, "built")]),
            "edit {i}"
        );
        project
            .run(&["build", "--force", "-q", "-o", fresh_out, BETA])
            .expect_code(0);
        for name in ["beta.pdf", "beta.epub"] {
            assert!(
                project.read(&format!("output/{name}"))
                    == std::fs::read(fresh.path().join(name)).expect("fresh output"),
                "edit {i}: watch's {name} differs from a fresh build's"
            );
        }
    }
    assert_eq!(watch.interrupt(), 0);
}
