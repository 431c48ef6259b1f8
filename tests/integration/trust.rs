//! Trust boundaries: a build never deletes or overwrites what it cannot prove
//! it wrote, never reads outside the project, and never loses finished work.
//!
//! The cache file and the output folder are treated as hostile (a restored CI
//! cache, a hand edit), the user as careless (`--out content`, two builds at
//! once, a killed batch, `| head -1`). Each child runs with a bounded address
//! space and a deadline, so a build that would read `/dev/zero` or block on a
//! FIFO fails its test instead of exhausting or hanging the machine.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::corpus::{brief, events, expect, identity, statuses};
use crate::harness::{Project, Run};

const ALPHA: &str = "content/alpha.toml";
const BETA: &str = "content/beta.toml";
const CACHE: &str = "output/.briefpress-cache";
/// How long a child may run before the test calls it hung.
const DEADLINE: Duration = Duration::from_secs(120);

/// `briefpress ARGS` in `project`, limited to 4 GiB of address space.
pub fn command(project: &Project, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_briefpress"));
    command
        .args(args)
        .current_dir(project.root())
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    command
}

/// Runs `briefpress ARGS` to completion, failing the test if it outlives [`DEADLINE`].
pub fn run_bounded(project: &Project, args: &[&str]) -> Run {
    let mut child = command(project, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn briefpress");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let code = wait_bounded(&mut child, args);
    Run {
        code,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn drain(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_string(&mut text);
        }
        text
    })
}

/// Waits for `child`, killing it and failing the test after [`DEADLINE`].
fn wait_bounded(child: &mut Child, args: &[&str]) -> i32 {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("briefpress {args:?} hung (a blocking read?) and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two publications, each with a Markdown file and a CSV attachment.
fn two_publications() -> Project {
    let project = Project::empty();
    for name in ["alpha", "beta"] {
        project.write(
            &format!("content/{name}.toml"),
            format!(
                "title = \"{name}\"\ndate = 2021-10-19\n\n\
                 [[sections]]\ntitle = \"Findings\"\nfile = \"{name}/body.md\"\n\n\
                 [[attachments]]\ntitle = \"Data\"\nfile = \"{name}/data.csv\"\n"
            ),
        );
        project.write(&format!("content/{name}/body.md"), "What we found.\n");
        project.write(&format!("content/{name}/data.csv"), "year,n\n2020,1\n");
    }
    project
}

/// Runs `build ARGS --message-format json` and expects exit code 0.
fn build(project: &Project, args: &[&str]) -> Run {
    let mut all = vec!["build", "--message-format", "json"];
    all.extend_from_slice(args);
    let run = run_bounded(project, &all);
    run.expect_code(0);
    run
}

/// The JSON warnings that say the cache was thrown away.
fn cache_warnings(run: &Run) -> usize {
    events(run, "diagnostic")
        .iter()
        .filter(|d| {
            d["severity"] == "warning"
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("ignoring the build cache"))
        })
        .count()
}

/// Rewrites the cache (in its JSON form, whatever its layout), for each
/// `(from, to, victim)`: every string equal to `from` becomes `to`, and a
/// record whose `path` is now `to` gets `victim`'s size and BLAKE3 hash, so
/// that only the path can stop a deletion.
type Retarget<'a> = (&'a str, &'a str, Option<&'a [u8]>);

fn retarget(project: &Project, edits: &[Retarget]) {
    fn walk(value: &mut serde_json::Value, from: &str, to: &str, victim: Option<&[u8]>) {
        match value {
            serde_json::Value::String(s) if s == from => *s = to.to_string(),
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|v| walk(v, from, to, victim));
            }
            serde_json::Value::Object(map) => {
                map.values_mut().for_each(|v| walk(v, from, to, victim));
                if let Some(bytes) = victim
                    && map.get("path").and_then(|p| p.as_str()) == Some(to)
                {
                    map.insert("size".into(), bytes.len().into());
                    map.insert(
                        "blake3".into(),
                        blake3::hash(bytes).to_hex().to_string().into(),
                    );
                }
            }
            _ => {}
        }
    }
    let mut cache = project.cache();
    for &(from, to, victim) in edits {
        let before = cache.clone();
        walk(&mut cache, from, to, victim);
        assert_ne!(cache, before, "the cache names no `{from}`");
    }
    project.write_cache(&cache);
}

