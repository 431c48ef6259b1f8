//! Incremental builds: an unchanged publication is reported fresh and its
//! outputs are not touched; a change to any file a publication reads rebuilds
//! that publication and no other.

use crate::corpus::{HOUSE_TEMPLATE, events, expect, identity, statuses, svg};
use crate::harness::{Project, Run, repo};

const ALPHA: &str = "content/alpha.toml";
const BETA: &str = "content/beta.toml";

/// Two publications, each with its own Markdown file, image and attachment;
/// `alpha` uses the project template `house`, `beta` the built-in `brief`.
fn two_publications() -> Project {
    let project = Project::empty();
    project.write("templates/house/template.typ", HOUSE_TEMPLATE);
    project.write("templates/house/epub.css", "body { margin: 0; }\n");
    for (name, template) in [("alpha", "template = \"house\"\n"), ("beta", "")] {
        project.write(
            &format!("content/{name}.toml"),
            format!(
                "title = \"{name}\"\ndate = 2021-10-19\n{template}\n\
                 [[sections]]\ntitle = \"Findings\"\nfile = \"{name}/body.md\"\n\n\
                 [[attachments]]\ntitle = \"Data\"\nfile = \"{name}/data.csv\"\n"
            ),
        );
        project.write(
            &format!("content/{name}/body.md"),
            "What we found.\n\n![A red bar](figure.svg)\n",
        );
        project.write(&format!("content/{name}/figure.svg"), svg("red"));
        project.write(
            &format!("content/{name}/data.csv"),
            "year,reports\n2020,1\n",
        );
    }
    project
}

/// `build --format pdf` with JSON messages; it must succeed.
fn build(project: &Project, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--format", "pdf", "--message-format", "json"];
    args.extend_from_slice(extra);
    let run = project.run(&args);
    run.expect_code(0);
    run
}

/// Builds, applies `change`, builds again: alpha must be rebuilt, beta left alone.
fn assert_change_rebuilds_only_alpha(change: impl Fn(&Project)) {
    let project = two_publications();
    build(&project, &[]);
    let beta_pdf = identity(&project.path("output/beta.pdf"));
    let alpha_pdf = identity(&project.path("output/alpha.pdf"));

    change(&project);
    let run = build(&project, &[]);

    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "fresh")]));
    assert_ne!(
        identity(&project.path("output/alpha.pdf")),
        alpha_pdf,
        "alpha.pdf was not rewritten"
    );
    assert_eq!(
        identity(&project.path("output/beta.pdf")),
        beta_pdf,
        "beta.pdf was rewritten"
    );
}

#[test]
fn a_second_build_reports_everything_fresh_and_rewrites_nothing() {
    let project = two_publications();
    let first = build(&project, &[]);
    assert_eq!(
        statuses(&first),
        expect(&[(ALPHA, "built"), (BETA, "built")])
    );
    let before = [
        identity(&project.path("output/alpha.pdf")),
        identity(&project.path("output/beta.pdf")),
    ];

    let second = build(&project, &[]);
    assert_eq!(
        statuses(&second),
        expect(&[(ALPHA, "fresh"), (BETA, "fresh")])
    );
    let fresh = events(&second, "publication");
    let alpha = fresh.iter().find(|p| p["file"] == ALPHA).unwrap();
    assert_eq!(alpha["outputs"], serde_json::json!(["output/alpha.pdf"]));
    assert_eq!(
        [
            identity(&project.path("output/alpha.pdf")),
            identity(&project.path("output/beta.pdf")),
        ],
        before,
        "a fresh build rewrote an output"
    );
}

#[test]
fn changing_a_markdown_file_rebuilds_only_its_publication() {
    assert_change_rebuilds_only_alpha(|project| {
        project.write(
            "content/alpha/body.md",
            "What we found, revised.\n\n![A red bar](figure.svg)\n",
        );
    });
}

