//! Every kind of broken publication is refused the same way: `build` and
//! `check` exit with 1, the diagnostic names the file (and the line and
//! column where the source has one), `build` writes no output at all, and
//! `check` prints exactly the text kept in the case's insta snapshot,
//! `snapshots/integration__invalid__<case>.snap` beside this file.
//!
//! Each case is a folder `tests/fixtures/invalid/<case>/` holding a project.
//! After a deliberate change to a message, review the new text with
//! `cargo insta review`, or accept it with `INSTA_UPDATE=always` (see the
//! README's Development section).

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::{Project, Run};

/// Prepares a fixture copy before the runs.
type Setup<'a> = Box<dyn Fn(&Project) + 'a>;

/// A broken fixture and what its rejection must look like.
struct Rejection<'a> {
    case: &'a str,
    code: &'a str,
    /// Where each error points, in order: `file:line:column`, or `file` when no line applies.
    at: Vec<&'a str>,
    args: Vec<&'a str>,
    setup: Vec<Setup<'a>>,
    redactions: Vec<(PathBuf, &'a str)>,
}

/// Starts describing how the fixture `case` must be rejected.
fn rejecting(case: &str) -> Rejection<'_> {
    Rejection {
        case,
        code: "",
        at: Vec::new(),
        args: Vec::new(),
        setup: Vec::new(),
        redactions: Vec::new(),
    }
}

impl<'a> Rejection<'a> {
    /// Every error carries this code.
    fn with_code(mut self, code: &'a str) -> Self {
        self.code = code;
        self
    }

    /// The next error points at `file:line:column`.
    fn at(mut self, location: &'a str) -> Self {
        self.at.push(location);
        self
    }