/// Makes a FIFO: any reader that opens it blocks until a writer comes.
pub fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// Every file under the project (symlinks as their target text) with its bytes.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let bytes = if e.file_type().is_symlink() {
                fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                fs::read(e.path()).unwrap()
            };
            (e.path().to_path_buf(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// Sets a file's modification time.
fn set_mtime(path: &Path, time: std::time::SystemTime) {
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

/// The files under `output/` that a build should never leave behind:
/// temporaries and (after it ended) its lock.
pub fn leftovers(project: &Project) -> Vec<String> {
    project
        .files_under("output")
        .into_iter()
        .filter(|name| name.ends_with(".tmp") || name.ends_with(".briefpress.lock"))
        .collect()
}

#[test]
fn prune_never_deletes_a_file_the_cache_places_outside_the_output_folder() {
    let project = two_publications();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    fs::write(&secret, b"not yours").unwrap();
    project.write("victim.txt", b"also not yours");
    build(&project, &["--emit-typst"]);
    fs::remove_file(project.path(BETA)).unwrap();

    // Beta's three outputs now point at an input, a file outside the root
    // (absolute) and the same file through `..`, each with the right hash.
    let input = project.read("content/alpha/body.md");
    retarget(
        &project,
        &[
            ("beta.pdf", "../content/alpha/body.md", Some(&input)),
            ("beta.epub", secret.to_str().unwrap(), Some(b"not yours")),
            ("beta.typ", "../victim.txt", Some(b"also not yours")),
        ],
    );
    let run = build(&project, &["--prune", "--emit-typst"]);

    assert_eq!(project.read("content/alpha/body.md"), input);
    assert_eq!(fs::read(&secret).unwrap(), b"not yours");
    assert_eq!(project.read("victim.txt"), b"also not yours");
    assert_eq!(cache_warnings(&run), 1, "{}", run.stdout);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built")]));
}

#[test]
fn prune_deletes_only_outputs_that_are_still_the_files_it_wrote() {
    let project = two_publications();
    build(&project, &["--emit-typst"]);
    fs::remove_file(project.path(BETA)).unwrap();
    // Same size, one byte changed: only the hash tells.
    let mut pdf = project.read("output/beta.pdf");
    let last = pdf.len() - 1;
    pdf[last] ^= 1;
    project.write("output/beta.pdf", &pdf);
    // A symlink where the EPUB was, pointing at an input.
    fs::remove_file(project.path("output/beta.epub")).unwrap();
    std::os::unix::fs::symlink(
        "../content/alpha/data.csv",
        project.path("output/beta.epub"),
    )
    .unwrap();

    let run = build(&project, &["--prune", "--emit-typst"]);

    assert_eq!(
        project.read("output/beta.pdf"),
        pdf,
        "a changed file was pruned"
    );
    assert!(
        project.path("output/beta.epub").is_symlink(),
        "a symlink was pruned"
    );
    assert_eq!(project.read("content/alpha/data.csv"), b"year,n\n2020,1\n");
    assert!(
        !project.path("output/beta.typ").exists(),
        "the unchanged output was not pruned"
    );
    let kept: Vec<String> = events(&run, "diagnostic")
        .iter()
        .filter_map(|d| d["message"].as_str().map(String::from))
        .filter(|m| m.starts_with("kept"))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(events(&run, "stale")[0]["action"], "kept");
}

#[test]
fn cached_inputs_are_read_only_as_regular_files_inside_the_project() {
    let project = two_publications();
    let outside = tempfile::tempdir().unwrap();
    mkfifo(&outside.path().join("fifo"));
    mkfifo(&project.path("content/alpha/pipe"));
    std::os::unix::fs::symlink(
        outside.path().join("fifo"),
        project.path("content/beta/out"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", project.path("content/beta/zero")).unwrap();
    build(&project, &[]);
    // Valid-looking relative paths: a FIFO in the project, a symlink to a FIFO
    // outside it, a symlink to /dev/zero. Opening any of them would hang or
    // never end; they must make the publication stale, nothing more.
    retarget(
        &project,
        &[
            ("content/alpha/body.md", "content/alpha/pipe", None),
            ("content/beta/body.md", "content/beta/out", None),
            ("content/beta/data.csv", "content/beta/zero", None),
        ],
    );

    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "built")]));
    assert_eq!(cache_warnings(&run), 0, "{}", run.stdout);
    let again = build(&project, &[]);
    assert_eq!(
        statuses(&again),
        expect(&[(ALPHA, "fresh"), (BETA, "fresh")])
    );
}

#[test]
fn a_cache_naming_an_absolute_input_is_discarded_whole_without_reading_it() {
    let project = two_publications();
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("fifo");
    mkfifo(&fifo);
    build(&project, &[]);
    retarget(
        &project,
        &[("content/alpha/body.md", fifo.to_str().unwrap(), None)],
    );

    let run = build(&project, &[]);
    assert_eq!(cache_warnings(&run), 1, "{}", run.stdout);
    // Beta's entry was valid, but a cache is never trusted in part.
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "built")]));
}