#[test]
fn changing_an_image_rebuilds_only_its_publication() {
    assert_change_rebuilds_only_alpha(|project| {
        project.write("content/alpha/figure.svg", svg("blue"));
    });
}

#[test]
fn changing_an_attachment_rebuilds_only_its_publication() {
    assert_change_rebuilds_only_alpha(|project| {
        project.write("content/alpha/data.csv", "year,reports\n2020,2\n");
    });
}

#[test]
fn changing_the_publication_file_rebuilds_only_it() {
    assert_change_rebuilds_only_alpha(|project| {
        let toml = String::from_utf8(project.read(ALPHA)).unwrap();
        project.write(
            ALPHA,
            toml.replace("title = \"alpha\"", "title = \"Alpha\""),
        );
    });
}

#[test]
fn changing_the_entry_file_of_a_project_template_rebuilds_only_its_users() {
    assert_change_rebuilds_only_alpha(|project| {
        project.write(
            "templates/house/template.typ",
            format!("{HOUSE_TEMPLATE}// A comment changes the template.\n"),
        );
    });
}

#[test]
fn changing_any_other_file_of_a_project_template_rebuilds_only_its_users() {
    assert_change_rebuilds_only_alpha(|project| {
        project.write("templates/house/epub.css", "body { margin: 1em; }\n");
    });
}

#[test]
fn a_project_copy_of_the_built_in_template_rebuilds_the_publications_using_it() {
    let project = two_publications();
    build(&project, &[]);
    // Only the typst entry: copying the template's fonts too would change
    // the project's fonts, which rightly rebuilds every publication.
    let mut typ = std::fs::read_to_string(repo().join("templates/brief/template.typ")).unwrap();
    typ.push_str("\n// The project's own copy.\n");
    project.write("templates/brief/template.typ", typ);

    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "fresh"), (BETA, "built")]));
}

#[test]
fn force_rebuilds_every_publication() {
    let project = two_publications();
    build(&project, &[]);
    let before = identity(&project.path("output/beta.pdf"));
    let run = build(&project, &["--force"]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "built")]));
    assert_ne!(identity(&project.path("output/beta.pdf")), before);
}

#[test]
fn a_deleted_output_is_rebuilt() {
    let project = two_publications();
    build(&project, &[]);
    std::fs::remove_file(project.path("output/alpha.pdf")).unwrap();
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "fresh")]));
    assert!(project.path("output/alpha.pdf").is_file());
}

#[test]
fn a_deleted_publication_is_reported_stale_until_pruned() {
    let project = two_publications();
    build(&project, &[]);
    std::fs::remove_file(project.path(BETA)).unwrap();

    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "fresh")]));
    assert_eq!(
        events(&run, "stale"),
        [serde_json::json!({
            "type": "stale",
            "source": BETA,
            "outputs": ["output/beta.pdf"],
            "action": "stale",
            "reason": "deleted",
        })]
    );
    assert!(
        project.path("output/beta.pdf").is_file(),
        "stale outputs are kept without --prune"
    );
    let human = project.run(&["build", "--format", "pdf"]);
    assert!(
        human.stderr.contains("output/beta.pdf") && human.stderr.contains("--prune"),
        "{}",
        human.stderr
    );

    let pruned = build(&project, &["--prune"]);
    assert_eq!(
        events(&pruned, "stale"),
        [serde_json::json!({
            "type": "stale",
            "source": BETA,
            "outputs": ["output/beta.pdf"],
            "action": "removed",
            "reason": "deleted",
        })]
    );
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "alpha.pdf"]
    );

    let after = build(&project, &[]);
    assert_eq!(events(&after, "stale"), Vec::<serde_json::Value>::new());
}

