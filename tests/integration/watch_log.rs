//! `briefpress watch 2>&1 | tee watch.log` inside the project: each line
//! the watch prints is a write in the project. A write that reaches no
//! publication must start no pass and print nothing, or the watch would
//! answer its own log forever.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::process::Child;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::harness::Project;
use crate::watch::spawn_watch;

/// How long a pass may take on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long a watch that answers its own log would take to show it (a pass
/// follows each write after a 150 ms debounce).
const QUIET: Duration = Duration::from_millis(2500);
/// Where the test writes what the watch prints, as `tee` would.
const LOGS: &[&str] = &["watch.log", "content/watch.log", "output/watch.log"];

/// `alpha` builds; `gamma` fails: it reads `gamma/body.md`, which is missing.
fn project() -> Project {
    let project = Project::empty();
    project.write(
        "content/alpha.toml",
        "title = \"Alpha\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nbody = \"Alpha's findings.\"\n",
    );
    project.write(
        "content/gamma.toml",
        "title = \"Gamma\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nfile = \"gamma/body.md\"\n",
    );
    project.write("content/gamma/notes.txt", "not read\n");
    project
}

/// A watch whose stderr (and stdout) the test copies into [`LOGS`] line by line.
struct Teed {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Teed {
    fn start(project: &Project, args: &[&str]) -> Self {
        let mut child = spawn_watch(project, args);
        let (sender, lines) = mpsc::channel();
        let logs: Vec<_> = LOGS.iter().map(|log| project.path(log)).collect();
        let streams: Vec<Box<dyn std::io::Read + Send>> = vec![
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        for stream in streams {
            let sender = sender.clone();
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    for log in &logs {
                        if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(log)
                        {
                            let _ = writeln!(file, "{line}");
                        }
                    }
                    let _ = sender.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The lines up to and including the next pass's summary (and, for
    /// people, the "Watching" line after it).
    fn pass(&mut self) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("no pass finished:\n{}", self.seen.join("\n"));
            };
            self.seen.push(line.clone());
            let last = line.trim_start().starts_with("Watching") || line.contains("\"summary\"");
            lines.push(line);
            if last {
                return lines;
            }
        }
    }

    /// Reads lines until one contains `text`, then what follows it at once.
    fn until(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("never printed {text:?}:\n{}", self.seen.join("\n"));
            };
            let found = line.contains(text);
            self.seen.push(line);
            if found {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
        self.seen.extend(self.lines.try_iter());
    }

    /// Asserts that nothing more is printed for [`QUIET`].
    fn assert_silent(&mut self) {
        if let Ok(line) = self.lines.recv_timeout(QUIET) {
            self.seen.push(line);
            std::thread::sleep(Duration::from_millis(500));
            self.seen.extend(self.lines.try_iter());
            panic!(
                "the watch printed again without a change:\n{}",
                self.seen.join("\n")
            );
        }
    }
}

impl Drop for Teed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_log_of_the_watch_written_in_the_project_starts_no_pass() {
    for args in [&[][..], &["--message-format", "json"]] {
        let project = project();
        let mut watch = Teed::start(&project, args);
        let first = watch.pass().join("\n");
        assert!(first.contains("content/gamma.toml"), "{first}");
        // Each line went to the logs: none of those writes reaches a
        // publication, and the failing one is tried again without a word.
        watch.assert_silent();
        // A write that fixes the failing publication is answered...
        project.write("content/gamma/body.md", "Gamma's findings.\n");
        let fixed = watch.pass().join("\n");
        assert!(fixed.contains("content/gamma.toml"), "{fixed}");
        let built = |line: &str| {
            line.contains("Built content/gamma.toml")
                || (line.contains("\"content/gamma.toml\"")
                    && line.contains("\"status\":\"built\""))
        };
        assert!(fixed.lines().any(built), "{fixed}");
        // ...and what it printed then starts nothing either.
        watch.assert_silent();
        // An edit of a publication's own file still is.
        project.write(
            "content/alpha.toml",
            "title = \"Alpha, revised\"\ndate = 2021-10-19\n\n\
             [[sections]]\ntitle = \"Findings\"\nbody = \"Alpha's findings.\"\n",
        );
        let edited = watch.pass().join("\n");
        assert!(edited.contains("content/alpha.toml"), "{edited}");
        watch.assert_silent();
        // With no publication left to find, the error is said once.
        std::fs::remove_file(project.path("content/alpha.toml")).expect("remove");
        std::fs::remove_file(project.path("content/gamma.toml")).expect("remove");
        watch.until("no publications");
        watch.assert_silent();
    }
}