/// Puts something that is not a cache where the cache goes.
type MakeCache = fn(&Path);

#[test]
fn a_cache_that_is_not_a_cache_is_discarded_with_one_warning() {
    let project = two_publications();
    build(&project, &[]);
    let hostile: [(&str, MakeCache); 4] = [
        ("garbage", |p| fs::write(p, b"\x00not json").unwrap()),
        ("fifo", |p| mkfifo(p)),
        ("dev-zero", |p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap();
        }),
        ("future", |p| {
            let future = serde_json::json!({"version": 99, "entries": {}});
            fs::write(p, crate::harness::cache_bytes(&future)).unwrap()
        }),
    ];
    for (case, make) in hostile {
        let cache = project.path(CACHE);
        fs::remove_file(&cache).unwrap();
        make(&cache);
        let run = build(&project, &[]);
        assert_eq!(cache_warnings(&run), 1, "{case}: {}", run.stdout);
        assert_eq!(
            statuses(&run),
            expect(&[(ALPHA, "built"), (BETA, "built")]),
            "{case}"
        );
        assert!(
            fs::symlink_metadata(&cache).unwrap().is_file(),
            "{case}: the cache was not written anew"
        );
    }
}

#[test]
fn an_output_folder_that_holds_or_overlaps_content_is_refused_and_nothing_changes() {
    let project = two_publications();
    project.write("templates/house/template.typ", "");
    let cases: &[(&[&str], &str)] = &[
        (&["--out", "content"], "content/alpha.toml"),
        (&["--out", "."], "content/alpha.toml"),
        (&["--out", "content/alpha"], "`content`"),
        (
            &["content/alpha.toml", "--out", "content/site"],
            "`content`",
        ),
        (&["--out", "templates/house/out"], "`templates`"),
    ];
    for (args, named) in cases {
        let before = snapshot(project.root());
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let run = run_bounded(&project, &all);
        run.expect_code(2);
        let out = args[args.len() - 1];
        assert!(
            run.stderr.contains(&format!("`{out}`")) && run.stderr.contains(named),
            "{args:?}: the message should name `{out}` and {named}:\n{}",
            run.stderr
        );
        assert_eq!(snapshot(project.root()), before, "{args:?} changed files");
    }
}

#[test]
fn an_output_that_would_replace_an_input_of_its_publication_is_refused() {
    let project = Project::empty();
    project.write(
        "content/report.toml",
        format!(
            "{}\n[[attachments]]\ntitle = \"Full report\"\nfile = \"../assets/report.pdf\"\n",
            brief("Report")
        ),
    );
    project.write("assets/report.pdf", b"%PDF-1.7 the full report");
    let run = run_bounded(
        &project,
        &["build", "--out", "assets", "--message-format", "json"],
    );
    run.expect_code(1);
    let errors = events(&run, "diagnostic");
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["code"], "output-conflict");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("assets/report.pdf"), "{message}");
    assert_eq!(
        project.read("assets/report.pdf"),
        b"%PDF-1.7 the full report"
    );
    assert!(!project.path("assets/report.epub").exists());
}

#[test]
fn a_publication_that_reads_a_file_inside_the_output_folder_is_refused() {
    // `summary` reads `output/report.pdf`, a file `report` writes: building
    // it would embed whichever of the two happens to be there.
    let project = Project::empty();
    project.write(
        "content/summary.toml",
        format!(
            "{}\n[[attachments]]\ntitle = \"Full report\"\nfile = \"../output/report.pdf\"\n",
            brief("Summary")
        ),
    );
    project.write("content/report.toml", brief("Report"));
    project.write("output/report.pdf", b"%PDF-1.7 kept by hand");
    let run = run_bounded(&project, &["build", "--message-format", "json"]);
    run.expect_code(1);
    let errors = events(&run, "diagnostic");
    assert_eq!(errors.len(), 2, "{}", run.stdout);
    let of = |publication: &str| {
        let error = errors
            .iter()
            .find(|e| e["publication"] == publication)
            .unwrap_or_else(|| panic!("no error for {publication}:\n{}", run.stdout));
        assert_eq!(error["code"], "output-conflict");
        error["message"].as_str().unwrap().to_string()
    };
    assert!(of("content/summary.toml").contains("reads `output/report.pdf`"));
    // Nor does `report` replace a file it did not write.
    assert!(of("content/report.toml").contains("`output/report.pdf` exists"));
    assert!(!project.path("output/summary.pdf").exists());
    assert_eq!(project.read("output/report.pdf"), b"%PDF-1.7 kept by hand");
}