    /// Extra arguments for both `build` and `check`.
    fn given(mut self, args: &[&'a str]) -> Self {
        self.args.extend_from_slice(args);
        self
    }

    /// Prepares something git cannot hold (a symlink, a huge file) before running.
    fn after(mut self, setup: impl Fn(&Project) + 'a) -> Self {
        self.setup.push(Box::new(setup));
        self
    }

    /// Replaces a machine-specific path in the output with `label`.
    fn redacting(mut self, path: &Path, label: &'a str) -> Self {
        self.redactions.push((path.to_path_buf(), label));
        self
    }

    /// Runs `check` and `build` on a fresh copy of the fixture and asserts
    /// everything a rejection promises; returns the redacted `check` stderr.
    fn verify(self) -> String {
        let project = Project::fixture(&format!("invalid/{}", self.case));
        for setup in &self.setup {
            setup(&project);
        }
        let with = |command: &[&'a str]| -> Vec<&'a str> {
            command
                .iter()
                .chain(&self.args)
                .copied()
                .collect::<Vec<_>>()
        };

        let check = project.run(&with(&["check"]));
        check.expect_code(1);
        for location in &self.at {
            // `file:line:column` is shown as a snippet; a bare `file` (a key
            // missing from the whole file) prefixes the message instead.
            let pointer = if location.contains(':') {
                format!("┌─ {location}\n")
            } else {
                format!("]: {location}: ")
            };
            assert!(
                check.stderr.contains(&pointer),
                "`check` should point at {location}:\n{}",
                check.stderr
            );
        }
        assert_eq!(
            error_codes(&check.stderr),
            vec![self.code; self.at.len()],
            "`check` should report exactly {} `{}` error(s):\n{}",
            self.at.len(),
            self.code,
            check.stderr
        );

        let json = project.run(&with(&["check", "--message-format", "json"]));
        json.expect_code(1);
        assert_eq!(
            json_locations(&json),
            self.at
                .iter()
                .map(|at| (self.code.to_string(), at.to_string()))
                .collect::<Vec<_>>(),
            "JSON diagnostics should carry the same codes and locations:\n{}",
            json.stdout
        );

        let build = project.run(&with(&["build"]));
        build.expect_code(1);
        let written: Vec<String> = project
            .files_under("output")
            .into_iter()
            .filter(|name| name != ".briefpress-cache")
            .collect();
        assert!(
            written.is_empty(),
            "a failed build should write no output, but wrote {written:?}"
        );

        let mut redactions = self.redactions;
        redactions.push((project.root().to_path_buf(), "[TMP]"));
        let stderr = redact(&check.stderr, &redactions);
        insta::assert_snapshot!(self.case, stderr);
        stderr
    }
}

/// The codes of the `error[code]` headers in human output, in order.
fn error_codes(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error["))
        .filter_map(|rest| rest.split_once(']').map(|(code, _)| code))
        .collect()
}

/// (code, `file:line:column`) of every JSON error diagnostic, in order.
fn json_locations(run: &Run) -> Vec<(String, String)> {
    run.json()
        .iter()
        .filter(|event| event["type"] == "diagnostic" && event["severity"] == "error")
        .map(|d| {
            let mut at = d["file"].as_str().unwrap_or("<no file>").to_string();
            if let (Some(line), Some(column)) = (d["line"].as_u64(), d["column"].as_u64()) {
                at = format!("{at}:{line}:{column}");
            }
            (d["code"].as_str().unwrap_or("<no code>").to_string(), at)
        })
        .collect()
}

/// Replaces absolute paths (as given and canonical) and timings, which differ per run.
fn redact(text: &str, paths: &[(PathBuf, &str)]) -> String {
    let mut text = text.to_string();
    for (path, label) in paths {
        let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        for form in [canonical, path.clone()] {
            text = text.replace(&*form.to_string_lossy(), label);
        }
    }
    text.lines()
        .map(redact_timing)
        .map(|line| line + "\n")
        .collect()
}

/// `Failed x.toml (3 ms)` → `([MS] ms)`; `Finished … in 0.01 s` → `in [S] s`.
fn redact_timing(line: &str) -> String {
    if let Some(head) = line.strip_suffix(" ms)")
        && let Some(open) = head.rfind('(')
        && head[open + 1..].chars().all(|c| c.is_ascii_digit())
    {
        return format!("{}([MS] ms)", &head[..open]);
    }
    if line.trim_start().starts_with("Finished")
        && let Some(head) = line.strip_suffix(" s")
        && let Some(space) = head.rfind(" in ")
    {
        return format!("{} in [S] s", &head[..space]);
    }
    line.to_string()
}

#[test]
fn a_toml_syntax_error_points_at_the_broken_string() {
    rejecting("toml-syntax-error")
        .with_code("toml-syntax")
        .at("content/toml-syntax-error.toml:1:18")
        .verify();
}

#[test]
fn a_publication_without_a_title_is_refused() {
    let stderr = rejecting("missing-title")
        .with_code("missing-key")
        .at("content/missing-title.toml")
        .verify();
    assert!(stderr.contains("missing required key `title`"), "{stderr}");
}

#[test]
fn a_publication_without_a_date_is_refused() {
    let stderr = rejecting("missing-date")
        .with_code("missing-key")
        .at("content/missing-date.toml")
        .verify();
    assert!(stderr.contains("missing required key `date`"), "{stderr}");
}

#[test]
fn a_misspelt_key_suggests_the_right_one() {
    let stderr = rejecting("unknown-key")
        .with_code("unknown-key")
        .at("content/unknown-key.toml:3:1")
        .verify();
    assert!(stderr.contains("did you mean `authors`?"), "{stderr}");
}

#[test]
fn a_misspelt_key_in_a_section_suggests_the_section_key() {
    let stderr = rejecting("unknown-key-in-section")
        .with_code("unknown-key")
        .at("content/unknown-key-in-section.toml:6:1")
        .verify();
    assert!(stderr.contains("did you mean `id`?"), "{stderr}");
    assert!(
        stderr.contains("the keys allowed here are: title, body, file, id"),
        "{stderr}"
    );
}

#[test]
fn a_quoted_date_is_refused_with_a_hint_to_drop_the_quotes() {
    let stderr = rejecting("date-as-string")
        .with_code("invalid-value")
        .at("content/date-as-string.toml:2:8")
        .verify();
    assert!(stderr.contains("without quotes"), "{stderr}");
}

#[test]
fn a_date_with_a_time_is_refused() {
    rejecting("date-with-time")
        .with_code("invalid-date")
        .at("content/date-with-time.toml:2:8")
        .verify();
}

#[test]
fn a_section_with_both_body_and_file_is_refused() {
    rejecting("body-and-file-both")
        .with_code("conflicting-keys")
        .at("content/body-and-file-both.toml:7:8")
        .verify();
}

#[test]
fn a_section_with_neither_body_nor_file_is_refused() {
    rejecting("neither-body-nor-file")
        .with_code("conflicting-keys")
        .at("content/neither-body-nor-file.toml:4:1")
        .verify();
}

#[test]
fn a_missing_section_file_is_reported_where_it_is_named() {
    rejecting("missing-section-file")
        .with_code("missing-file")
        .at("content/missing-section-file.toml:6:8")
        .verify();
}

#[test]
fn a_path_climbing_out_of_the_project_is_refused() {
    rejecting("path-escapes-root")
        .with_code("path-outside-root")
        .at("content/path-escapes-root.toml:6:8")
        .verify();
}

#[test]
fn a_file_name_with_a_backslash_is_refused_where_it_is_named() {
    // Made here: git on Windows cannot hold these names.
    let stderr = rejecting("backslash-file-name")
        .with_code("invalid-value")
        .at("content/backslash-file-name.toml:7:1")
        .at("content/backslash-file-name.toml:12:8")
        .after(|project| {
            project
                .write("content/a/chart\\one.svg", crate::corpus::svg("red"))
                .write("content/a/q\"uo\\te.csv", "1\n");
        })
        .verify();
    assert!(
        stderr.contains("typst cannot read file names containing `\\`; rename the file"),
        "{stderr}"
    );
}

#[test]
fn an_absolute_path_is_refused() {
    rejecting("absolute-path")
        .with_code("path-outside-root")
        .at("content/absolute-path.toml:6:8")
        .verify();
}

#[test]
fn a_symlink_leading_out_of_the_project_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    fs::write(&secret, "Not part of the project.\n").unwrap();
    let stderr = rejecting("symlink-outside-root")
        .with_code("path-outside-root")
        .at("content/symlink-outside-root.toml:6:8")
        .after(|project| {
            std::os::unix::fs::symlink(&secret, project.path("content/leak.md")).unwrap()
        })
        .redacting(outside.path(), "[OUTSIDE]")
        .verify();
    assert!(stderr.contains("[OUTSIDE]/secret.md"), "{stderr}");
}

#[test]
fn javascript_and_ftp_urls_are_both_refused() {
    rejecting("non-http-url")
        .with_code("invalid-url")
        .at("content/non-http-url.toml:10:7")
        .at("content/non-http-url.toml:14:7")
        .verify();
}

#[test]
fn a_missing_image_is_reported_in_the_markdown_file_that_shows_it() {
    rejecting("image-missing")
        .with_code("missing-file")
        .at("content/image-missing/one.md:3:1")
        .verify();
}

#[test]
fn an_image_outside_the_project_is_refused() {
    rejecting("image-outside-root")
        .with_code("path-outside-root")
        .at("content/image-outside-root/one.md:3:1")
        .verify();
}

#[test]
fn an_image_without_alt_text_is_refused() {
    rejecting("image-without-alt-text")
        .with_code("missing-alt-text")
        .at("content/image-without-alt-text/one.md:3:1")
        .verify();
}

#[test]
fn a_text_file_named_png_is_not_an_image() {
    rejecting("not-an-image")
        .with_code("not-an-image")
        .at("content/not-an-image/one.md:3:1")
        .verify();
}

#[test]
fn two_sections_with_the_same_id_are_refused_at_the_second() {
    rejecting("duplicate-section-id")
        .with_code("duplicate")
        .at("content/duplicate-section-id.toml:11:6")
        .verify();
}

#[test]
fn a_link_to_an_unknown_section_lists_the_known_ids() {
    let stderr = rejecting("link-to-unknown-section")
        .with_code("invalid-link")
        .at("content/link-to-unknown-section/one.md:3:8")
        .verify();
    assert!(stderr.contains("section ids are: one"), "{stderr}");
}

#[test]
fn a_footnote_reference_without_a_definition_is_refused() {
    rejecting("footnote-undefined")
        .with_code("invalid-link")
        .at("content/footnote-undefined/one.md:3:29")
        .verify();
}

#[test]
fn a_control_character_escape_in_a_toml_string_is_refused_at_the_escape() {
    // The value starts at column 12; the escape itself is at column 19.
    let stderr = rejecting("forbidden-control-character")
        .with_code("forbidden-character")
        .at("content/forbidden-control-character.toml:2:19")
        .verify();
    assert!(stderr.contains("       ^^^^^^\n"), "{stderr}");
}

#[test]
fn markdown_nested_forty_quotes_deep_is_refused() {
    rejecting("too-deep-nesting")
        .with_code("too-deep")
        .at("content/too-deep-nesting/one.md:1:49")
        .after(|project| {
            project.write(
                "content/too-deep-nesting/one.md",
                format!("{}Deep.\n", "> ".repeat(40)),
            );
        })
        .verify();
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let stderr = rejecting("too-large-file")
        .with_code("too-large")
        .at("content/too-large-file.toml:10:8")
        .given(&["--max-file-size", "1"])
        .after(|project| {
            project.write(
                "content/too-large-file/data.csv",
                vec![b'x'; 2 * 1024 * 1024],
            );
        })
        .verify();
    assert!(stderr.contains("--max-file-size"), "{stderr}");
}

#[test]
fn an_unknown_template_is_reported_at_the_template_key() {
    rejecting("unknown-template")
        .with_code("template")
        .at("content/unknown-template.toml:3:12")
        .verify();
}

#[test]
fn an_unknown_template_fails_the_publication_and_names_the_template() {
    let project = Project::fixture("invalid/unknown-template");
    for command in ["check", "build"] {
        let run = project.run(&[command]);
        run.expect_code(1);
        assert!(
            run.stderr.contains("content/unknown-template.toml")
                && run.stderr.contains("template `nonexistent` not found"),
            "{command}: {}",
            run.stderr
        );
    }
    assert_eq!(project.files_under("output"), [".briefpress-cache"]);
}

#[test]
fn a_typst_error_in_a_project_template_points_at_the_template_line() {
    let stderr = rejecting("template-error")
        .with_code("template")
        .at("templates/broken/template.typ:6:3")
        .verify();
    assert!(stderr.contains("undefined-function"), "{stderr}");
}

#[test]
fn a_publication_file_that_is_not_utf8_is_refused_at_the_first_bad_byte() {
    rejecting("not-utf8")
        .with_code("invalid-value")
        .at("content/not-utf8.toml:1:13")
        .verify();
}

#[test]
fn an_update_before_the_publication_date_is_refused() {
    rejecting("updated-before-date")
        .with_code("invalid-date")
        .at("content/updated-before-date.toml:3:11")
        .verify();
}

#[test]
fn a_day_that_is_not_in_the_calendar_is_refused() {
    rejecting("date-out-of-range")
        .with_code("invalid-date")
        .at("content/date-out-of-range.toml:2:16")
        .verify();
}

#[test]
fn a_byte_order_mark_inside_a_markdown_file_is_refused_where_it_is() {
    let stderr = rejecting("bom-in-the-middle")
        .with_code("forbidden-character")
        .at("content/bom-in-the-middle/one.md:4:1")
        .verify();
    assert!(stderr.contains("U+FEFF"), "{stderr}");
}

#[test]
fn a_byte_order_mark_between_toml_lines_is_refused_not_a_syntax_error() {
    rejecting("bom-in-toml")
        .with_code("forbidden-character")
        .at("content/bom-in-toml.toml:3:1")
        .verify();
}

#[test]
fn escapes_before_a_problem_in_a_toml_string_do_not_shift_its_column() {
    rejecting("escapes-before-a-broken-link")
        .with_code("invalid-link")
        .at("content/escapes-before-a-broken-link.toml:6:74")
        .verify();
}

#[test]
fn line_ending_backslashes_do_not_shift_a_problem_in_a_multi_line_string() {
    rejecting("line-ending-backslash-before-a-broken-link")
        .with_code("invalid-link")
        .at("content/line-ending-backslash-before-a-broken-link.toml:9:9")
        .verify();
}

#[test]
fn an_svg_that_loads_a_sibling_raster_is_refused_at_the_reference() {
    let stderr = rejecting("svg-with-external-image")
        .with_code("invalid-link")
        .at("content/svg-with-external-image/chart.svg:3:16")
        .verify();
    assert!(stderr.contains("data: URI"), "{stderr}");
    assert!(
        stderr.contains("the SVG is used at content/svg-with-external-image/one.md:3:1"),
        "{stderr}"
    );
}

#[test]
fn an_svg_cover_using_a_symbol_from_another_file_is_refused() {
    rejecting("svg-cover-uses-another-file")
        .with_code("invalid-link")
        .at("content/svg-cover-uses-another-file/cover.svg:2:20")
        .verify();
}

#[test]
fn an_svg_importing_a_stylesheet_is_refused() {
    let stderr = rejecting("svg-with-css-import")
        .with_code("invalid-link")
        .at("content/svg-with-css-import/chart.svg:3:5")
        .verify();
    assert!(stderr.contains("@import url(\"theme.css\")"), "{stderr}");
}

#[test]
fn a_broken_svg_is_reported_in_the_svg_at_the_broken_tag() {
    let stderr = rejecting("broken-svg")
        .with_code("not-an-image")
        .at("content/broken-svg/diagram.svg:4:3")
        .verify();
    assert!(
        stderr.contains("the SVG is used at content/broken-svg/one.md:3:1"),
        "{stderr}"
    );
}

#[test]
fn a_corrupt_cover_is_blamed_on_the_image_and_the_cover_key_not_the_template() {
    let stderr = rejecting("corrupt-cover")
        .with_code("not-an-image")
        .at("content/corrupt-cover.toml:3:9")
        .after(|project| {
            // A valid header, then pixel data cut off half-way.
            let mut png = crate::fixtures::png(16, 16, [10, 20, 30]);
            png.truncate(png.len() / 2);
            project.write("content/corrupt-cover/cover.png", png);
        })
        .verify();
    assert!(
        stderr.contains("`content/corrupt-cover/cover.png` cannot be decoded"),
        "{stderr}"
    );
    assert!(!stderr.contains("template.typ"), "{stderr}");
}

#[test]
fn an_image_over_the_pixel_budget_is_refused_where_it_is_used() {
    let stderr = rejecting("image-too-large")
        .with_code("too-large")
        .at("content/image-too-large/one.md:3:1")
        .after(|project| {
            project.write(
                "content/image-too-large/harbour.jpg",
                crate::limits::jpeg_declaring(65_500, 65_500),
            );
        })
        .verify();
    assert!(stderr.contains("--max-image-pixels"), "{stderr}");
}

#[test]
fn more_sections_than_the_limit_are_refused_at_the_first_one_over() {
    rejecting("too-many-sections")
        .with_code("too-large")
        .at("content/too-many-sections.toml:8004:1")
        .after(|project| {
            let mut toml = String::from("title = \"Many\"\ndate = 2024-01-01\n");
            for i in 0..2_001 {
                toml.push_str(&format!(
                    "\n[[sections]]\ntitle = \"S{i}\"\nbody = \"B.\"\n"
                ));
            }
            project.write("content/too-many-sections.toml", toml);
        })
        .verify();
}

#[test]
fn character_references_to_controls_and_noncharacters_are_forbidden_at_the_reference() {
    // Written as `&#x1;` they used to pass the check: the PDF then failed
    // with a font hint and no line, the EPUB dropped them without a word.
    let project = Project::empty();
    project
        .write(
            "content/c.toml",
            "title = \"C\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"ctrl &#x1; &#xFFFF; &#x10FFFF; end\"\n\
             [[sections]]\ntitle = \"T\"\nfile = \"c/t.md\"\n",
        )
        .write("content/c/t.md", "Line one.\n\nA &#xFDD0; here and &#1; there, &#x09; is fine.\n");
    for args in [&["build", "-f", "epub"][..], &["build", "-f", "pdf"]] {
        let run = project.run(&[args, &["--message-format", "json"]].concat());
        run.expect_code(1);
        assert_eq!(
            run.json_errors(),
            [
                (
                    "forbidden-character".to_string(),
                    "content/c.toml:5:14".to_string()
                ),
                ("forbidden-character".into(), "content/c.toml:5:20".into()),
                ("forbidden-character".into(), "content/c.toml:5:29".into()),
                ("forbidden-character".into(), "content/c/t.md:3:3".into()),
                ("forbidden-character".into(), "content/c/t.md:3:21".into()),
            ],
            "{args:?}: {}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("stands for a Unicode noncharacter (U+10FFFF)"),
            "{}",
            run.stdout
        );
    }
    assert!(
        project
            .files_under("output")
            .iter()
            .all(|f| !f.ends_with(".epub") && !f.ends_with(".pdf"))
    );
}

#[test]
fn a_template_that_breaks_the_contract_is_reported_in_the_template() {
    let project = Project::empty();
    project.write(
        "content/a.toml",
        "title = \"A\"\ndate = 2024-03-01\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n",
    );
    let cases = [
        // No `publication` at all.
        ("#let foo = 1\n", 1, 1, "defines no `publication`"),
        // A `publication` that refuses the named arguments.
        (
            "// mine\n#let publication(body) = body\n",
            2,
            6,
            "does not take",
        ),
        // Reading outside the project: no advice about a `--root` option.
        (
            "#let x = read(\"../../../secret.txt\")\n#let publication(..args, body) = body\n",
            1,
            15,
            "escape",
        ),
    ];
    for (template, line, column, says) in cases {
        project.write("templates/brief/template.typ", template);
        let run = project.run(&["build", "--force", "--message-format", "json"]);
        run.expect_code(1);
        let errors: Vec<_> = run
            .json()
            .into_iter()
            .filter(|d| d["type"] == "diagnostic" && d["severity"] == "error")
            .collect();
        assert_eq!(errors.len(), 1, "{template}: {}", run.stdout);
        let e = &errors[0];
        assert_eq!(e["code"], "template", "{e}");
        assert_eq!(e["file"], "templates/brief/template.typ", "{e}");
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(line), Some(column)),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap_or("").contains(says), "{e}");
        assert!(!e.to_string().contains("--root"), "{e}");
    }
}