#[test]
fn a_moved_publication_is_built_under_its_new_name_and_its_old_outputs_are_stale() {
    let project = two_publications();
    build(&project, &[]);
    std::fs::rename(project.path(BETA), project.path("content/gamma.toml")).unwrap();
    let run = build(&project, &[]);
    assert_eq!(
        statuses(&run),
        expect(&[(ALPHA, "fresh"), ("content/gamma.toml", "built")])
    );
    let stale = events(&run, "stale");
    assert_eq!(stale.len(), 1, "{}", run.stdout);
    assert_eq!(stale[0]["source"], BETA);
    assert_eq!(stale[0]["outputs"], serde_json::json!(["output/beta.pdf"]));
}

#[test]
fn changing_a_file_a_template_imports_from_elsewhere_rebuilds_its_users() {
    let project = two_publications();
    project.write(
        "templates/common/colours.typ",
        "#let ink = rgb(\"#ff0000\")\n",
    );
    project.write(
        "templates/house/template.typ",
        format!(
            "#import \"/templates/common/colours.typ\": ink\n{}",
            HOUSE_TEMPLATE.replace(
                "set text(lang: language)",
                "set text(lang: language, fill: ink)"
            )
        ),
    );
    build(&project, &[]);
    let before = project.read("output/alpha.pdf");

    project.write(
        "templates/common/colours.typ",
        "#let ink = rgb(\"#0000ff\")\n",
    );
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "fresh")]));
    assert_ne!(
        project.read("output/alpha.pdf"),
        before,
        "alpha.pdf still has the old colour"
    );
}

#[test]
fn adding_a_project_font_rebuilds_every_publication() {
    let project = two_publications();
    build(&project, &[]);
    // Any font file will do; this one ships with the repository.
    let font = std::fs::read(repo().join("templates/brief/fonts/NotoEmoji-Regular.ttf")).unwrap();
    project.write("fonts/Extra.ttf", font);
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "built")]));
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "fresh"), (BETA, "fresh")]));
}

/// Lets the files written so far settle: a build records their stat keys
/// only once their times lie clearly before the build's start.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(100));
}

/// Rewrites `rel` with `contents` of the same length and puts its
/// modification time back: the same size and mtime, as a change within one
/// timestamp tick (or `touch -r`, `cp -p`, `rsync -t`) leaves them.
fn rewrite_keeping_size_and_mtime(project: &Project, rel: &str, contents: &str) {
    let path = project.path(rel);
    let before = std::fs::metadata(&path).unwrap();
    assert_eq!(before.len(), contents.len() as u64, "not the same size");
    std::fs::write(&path, contents).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(before.modified().unwrap()).unwrap();
    drop(file);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
}

#[test]
fn a_change_that_keeps_size_and_mtime_is_still_rebuilt() {
    for settled in [false, true] {
        let project = two_publications();
        if settled {
            // The first build then records stat keys for every input ...
            settle();
        }
        // ... otherwise the files changed in the same moment as the build
        // started, and their keys are not trusted (git's "racy" files).
        build(&project, &[]);
        settle();
        rewrite_keeping_size_and_mtime(
            &project,
            "content/alpha/body.md",
            "What we FOUND.\n\n![A red bar](figure.svg)\n",
        );
        let run = build(&project, &[]);
        assert_eq!(
            statuses(&run),
            expect(&[(ALPHA, "built"), (BETA, "fresh")]),
            "settled: {settled}"
        );
        let text = crate::harness::pdf_text(&project.path("output/alpha.pdf"));
        assert!(
            text.contains("What we FOUND."),
            "settled: {settled}: {text}"
        );
        let again = build(&project, &[]);
        assert_eq!(
            statuses(&again),
            expect(&[(ALPHA, "fresh"), (BETA, "fresh")])
        );
    }
}