#[test]
fn a_truncated_or_replaced_output_is_not_fresh_nor_replaced_and_a_touched_one_is_fresh() {
    let project = two_publications();
    project.write("content/gamma.toml", brief("Gamma"));
    build(&project, &["--format", "pdf"]);
    let alpha = fs::OpenOptions::new()
        .write(true)
        .open(project.path("output/alpha.pdf"))
        .unwrap();
    alpha.set_len(100).unwrap();
    let truncated = project.read("output/alpha.pdf");
    // Same size, different bytes, another time: only the hash tells. (Times
    // are set, as a rewrite within one clock tick would keep the old one.)
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let mut beta = project.read("output/beta.pdf");
    beta[10] ^= 1;
    project.write("output/beta.pdf", &beta);
    set_mtime(&project.path("output/beta.pdf"), an_hour_ago);
    // Same bytes, another time.
    let gamma = project.path("output/gamma.pdf");
    set_mtime(&gamma, an_hour_ago);
    let touched = identity(&gamma);

    // Changed files are no longer provably briefpress's: rebuilt, but kept.
    let (run, conflicts) = build_failing(&project, &["--format", "pdf"]);
    assert_eq!(
        statuses(&run),
        expect(&[
            (ALPHA, "failed"),
            (BETA, "failed"),
            ("content/gamma.toml", "fresh")
        ])
    );
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert_eq!(project.read("output/alpha.pdf"), truncated);
    assert_eq!(project.read("output/beta.pdf"), beta);
    assert_eq!(identity(&gamma), touched, "a touched output was rewritten");
}

