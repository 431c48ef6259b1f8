//! `briefpress fonts`: every family a template can use, with its variants and
//! where it comes from, as a build in the same folder loads them.

use crate::harness::{Project, repo};

#[test]
fn fonts_lists_embedded_template_project_and_font_path_families() {
    let project = Project::empty();
    let emoji = std::fs::read(repo().join("templates/brief/fonts/NotoEmoji-Regular.ttf")).unwrap();
    project.write("fonts/Emoji.ttf", &emoji);
    project.write("templates/house/fonts/Emoji.ttf", &emoji);
    project.write("elsewhere/Emoji.ttf", &emoji);
    let run = project.run(&["fonts", "--font-path", "elsewhere"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let has = |family: &str, variants: &str, source: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(family) && l.contains(&format!("  {variants}  ({source})")))
    };
    assert!(
        has(
            "Libertinus Serif",
            "Regular, Semibold, Bold, Italic, Semibold Italic, Bold Italic",
            "embedded in briefpress"
        ),
        "{}",
        run.stdout
    );
    assert!(has(
        "DejaVu Sans Mono",
        "Regular, Bold, Italic, Bold Italic",
        "embedded in briefpress"
    ));
    assert!(
        has("Noto Emoji", "Regular", "built-in template `brief`"),
        "{}",
        run.stdout
    );
    assert!(has("Noto Emoji", "Regular", "fonts/"), "{}", run.stdout);
    assert!(
        has("Noto Emoji", "Regular", "templates/house/fonts/"),
        "{}",
        run.stdout
    );
    assert!(has("Noto Emoji", "Regular", "elsewhere/"), "{}", run.stdout);
}

#[test]
fn font_files_that_are_not_loaded_get_one_warning_each() {
    let project = Project::empty();
    let outside = tempfile::tempdir().unwrap();
    let emoji = std::fs::read(repo().join("templates/brief/fonts/NotoEmoji-Regular.ttf")).unwrap();
    std::fs::write(outside.path().join("Emoji.ttf"), &emoji).unwrap();
    project.write("fonts/bad.ttf", b"not a font at all".repeat(100));
    project.write("fonts/good.ttf", &emoji);
    std::os::unix::fs::symlink(
        outside.path().join("Emoji.ttf"),
        project.path("fonts/ext.ttf"),
    )
    .unwrap();
    project.write(
        "content/x.toml",
        "title = \"X\"\ndate = 2021-10-19\n\n[[sections]]\ntitle = \"S\"\nbody = \"b\"\n",
    );
    let expected = [
        "`fonts/bad.ttf` is not a TTF, OTF or TTC font; it is not loaded",
        "`fonts/ext.ttf`: the path is a link to `",
    ];
    let fonts = project.run(&["fonts"]);
    fonts.expect_code(0);
    assert!(fonts.stdout.contains("Noto Emoji"), "{}", fonts.stdout);
    let check = project.run(&["check", "--message-format", "json"]);
    check.expect_code(0);
    let warnings: Vec<String> = check
        .json()
        .iter()
        .filter(|e| e["type"] == "diagnostic" && e["severity"] == "warning")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for (message, start) in warnings.iter().zip(expected) {
        assert!(message.starts_with(start), "{message}");
    }
    assert!(warnings[1].ends_with("outside the project root; the font is not loaded"));
    for start in expected {
        assert_eq!(fonts.stderr.matches(start).count(), 1, "{}", fonts.stderr);
    }
}