#[test]
fn a_tampered_or_truncated_cache_never_hides_a_change() {
    let project = two_publications();
    settle();
    build(&project, &[]);
    settle();
    let cache = project.path(&format!("output/{}", crate::harness::CACHE_FILE));
    // A real change to alpha, and stat keys that say nothing changed: the
    // recorded keys with another inode, size or time, or none at all.
    project.write(
        "content/alpha/body.md",
        "What we found, revised.\n\n![A red bar](figure.svg)\n",
    );
    let mut json = project.cache();
    for (stem, tamper) in [("alpha", 0), ("beta", 1)] {
        let inputs = json["entries"][stem]["inputs"].as_array_mut().unwrap();
        assert!(
            inputs.iter().all(|i| i["stat"].is_object()),
            "{stem}: no keys recorded"
        );
        for (i, input) in inputs.iter_mut().enumerate() {
            match (i + tamper) % 4 {
                0 => input["stat"]["ino"] = 12345.into(),
                1 => input["stat"]["size"] = 1.into(),
                2 => input["stat"]["mtime"] = serde_json::json!([1, 0]),
                _ => input["stat"] = serde_json::Value::Null,
            }
        }
    }
    project.write_cache(&json);
    let run = build(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(ALPHA, "built"), (BETA, "fresh")]));
    let text = crate::harness::pdf_text(&project.path("output/alpha.pdf"));
    assert!(text.contains("revised"), "{text}");
    // Beta's contents were hashed and matched: its true keys are back.
    let json = project.cache();
    for input in json["entries"]["beta"]["inputs"].as_array().unwrap() {
        let meta = std::fs::metadata(project.path(input["path"].as_str().unwrap())).unwrap();
        assert_eq!(input["stat"]["size"], meta.len(), "{input}");
        assert_eq!(
            input["stat"]["ino"],
            std::os::unix::fs::MetadataExt::ino(&meta)
        );
    }

    // A cache cut short anywhere is discarded whole (one warning, no
    // crash) and every publication is built again, the changed one with
    // its change. (Without a cache to prove briefpress wrote it, the old
    // alpha.pdf would not be replaced: it is moved away, as that error says.)
    let whole = std::fs::read(&cache).unwrap();
    for cut in [1, whole.len() / 3, whole.len() / 2, whole.len() - 1] {
        project.write(
            "content/alpha/body.md",
            format!("What we found, cut at {cut}.\n\n![A red bar](figure.svg)\n"),
        );
        std::fs::write(&cache, &whole[..cut]).unwrap();
        std::fs::remove_file(project.path("output/alpha.pdf")).unwrap();
        let run = build(&project, &[]);
        assert_eq!(
            statuses(&run),
            expect(&[(ALPHA, "built"), (BETA, "built")]),
            "cut at {cut}"
        );
        let warnings = events(&run, "diagnostic")
            .iter()
            .filter(|d| {
                d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("ignoring the build cache"))
            })
            .count();
        assert_eq!(warnings, 1, "cut at {cut}");
        let text = crate::harness::pdf_text(&project.path("output/alpha.pdf"));
        assert!(text.contains(&format!("cut at {cut}")), "{text}");
    }
}

const P: &str = "content/p.toml";

/// A publication whose section says `body`, in the large-print edition too if `large`.
fn with_editions(body: &str, large: bool) -> String {
    let editions = if large {
        "editions = [\"standard\", \"large-print\"]\n"
    } else {
        ""
    };
    format!(
        "title = \"p\"\ndate = 2021-10-19\n{editions}\n\
         [[sections]]\ntitle = \"S\"\nbody = \"{body}\"\n"
    )
}

/// `build` in every format with JSON messages, and `extra`; it must succeed.
fn build_all(project: &Project, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--message-format", "json"];
    args.extend_from_slice(extra);
    let run = project.run(&args);
    run.expect_code(0);
    run
}