#[test]
fn a_second_build_waits_for_the_lock_or_fails_fast_with_no_wait() {
    let project = two_publications();
    fs::create_dir(project.path("output")).unwrap();
    let held = fs::File::create(project.path("output/.briefpress.lock")).unwrap();
    held.lock().unwrap();

    let busy = run_bounded(&project, &["build", "--no-wait"]);
    busy.expect_code(2);
    assert!(
        busy.stderr.contains("another build is writing to `output`")
            && busy.stderr.contains(".briefpress.lock"),
        "{}",
        busy.stderr
    );
    assert_eq!(project.files_under("output"), [".briefpress.lock"]);

    let mut waiting = command(&project, &["build", "--format", "epub"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(waiting.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("Waiting for another build"), "{first}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(waiting.try_wait().unwrap().is_none(), "it did not wait");
    assert_eq!(project.files_under("output"), [".briefpress.lock"]);

    drop(held);
    let rest = drain(Some(stderr));
    assert_eq!(
        wait_bounded(&mut waiting, &["build"]),
        0,
        "{}",
        rest.join().unwrap()
    );
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "alpha.epub", "beta.epub"],
        "the lock file should be gone"
    );
}

#[test]
fn concurrent_shards_into_one_folder_keep_every_cache_entry() {
    let project = Project::empty();
    for i in 1..=9 {
        project.write(&format!("content/pub-{i}.toml"), brief(&format!("Pub {i}")));
    }
    let mut shards: Vec<Child> = (1..=3)
        .map(|k| {
            command(
                &project,
                &["build", "--format", "pdf", "--shard", &format!("{k}/3")],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    for shard in &mut shards {
        assert_eq!(wait_bounded(shard, &["build", "--shard"]), 0);
    }
    let run = build(&project, &["--format", "pdf"]);
    let fresh = statuses(&run).values().filter(|s| *s == "fresh").count();
    assert_eq!(fresh, 9, "entries were lost:\n{}", run.stdout);
}

#[test]
fn temporary_files_left_by_a_killed_build_are_removed_and_nothing_else() {
    let project = two_publications();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join(".briefpress-victim.tmp");
    fs::write(&victim, b"keep").unwrap();
    project.write("output/.briefpress-a1b2c3.tmp", b"half a PDF");
    project.write("output/deep/.briefpress-d4e5f6.tmp", b"half an EPUB");
    project.write("output/notes.tmp", b"mine");
    project.write("output/.briefpress-folder.tmp/inner.txt", b"mine too");
    std::os::unix::fs::symlink(&victim, project.path("output/.briefpress-link.tmp")).unwrap();

    build(&project, &["--format", "epub"]);

    assert!(!project.path("output/.briefpress-a1b2c3.tmp").exists());
    assert!(!project.path("output/deep/.briefpress-d4e5f6.tmp").exists());
    assert_eq!(project.read("output/notes.tmp"), b"mine");
    assert_eq!(
        project.read("output/.briefpress-folder.tmp/inner.txt"),
        b"mine too"
    );
    assert!(project.path("output/.briefpress-link.tmp").is_symlink());
    assert_eq!(fs::read(&victim).unwrap(), b"keep");
}

#[test]
fn a_killed_batch_resumes_where_it_stopped() {
    const TOTAL: usize = 80;
    let project = Project::empty();
    for i in 0..TOTAL {
        project.write(
            &format!("content/pub-{i:02}.toml"),
            brief(&format!("Publication {i}")),
        );
    }
    let mut child = command(&project, &["build", "--format", "pdf", "-j", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let recorded = loop {
        let entries = project
            .cache_in("output")
            .and_then(|cache| cache["entries"].as_object().map(|e| e.len()))
            .unwrap_or(0);
        if entries > 0 {
            break entries;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before any save"
        );
        assert!(started.elapsed() < DEADLINE, "no cache was saved");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        recorded < TOTAL,
        "the cache was first saved with all {TOTAL} publications, at the very end"
    );

    let run = build(&project, &["--format", "pdf"]);
    let counts = statuses(&run);
    let fresh = counts.values().filter(|s| *s == "fresh").count();
    assert_eq!(counts.len(), TOTAL);
    assert!(
        fresh >= recorded,
        "{recorded} were recorded before the kill, {fresh} fresh after"
    );
    assert_eq!(leftovers(&project), Vec::<String>::new());
}

#[test]
fn a_failed_write_leaves_the_previous_pair_untouched() {
    let project = two_publications();
    build(&project, &[]);
    let pdf = project.path("output/alpha.pdf");
    let (old_pdf, old_id) = (project.read("output/alpha.pdf"), identity(&pdf));
    project.write("content/alpha/body.md", "What we found, revised.\n");
    // The EPUB cannot be replaced: a folder (not empty) stands in its place.
    fs::remove_file(project.path("output/alpha.epub")).unwrap();
    project.write("output/alpha.epub/keep", b"x");

    let run = run_bounded(&project, &["build", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        statuses(&run),
        expect(&[(ALPHA, "failed"), (BETA, "fresh")])
    );
    assert_eq!(
        project.read("output/alpha.pdf"),
        old_pdf,
        "a new PDF beside no new EPUB"
    );
    assert_eq!(identity(&pdf), old_id);
    assert_eq!(leftovers(&project), Vec::<String>::new());
}

#[test]
fn output_paths_do_not_depend_on_how_the_command_names_the_publication() {
    let project = Project::empty();
    project.write("content/fr/x.toml", brief("En français"));
    project.write("drafts/y.toml", brief("A draft"));
    let first = build(&project, &["content/fr", "drafts", "--format", "pdf"]);
    let mut outputs: Vec<String> = events(&first, "publication")
        .iter()
        .map(|p| p["outputs"][0].as_str().unwrap().to_string())
        .collect();
    outputs.sort();
    assert_eq!(outputs, ["output/drafts/y.pdf", "output/fr/x.pdf"]);
    for args in [
        &["content/fr/x.toml", "drafts/y.toml"][..],
        &["content", "drafts/"][..],
        &["./content/fr/../fr", "drafts/y.toml"][..],
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "pdf"]);
        let run = build(&project, &all);
        let found = statuses(&run);
        assert!(found.values().all(|s| s == "fresh"), "{args:?}: {found:?}");
        assert_eq!(found.len(), 2);
    }
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "drafts/y.pdf", "fr/x.pdf"]
    );
}

#[test]
fn a_closed_stdout_or_stderr_ends_output_quietly_and_the_build_finishes() {
    for (format, closed) in [("json", "stdout"), ("human", "stderr")] {
        let project = two_publications();
        let mut child = command(&project, &["build", "--message-format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the child writes anything.
        let other = if closed == "stdout" {
            drop(child.stdout.take());
            drain(child.stderr.take())
        } else {
            drop(child.stderr.take());
            drain(child.stdout.take())
        };
        let code = wait_bounded(&mut child, &["build"]);
        let other = other.join().unwrap();
        assert_eq!(code, 0, "closed {closed}: {other}");
        assert!(!other.contains("panicked"), "{other}");
        assert_eq!(
            project.files_under("output"),
            [
                ".briefpress-cache",
                "alpha.epub",
                "alpha.pdf",
                "beta.epub",
                "beta.pdf"
            ],
            "closed {closed}"
        );
    }
}

#[test]
fn usage_errors_exit_2_before_any_work() {
    let project = two_publications();
    project.write("taken", b"a file, not a folder");
    project.write("notes.md", b"# Notes");
    mkfifo(&project.path("content/queue.toml"));
    let cases: &[(&[&str], &str)] = &[
        (&["--out", "taken"], "`taken` is a file"),
        (&["--out", "taken/sub"], "is a file"),
        (&["notes.md"], "`notes.md` is not a publication"),
        (&["content/queue.toml"], "is not a publication"),
        (&["--jobs", "0"], "at least 1"),
    ];
    for (args, message) in cases {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let run = run_bounded(&project, &all);
        run.expect_code(2);
        assert!(run.stderr.contains(message), "{args:?}:\n{}", run.stderr);
        assert!(!project.path("output").exists(), "{args:?} built something");
        assert_eq!(project.read("taken"), b"a file, not a folder");
    }
}

/// Runs `build ARGS --message-format json` expecting exit code 1; returns the
/// run and the `output-conflict` errors' messages.
fn build_failing(project: &Project, args: &[&str]) -> (Run, Vec<String>) {
    let mut all = vec!["build", "--message-format", "json"];
    all.extend_from_slice(args);
    let run = run_bounded(project, &all);
    run.expect_code(1);
    let conflicts = events(&run, "diagnostic")
        .iter()
        .filter(|d| d["code"] == "output-conflict")
        .filter_map(|d| d["message"].as_str().map(String::from))
        .collect();
    (run, conflicts)
}

#[test]
fn a_file_briefpress_never_wrote_is_never_replaced_even_with_force() {
    let project = two_publications();
    project.write("docs/alpha.pdf", b"hand-made by a colleague");
    project.write("docs/beta.typ", b"// hand-written typst");
    for args in [&["--out", "docs"][..], &["--out", "docs", "--force"]] {
        let mut all = args.to_vec();
        all.push("--emit-typst");
        let (run, conflicts) = build_failing(&project, &all);
        assert_eq!(
            statuses(&run),
            expect(&[(ALPHA, "failed"), (BETA, "failed")]),
            "{args:?}"
        );
        assert_eq!(conflicts.len(), 2, "{args:?}: {conflicts:?}");
        assert!(conflicts.iter().any(|m| m.contains("`docs/alpha.pdf`")));
        assert!(conflicts.iter().any(|m| m.contains("`docs/beta.typ`")));
        assert_eq!(project.read("docs/alpha.pdf"), b"hand-made by a colleague");
        assert_eq!(project.read("docs/beta.typ"), b"// hand-written typst");
        // Nothing of a refused publication is written: no lone EPUB.
        assert_eq!(
            project.files_under("docs"),
            [".briefpress-cache", "alpha.pdf", "beta.typ"],
            "{args:?}"
        );
    }
    // Moved away, the files no longer stand in the way.
    fs::remove_file(project.path("docs/alpha.pdf")).unwrap();
    fs::remove_file(project.path("docs/beta.typ")).unwrap();
    build(&project, &["--out", "docs", "--emit-typst"]);
    // Its own outputs a build replaces: recorded, and still what it wrote.
    project.write("content/alpha/body.md", "What we found, revised.\n");
    let run = build(&project, &["--out", "docs", "--emit-typst"]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "fresh")]));
}

#[test]
fn without_a_cache_only_files_with_the_very_bytes_about_to_be_written_are_replaced() {
    let project = two_publications();
    build(&project, &[]);
    fs::remove_file(project.path(CACHE)).unwrap();
    let old_alpha = project.read("output/alpha.pdf");
    project.write("content/alpha/body.md", "What we found, revised.\n");
    let (run, conflicts) = build_failing(&project, &[]);
    // Beta's bytes are the same (same input, same bytes): proof enough.
    assert_eq!(
        statuses(&run),
        expect(&[(ALPHA, "failed"), (BETA, "built")])
    );
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].contains("`output/alpha.pdf`, `output/alpha.epub`"),
        "{conflicts:?}"
    );
    assert_eq!(project.read("output/alpha.pdf"), old_alpha);
}

