//! Sharding: `--shard K/N` splits a batch across machines so that every
//! publication lands in exactly one shard, and a publication's shard never
//! changes when others are added.

use std::collections::{BTreeMap, BTreeSet};

use crate::corpus::{brief, statuses};
use crate::harness::Project;

/// Twelve publications named `content/pub-01.toml` … `content/pub-12.toml`.
fn twelve_publications() -> (Project, BTreeSet<String>) {
    let project = Project::empty();
    let mut files = BTreeSet::new();
    for i in 1..=12 {
        let file = format!("content/pub-{i:02}.toml");
        project.write(&file, brief(&format!("Publication {i}")));
        files.insert(file);
    }
    (project, files)
}

/// Which publications `check --shard k/n` processes.
fn shard(project: &Project, k: u32, n: u32) -> BTreeSet<String> {
    let run = project.run(&[
        "check",
        "--shard",
        &format!("{k}/{n}"),
        "--message-format",
        "json",
    ]);
    run.expect_code(0);
    let found = statuses(&run);
    assert!(
        found.values().all(|status| status == "checked"),
        "shard {k}/{n}: {found:?}"
    );
    found.into_keys().collect()
}

/// Publication → its shard, for every shard of `n`.
fn assignment(project: &Project, n: u32) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for k in 1..=n {
        for file in shard(project, k, n) {
            if let Some(other) = out.insert(file.clone(), k) {
                panic!("{file} is in shard {other}/{n} and in shard {k}/{n}");
            }
        }
    }
    out
}

#[test]
fn three_shards_process_every_publication_exactly_once() {
    let (project, files) = twelve_publications();
    let assigned = assignment(&project, 3);
    assert_eq!(
        assigned.keys().cloned().collect::<BTreeSet<_>>(),
        files,
        "the shards together must cover every publication"
    );
    let used: BTreeSet<u32> = assigned.values().copied().collect();
    assert!(
        used.len() > 1,
        "twelve publications all hashed to one shard: {assigned:?}"
    );
}

#[test]
fn a_shard_build_writes_only_its_own_publications() {
    let (project, _) = twelve_publications();
    let members = shard(&project, 2, 3);
    assert!(!members.is_empty() && members.len() < 12, "{members:?}");
    project
        .run(&["build", "--format", "pdf", "--shard", "2/3"])
        .expect_code(0);
    let expected: Vec<String> = std::iter::once(".briefpress-cache".to_string())
        .chain(
            members
                .iter()
                .map(|file| file.trim_start_matches("content/").replace(".toml", ".pdf")),
        )
        .collect();
    assert_eq!(project.files_under("output"), expected);
}

#[test]
fn adding_a_publication_moves_no_existing_one_to_another_shard() {
    let (project, files) = twelve_publications();
    let before = assignment(&project, 3);
    project.write("content/pub-13.toml", brief("Publication 13"));
    project.write("content/zz-late-addition.toml", brief("A late addition"));
    let after = assignment(&project, 3);
    for file in &files {
        assert_eq!(after[file], before[file], "{file} moved to another shard");
    }
    assert_eq!(after.len(), files.len() + 2);
}

#[test]
fn a_shard_out_of_range_is_a_usage_error() {
    let (project, _) = twelve_publications();
    for bad in ["0/3", "4/3", "1/0", "one/3", "3"] {
        let run = project.run(&["build", "--shard", bad]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("--shard"),
            "{bad}: the error should name the option:\n{}",
            run.stderr
        );
        assert!(
            !project.path("output").exists(),
            "{bad}: nothing may be built"
        );
    }
}