#[test]
fn an_edition_the_publication_dropped_is_reported_stale_until_pruned() {
    let project = Project::empty();
    project.write(P, with_editions("OLD", true));
    build_all(&project, &[]);
    project.write(P, with_editions("NEW", false));

    let run = build_all(&project, &[]);
    assert_eq!(statuses(&run), expect(&[(P, "built")]));
    let stale = serde_json::json!({
        "type": "stale",
        "source": P,
        "outputs": ["output/p.large-print.pdf"],
        "action": "stale",
        "reason": "edition",
    });
    assert_eq!(events(&run, "stale"), std::slice::from_ref(&stale));
    assert!(crate::harness::pdf_text(&project.path("output/p.pdf")).contains("NEW"));
    // Every build names it, fresh or not, and says what to do.
    let human = project.run(&["build"]);
    human.expect_code(0);
    assert!(
        human.stderr.contains("output/p.large-print.pdf")
            && human
                .stderr
                .contains("no longer builds its large-print edition")
            && human.stderr.contains("--prune"),
        "{}",
        human.stderr
    );

    let pruned = build_all(&project, &["--prune"]);
    let mut removed = stale;
    removed["action"] = "removed".into();
    assert_eq!(events(&pruned, "stale"), [removed]);
    assert_eq!(
        project.files_under("output"),
        [".briefpress-cache", "p.epub", "p.pdf"]
    );
    let after = build_all(&project, &[]);
    assert_eq!(statuses(&after), expect(&[(P, "fresh")]));
    assert_eq!(events(&after, "stale"), Vec::<serde_json::Value>::new());
}

#[test]
fn an_output_a_format_selection_left_alone_is_kept_and_still_replaced_later() {
    let project = Project::empty();
    project.write(P, with_editions("OLD", true));
    build_all(&project, &[]);
    project.write(P, with_editions("NEW", true));

    // Not selected is not stale: kept, remembered, not reported.
    let epub = build_all(&project, &["--format", "epub"]);
    assert_eq!(events(&epub, "stale"), Vec::<serde_json::Value>::new());
    let old_pdf = project.read("output/p.pdf");
    assert!(crate::harness::pdf_text(&project.path("output/p.pdf")).contains("OLD"));

    // The PDFs briefpress wrote before are its own: replaced, no conflict.
    let full = build_all(&project, &[]);
    assert_eq!(statuses(&full), expect(&[(P, "built")]));
    assert_ne!(project.read("output/p.pdf"), old_pdf);
    for pdf in ["output/p.pdf", "output/p.large-print.pdf"] {
        assert!(
            crate::harness::pdf_text(&project.path(pdf)).contains("NEW"),
            "{pdf}"
        );
    }
    assert_eq!(events(&full, "stale"), Vec::<serde_json::Value>::new());
}

#[test]
fn prune_removes_every_output_of_a_deleted_publication_whichever_build_wrote_it() {
    let project = Project::empty();
    project.write(P, with_editions("OLD", true));
    build_all(&project, &[]);
    build_all(&project, &["--format", "epub"]);
    std::fs::remove_file(project.path(P)).unwrap();

    let run = build_all(&project, &["--prune"]);
    assert_eq!(
        events(&run, "stale"),
        [serde_json::json!({
            "type": "stale",
            "source": P,
            "outputs": ["output/p.epub", "output/p.pdf", "output/p.large-print.pdf"],
            "action": "removed",
            "reason": "deleted",
        })]
    );
    assert_eq!(project.files_under("output"), [".briefpress-cache"]);
}

#[test]
fn an_edition_left_out_by_edition_is_kept_and_one_the_publication_does_not_list_turns_stale() {
    let project = Project::empty();
    project.write(P, with_editions("b", true));
    build_all(&project, &[]);
    // Listed but left out of this run: kept, not stale.
    let standard = build_all(&project, &["--edition", "standard"]);
    assert_eq!(events(&standard, "stale"), Vec::<serde_json::Value>::new());
    assert!(project.path("output/p.large-print.pdf").is_file());

    // Built once on request although the publication does not list it:
    // stale after the next build without the request.
    project.write(P, with_editions("c", false));
    let large = build_all(&project, &["--edition", "large-print"]);
    assert_eq!(events(&large, "stale"), Vec::<serde_json::Value>::new());
    let normal = build_all(&project, &[]);
    let stale = events(&normal, "stale");
    assert_eq!(stale.len(), 1, "{}", normal.stdout);
    assert_eq!(
        stale[0]["outputs"],
        serde_json::json!(["output/p.large-print.pdf"])
    );
    assert_eq!(stale[0]["reason"], "edition");
}