/// The cache of `output/` as briefpress before cache format 5 wrote it
/// (`.briefpress-cache.json`, format 4), from the current one.
fn legacy_cache(project: &Project) -> serde_json::Value {
    let mut cache = project.cache();
    cache["version"] = 4.into();
    cache
}

#[test]
fn outputs_recorded_by_the_cache_of_an_older_briefpress_are_replaced_as_its_own() {
    let project = two_publications();
    build(&project, &[]);
    let legacy = legacy_cache(&project);
    fs::remove_file(project.path(CACHE)).unwrap();
    project.write(
        "output/.briefpress-cache.json",
        serde_json::to_vec(&legacy).unwrap(),
    );
    project.write("content/alpha/body.md", "What we found, revised.\n");
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "built")]));
    assert!(crate::harness::pdf_text(&project.path("output/alpha.pdf")).contains("revised"));

    // A record that names another publication's output, or the wrong bytes,
    // proves nothing.
    let mut hostile = legacy;
    let alpha_pdf = &mut hostile["entries"]["alpha"]["outputs"][0];
    alpha_pdf["blake3"] = blake3::hash(b"other").to_hex().to_string().into();
    project.write(
        "output/.briefpress-cache.json",
        serde_json::to_vec(&hostile).unwrap(),
    );
    fs::remove_file(project.path(CACHE)).unwrap();
    project.write("content/alpha/body.md", "What we found, revised twice.\n");
    let (_, conflicts) = build_failing(&project, &[]);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(conflicts[0].contains("`output/alpha.pdf`"), "{conflicts:?}");
}

