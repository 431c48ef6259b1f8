//! Reproducible output: the same content gives the same bytes whatever the
//! folder, the time of day or the environment, because every date in a PDF
//! or EPUB comes from the content.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::corpus::svg;
use crate::harness::Project;

/// A publication with a summary, a figure, a footnote, an attachment and an
/// `updated` date, next to the sample publication.
fn project_with_dated_publication() -> Project {
    let project = Project::sample();
    project.write(
        "content/dated.toml",
        r#"title = "A dated brief"
authors = ["Ada Lovelace"]
date = 2020-02-03
updated = 2020-05-06
summary = "A short *standfirst*."

[[highlights]]
value = "42"
label = "answers"

[[sections]]
title = "Findings"
file = "dated/findings.md"

[[attachments]]
title = "Data"
file = "dated/data.csv"
"#,
    );
    project.write(
        "content/dated/findings.md",
        "A claim.[^1]\n\n![A red bar](bar.svg)\n\n[^1]: Its source.\n",
    );
    project.write("content/dated/bar.svg", svg("red"));
    project.write("content/dated/data.csv", "year,answers\n2020,42\n");
    project
}

/// Every output of the project, name → bytes.
fn outputs(project: &Project, out: &str) -> Vec<(String, Vec<u8>)> {
    project
        .files_under(out)
        .into_iter()
        .filter(|name| name.ends_with(".pdf") || name.ends_with(".epub"))
        .map(|name| {
            let bytes = project.read(&format!("{out}/{name}"));
            (name, bytes)
        })
        .collect()
}

/// Compares outputs by name, saying which file differs rather than dumping bytes.
fn assert_same_outputs(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)], why: &str) {
    let names = |o: &[(String, Vec<u8>)]| o.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{why}: different files");
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(
            x == y,
            "{why}: {name} differs ({} vs {} bytes)",
            x.len(),
            y.len()
        );
    }
}

#[test]
fn two_builds_in_different_folders_at_different_times_are_byte_identical() {
    let first = project_with_dated_publication();
    first.run(&["build"]).expect_code(0);
    std::thread::sleep(Duration::from_millis(1100));
    let second = project_with_dated_publication();
    second.run(&["build"]).expect_code(0);

    let a = outputs(&first, "output");
    assert_eq!(
        a.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["dated.epub", "dated.pdf", "gta-2021.epub", "gta-2021.pdf"]
    );
    assert_same_outputs(&a, &outputs(&second, "output"), "second folder");
}

/// A zip entry time: (year, month, day, hour, minute, second).
type Stamp = (u16, u8, u8, u8, u8, u8);

/// The modification time of every entry of a zip file.
fn entry_times(path: &Path) -> Vec<(String, Stamp)> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut sink = Vec::new();
            entry.read_to_end(&mut sink).unwrap();
            assert!(
                entry.extra_data().is_none_or(<[u8]>::is_empty),
                "{} carries extra fields (e.g. a second timestamp)",
                entry.name()
            );
            let t = entry.last_modified().expect("a modification time");
            (
                entry.name().to_string(),
                (
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_epub_entry_is_stamped_with_the_content_date_not_the_build_date() {
    let project = project_with_dated_publication();
    project.write(
        "content/undated-revision.toml",
        "title = \"Never revised\"\ndate = 2019-07-08\n\n\
         [[sections]]\ntitle = \"Findings\"\nbody = \"Text.\"\n",
    );
    project.run(&["build", "--format", "epub"]).expect_code(0);

    for (epub, stamp) in [
        ("output/dated.epub", (2020, 5, 6, 0, 0, 0)),
        ("output/undated-revision.epub", (2019, 7, 8, 0, 0, 0)),
    ] {
        let times = entry_times(&project.path(epub));
        assert!(times.len() > 3, "{epub}: {times:?}");
        for (name, time) in &times {
            assert_eq!(
                *time, stamp,
                "{epub}: {name} is not stamped with the publication's last revision date"
            );
        }
    }
}

#[test]
fn source_date_epoch_does_not_change_the_output() {
    let project = project_with_dated_publication();
    let runs = [
        ("out-unset", None),
        ("out-epoch-zero", Some("0")),
        ("out-epoch-2023", Some("1700000000")),
    ];
    for (out, epoch) in runs {
        let vars: Vec<(&str, &str)> = epoch
            .map(|e| ("SOURCE_DATE_EPOCH", e))
            .into_iter()
            .collect();
        project
            .run_with_env(&["build", "--out", out], &vars)
            .expect_code(0);
    }
    let baseline = outputs(&project, "out-unset");
    assert_eq!(baseline.len(), 4);
    for (out, epoch) in &runs[1..] {
        assert_same_outputs(
            &baseline,
            &outputs(&project, out),
            &format!("SOURCE_DATE_EPOCH={}", epoch.unwrap()),
        );
    }
}
