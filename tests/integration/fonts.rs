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