#[test]
fn the_temporary_files_of_a_build_into_a_nested_output_folder_are_left_alone() {
    let project = two_publications();
    // Build B writes into `output/b`, holding its lock; `output/c` is the
    // output folder of another build, between runs.
    project.write("output/b/.briefpress-x.pdf.tmp", b"in progress");
    let held = fs::File::create(project.path("output/b/.briefpress.lock")).unwrap();
    held.lock().unwrap();
    project.write("output/c/.briefpress-cache", b"its cache");
    project.write("output/c/.briefpress-y.pdf.tmp", b"its own leftover");
    project.write("output/d/.briefpress-z.pdf.tmp", b"ours");

    let busy = run_bounded(&project, &["build", "--out", "output/b", "--no-wait"]);
    busy.expect_code(2);
    build(&project, &["--format", "epub"]);

    assert_eq!(
        project.read("output/b/.briefpress-x.pdf.tmp"),
        b"in progress"
    );
    assert_eq!(
        project.read("output/c/.briefpress-y.pdf.tmp"),
        b"its own leftover"
    );
    assert!(!project.path("output/d/.briefpress-z.pdf.tmp").exists());
    drop(held);
}

#[test]
fn manpage_never_overwrites_a_file_nor_writes_through_a_symlink() {
    let project = Project::empty();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    project.write("mp/briefpress.1", b"my own notes");
    std::os::unix::fs::symlink(&victim, project.path("mp/briefpress-build.1")).unwrap();

    let run = run_bounded(&project, &["manpage", "mp"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("mp/briefpress.1") && run.stderr.contains("mp/briefpress-build.1"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("mp/briefpress.1"), b"my own notes");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(project.path("mp/briefpress-build.1").is_symlink());
    // All or nothing: no other page was written.
    assert_eq!(fs::read_dir(project.path("mp")).unwrap().count(), 2);
}

#[test]
fn prune_removes_the_outputs_of_the_last_deleted_publications() {
    let project = two_publications();
    build(&project, &["--emit-typst"]);
    fs::remove_file(project.path(ALPHA)).unwrap();
    fs::remove_file(project.path(BETA)).unwrap();
    let run = build(&project, &["--prune"]);
    let actions: Vec<serde_json::Value> = events(&run, "stale")
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, ["removed", "removed"], "{}", run.stdout);
    assert_eq!(project.files_under("output"), [".briefpress-cache"]);
    // Without --prune, no publications is still a usage error.
    run_bounded(&project, &["build"]).expect_code(2);
}

/// A publication `p` whose section says `body`, in the large-print edition too if `large`.
fn editions_brief(body: &str, large: bool) -> String {
    let editions = if large {
        "editions = [\"standard\", \"large-print\"]\n"
    } else {
        ""
    };
    format!(
        "title = \"p\"\ndate = 2021-10-19\n{editions}\n[[sections]]\ntitle = \"S\"\nbody = \"{body}\"\n"
    )
}

#[test]
fn prune_keeps_a_stale_edition_its_user_changed_and_says_so() {
    let project = Project::empty();
    project.write("content/p.toml", editions_brief("OLD", true));
    build(&project, &[]);
    project.write("content/p.toml", editions_brief("NEW", false));
    let mut edited = project.read("output/p.large-print.pdf");
    edited.extend_from_slice(b"% annotated by hand\n");
    project.write("output/p.large-print.pdf", &edited);

    let run = build(&project, &["--prune"]);
    assert_eq!(project.read("output/p.large-print.pdf"), edited);
    let stale = events(&run, "stale");
    assert_eq!(stale.len(), 1, "{}", run.stdout);
    assert_eq!(stale[0]["action"], "kept");
    assert_eq!(stale[0]["reason"], "edition");
    let warnings: Vec<String> = events(&run, "diagnostic")
        .iter()
        .filter_map(|d| d["message"].as_str().map(String::from))
        .collect();
    assert_eq!(
        warnings,
        [
            "kept `output/p.large-print.pdf` instead of pruning it: it changed since briefpress wrote it"
        ]
    );
    // Said once: the file is no longer briefpress's to report.
    let after = build(&project, &["--prune"]);
    assert_eq!(events(&after, "stale"), Vec::<serde_json::Value>::new());
    assert_eq!(project.read("output/p.large-print.pdf"), edited);
}

#[test]
fn a_format_5_cache_still_proves_which_outputs_briefpress_wrote() {
    let project = two_publications();
    build(&project, &[]);
    let format5 = crate::harness::cache_bytes_format5(&project.cache());
    project.write(CACHE, &format5);
    // Alpha's outputs change, so only the old cache can prove them ours.
    project.write("content/alpha/body.md", "What we found later.\n");
    fs::remove_file(project.path(BETA)).unwrap();

    let run = build(&project, &["--prune"]);
    assert_eq!(cache_warnings(&run), 0, "{}", run.stdout);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built")]));
    let stale = events(&run, "stale");
    assert_eq!(stale.len(), 1, "{}", run.stdout);
    assert_eq!(stale[0]["action"], "removed");
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "alpha.epub", "alpha.pdf"]
    );
    assert_ne!(
        project.read(CACHE),
        format5,
        "the cache is written in the new format"
    );
    let again = build(&project, &[]);
    assert_eq!(statuses(&again), expect(&[(ALPHA, "fresh")]));
}