#[test]
fn prune_looks_for_deleted_publications_only_where_the_run_was_told_to_look() {
    let project = Project::empty();
    for name in ["a", "b"] {
        project.write(
            &format!("q/content/{name}.toml"),
            with_editions(name, false),
        );
    }
    project.run_in("q", &["build", "-q"]).expect_code(0);
    let built = project.files_under("q/output");

    // From the folder above, the cache's names (content/a.toml) are not this
    // run's (q/content/a.toml): nothing it records is taken as deleted.
    let above = project.run(&[
        "build",
        "q/content/a.toml",
        "--out",
        "q/output",
        "--prune",
        "--message-format",
        "json",
    ]);
    above.expect_code(0);
    assert_eq!(events(&above, "stale"), Vec::<serde_json::Value>::new());
    let now = project.files_under("q/output");
    assert!(built.iter().all(|file| now.contains(file)), "{now:?}");

    // A build of one publication says nothing of another one, deleted.
    std::fs::remove_file(project.path("q/content/b.toml")).unwrap();
    let one = project.run_in(
        "q",
        &[
            "build",
            "content/a.toml",
            "--prune",
            "--message-format",
            "json",
        ],
    );
    one.expect_code(0);
    assert_eq!(events(&one, "stale"), Vec::<serde_json::Value>::new());
    assert!(project.path("q/output/b.pdf").is_file());

    // A build of the whole content folder prunes it.
    let all = project.run_in("q", &["build", "--prune", "--message-format", "json"]);
    all.expect_code(0);
    assert_eq!(events(&all, "stale").len(), 1);
    assert!(!project.path("q/output/b.pdf").exists());
}

#[test]
fn pointing_a_symlink_on_the_way_to_an_input_elsewhere_rebuilds() {
    let project = Project::empty();
    for (file, text) in [
        ("lib/v1.md", "File one."),
        ("lib/v2.md", "File two."),
        ("libd/v1/inc.md", "Folder one."),
        ("libd/v2/inc.md", "Folder two."),
    ] {
        project.write(file, text);
    }
    std::fs::create_dir_all(project.path("content/a")).unwrap();
    let link = |target: &str, at: &str| {
        let _ = std::fs::remove_file(project.path(at));
        std::os::unix::fs::symlink(target, project.path(at)).unwrap();
    };
    link("../../lib/v1.md", "content/a/link.md");
    link("../../libd/v1", "content/a/shared");
    project.write(
        "content/a.toml",
        "title = \"A\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"One\"\nfile = \"a/link.md\"\n\n\
         [[sections]]\ntitle = \"Two\"\nfile = \"a/shared/inc.md\"\n",
    );
    project.run(&["build", "-f", "pdf", "-q"]).expect_code(0);
    let text = crate::harness::pdf_text(&project.path("output/a.pdf"));
    assert!(
        text.contains("File one") && text.contains("Folder one"),
        "{text}"
    );

    link("../../lib/v2.md", "content/a/link.md");
    let run = project.run(&["build", "-f", "pdf", "--message-format", "json"]);
    run.expect_code(0);
    assert_eq!(events(&run, "publication")[0]["status"], "built");
    assert!(crate::harness::pdf_text(&project.path("output/a.pdf")).contains("File two"));

    link("../../libd/v2", "content/a/shared");
    let run = project.run(&["build", "-f", "pdf", "--message-format", "json"]);
    assert_eq!(events(&run, "publication")[0]["status"], "built");
    assert!(crate::harness::pdf_text(&project.path("output/a.pdf")).contains("Folder two"));
}