#[test]
fn font_folders_must_be_folders_and_an_empty_variable_adds_none() {
    let project = Project::empty();
    project.write(
        "content/a.toml",
        "title = \"A\"\ndate = 2024-03-01\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n",
    );
    std::fs::create_dir_all(project.path("extra-fonts")).unwrap();
    for value in ["", "extra-fonts::", ":extra-fonts"] {
        let run = project.run_with_env(&["check"], &[("BRIEFPRESS_FONT_PATHS", value)]);
        run.expect_code(0);
    }
    let run = project.run_with_env(&["check"], &[("BRIEFPRESS_FONT_PATHS", "extra-fonts:typo")]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("BRIEFPRESS_FONT_PATHS names `typo`, which is not a folder"),
        "{}",
        run.stderr
    );
    for command in ["build", "check", "fonts"] {
        let run = project.run(&[command, "--font-path", "missing"]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("--font-path names `missing`"),
            "{}",
            run.stderr
        );
    }
    assert!(!project.path("output").exists());
}

/// One run of `check` reports every independent mistake of a publication
/// file, each once, at its own place: wrong-typed values in several tables,
/// the quoted date, and the checks that need the rest of the file (here a
/// section with both `body` and `file`), with no "missing" echo of a value
/// already refused for its type.
#[test]
fn one_check_reports_every_wrong_typed_value_and_what_follows() {
    let project = Project::empty();
    project.write(
        "content/e2.toml",
        "title = 5\ndate = \"2025-01-15\"\nkeywords = \"k\"\n\
         [[sections]]\ntitle = \"S\"\nbody = \"b\"\nfile=\"x.md\"\n\
         [[sections]]\ntitle = 2\nbody = false\n\
         [[attachments]]\ntitle = \"A\"\nurl = 7\n",
    );
    let json = project.run(&["check", "--message-format", "json"]);
    json.expect_code(1);
    let expected = [
        ("invalid-value", "content/e2.toml:1:9"),
        ("invalid-value", "content/e2.toml:2:8"),
        ("invalid-value", "content/e2.toml:3:12"),
        ("invalid-value", "content/e2.toml:9:9"),
        ("invalid-value", "content/e2.toml:10:8"),
        ("invalid-value", "content/e2.toml:13:7"),
        ("conflicting-keys", "content/e2.toml:7:6"),
    ];
    assert_eq!(
        json.json_errors(),
        expected.map(|(code, at)| (code.to_string(), at.to_string())),
        "{}",
        json.stdout
    );
    let human = project.run(&["check"]);
    human.expect_code(1);
    for expected in [
        "`title` must be a string, not a number",
        "put it in quotes: `title = \"5\"`",
        "write the date without quotes: `date = 2025-01-15`",
        "write a list in square brackets: `keywords = [\"k\"]`",
        "a section has both `body` and `file`",
    ] {
        assert!(
            human.stderr.contains(expected),
            "{expected}:\n{}",
            human.stderr
        );
    }
    assert!(!human.stderr.contains("missing"), "{}", human.stderr);
}

