//! `briefpress new SLUG`: a publication with every key of the format that
//! checks at once, dated today; never over an existing file or from a bad slug.

use crate::harness::Project;

#[test]
fn a_new_publication_names_every_key_and_checks_at_once() {
    let project = Project::empty();
    project
        .run(&["new", "2025/annual-report", "--title", "Annual \"report\""])
        .expect_code(0);
    let text = String::from_utf8(project.read("content/2025/annual-report.toml")).unwrap();
    // Every key of the format, at any level, as `briefpress schema` lists them.
    let schema: serde_json::Value = serde_json::from_str(&project.run(&["schema"]).stdout).unwrap();
    let mut keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    for definition in schema["definitions"].as_object().unwrap().values() {
        keys.extend(definition["properties"].as_object().unwrap().keys());
    }
    assert!(keys.len() > 20, "{keys:?}");
    for key in keys {
        assert!(
            text.lines()
                .map(|l| l.trim_start_matches("# "))
                .any(|l| l.starts_with(&format!("{key} ="))
                    || l == format!("[[{key}]]")
                    || l == format!("[{key}]")),
            "`{key}` is neither present nor commented in:\n{text}"
        );
    }
    assert!(text.contains("title = 'Annual \"report\"'"), "{text}");
    assert!(
        project
            .path("content/2025/annual-report/introduction.md")
            .is_file()
    );
    let run = project.run(&["check", "--message-format", "json"]);
    run.expect_code(0);
    let summary = run.json().pop().unwrap();
    assert_eq!(summary["failed"], 0, "{}", run.stdout);
}

#[test]
fn new_is_dated_today() {
    let project = Project::empty();
    project.run(&["new", "today"]).expect_code(0);
    let table: toml::Table = String::from_utf8(project.read("content/today.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let date = table["date"].as_datetime().unwrap().to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let days = |d: &str| {
        let parts: Vec<i64> = d.split('-').map(|p| p.parse().unwrap()).collect();
        // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
        let (y, m, d) = (parts[0] - i64::from(parts[1] <= 2), parts[1], parts[2]);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    };
    // The test may straddle midnight: yesterday's or today's date (UTC).
    assert!((now / 86_400 - days(&date)).abs() <= 1, "{date}");
}

#[test]
fn new_refuses_an_existing_publication_and_a_bad_slug() {
    let project = Project::empty();
    project.write("content/report.toml", "mine");
    let run = project.run(&["new", "report"]);
    run.expect_code(2);
    assert!(run.stderr.contains("content/report.toml"), "{}", run.stderr);
    assert_eq!(project.files_under("."), ["content/report.toml"]);
    for bad in ["../escape", "has space", ".hidden", "a//b"] {
        let run = project.run(&["new", bad]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("is not a usable slug"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(project.files_under("."), ["content/report.toml"]);
}