#[test]
fn a_hostile_cache_of_earlier_outputs_is_refused_whole_and_deletes_nothing() {
    let project = two_publications();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.pdf");
    fs::write(&secret, b"not yours").unwrap();
    project.write("victim.pdf", b"also not yours");
    build(&project, &[]);
    fs::remove_file(project.path(BETA)).unwrap();
    let valid = project.cache();
    let record = |path: &str, bytes: &[u8]| {
        serde_json::json!({
            "path": path, "size": bytes.len(), "mtime": [0, 0],
            "blake3": blake3::hash(bytes).to_hex().to_string(),
        })
    };
    let stem = valid["entries"]["beta"]["outputs"][0].clone();
    let hostile: Vec<(&str, serde_json::Value)> = vec![
        (
            "earlier",
            serde_json::json!([record("../victim.pdf", b"also not yours")]),
        ),
        (
            "stale",
            serde_json::json!([record(secret.to_str().unwrap(), b"not yours")]),
        ),
        (
            "stale",
            serde_json::json!([record("beta/../../victim.pdf", b"also not yours")]),
        ),
        // 100,000 records, all the same: more than any entry can name.
        ("stale", serde_json::Value::Array(vec![stem; 100_000])),
    ];
    for (list, records) in hostile {
        let mut cache = valid.clone();
        cache["entries"]["beta"][list] = records;
        project.write_cache(&cache);
        let run = build(&project, &["--prune"]);
        assert_eq!(cache_warnings(&run), 1, "{list}: {}", run.stdout);
        assert_eq!(fs::read(&secret).unwrap(), b"not yours");
        assert_eq!(project.read("victim.pdf"), b"also not yours");
        assert!(project.path("output/beta.pdf").is_file(), "{list}");
    }
    // A list whose length says more records than memory holds: refused
    // without allocating them (the build runs with 4 GiB of address space).
    let header = (6u32, 1usize, "beta", BETA, "brief", 0usize, 0usize);
    let huge = postcard::to_extend(
        &(header, u64::MAX >> 2),
        b"briefpress build cache\n".to_vec(),
    )
    .unwrap();
    project.write(CACHE, huge);
    let run = build(&project, &["--prune"]);
    assert_eq!(cache_warnings(&run), 1, "{}", run.stdout);
    assert!(project.path("output/beta.pdf").is_file());
}