/// `briefpress.toml` is read like a publication file: one run reports every
/// value of the wrong type at its own line, with its fix, and nothing about
/// keys "missing" after them; the run still stops before any publication.
#[test]
fn one_run_reports_every_wrong_typed_value_of_the_project_file() {
    let project = Project::empty();
    project
        .write(
            "briefpress.toml",
            "template = 5\neditions = \"large-print\"\nlanguage = \"fr\"\n\
             [style]\naccent = 7\n",
        )
        .write(
            "content/a.toml",
            "title = \"A\"\ndate = 2024-03-01\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n",
        );
    let json = project.run(&["build", "--message-format", "json"]);
    json.expect_code(2);
    let expected = [
        ("invalid-value", "briefpress.toml:1:12"),
        ("invalid-value", "briefpress.toml:2:12"),
        ("invalid-value", "briefpress.toml:5:10"),
    ];
    assert_eq!(
        json.json_errors(),
        expected.map(|(code, at)| (code.to_string(), at.to_string())),
        "{}",
        json.stdout
    );
    let human = project.run(&["check"]);
    human.expect_code(2);
    assert!(!human.stderr.contains("missing"), "{}", human.stderr);
    assert!(!project.path("output").exists());
    insta::assert_snapshot!("project-file-wrong-types", human.stderr);
}

/// Past 20 values of the wrong type, one message says where checking
/// stopped, rather than the file going silent after the 20th.
#[test]
fn past_twenty_wrong_typed_values_one_message_says_the_rest_was_not_checked() {
    let project = Project::empty();
    let mut text = String::from("title = \"A\"\ndate = 2024-03-01\n");
    for n in 1..=25 {
        text.push_str(&format!("[[sections]]\ntitle = {n}\nbody = \"b\"\n"));
    }
    project.write("content/many.toml", text);
    let json = project.run(&["check", "--message-format", "json"]);
    json.expect_code(1);
    let errors: Vec<_> = json
        .json()
        .into_iter()
        .filter(|e| e["type"] == "diagnostic" && e["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 21, "{}", json.stdout);
    // Section n's title is on line 3n + 1.
    for (n, error) in (1..).zip(&errors[..20]) {
        assert_eq!(error["line"], 3 * n + 1, "{error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("`title` must be a string"),
            "{error}"
        );
    }
    let last = &errors[20];
    assert_eq!(last["line"], 3 * 21 + 1, "{last}");
    let message = last["message"].as_str().unwrap();
    assert!(
        message.contains("more than 20 values have the wrong type")
            && message.contains("other checks did not run"),
        "{message}"
    );
}
