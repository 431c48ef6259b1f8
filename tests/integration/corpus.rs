//! Small generated publications and readers for the JSON event stream,
//! shared by the batch, incremental, reproducible and shard tests.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::SystemTime;

use crate::harness::Run;

/// A working project template that sets only what PDF/UA needs.
pub const HOUSE_TEMPLATE: &str = "\
#let publication(title: none, language: \"en\", ..rest, body) = {
  set document(title: title)
  set text(lang: language)
  body
}
";

/// A minimal valid publication with one inline section.
pub fn brief(title: &str) -> String {
    format!(
        "title = \"{title}\"\ndate = 2021-10-19\n\n\
         [[sections]]\ntitle = \"Findings\"\nbody = \"What {title} found.\"\n"
    )
}

/// A publication whose `date` is not a date: it always fails to load, with a line to point at.
pub fn broken(title: &str) -> String {
    brief(title).replace("date = 2021-10-19\n", "date = \"yesterday\"\n")
}

/// A small SVG image filled with `colour`.
pub fn svg(colour: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\">\
         <rect width=\"40\" height=\"20\" fill=\"{colour}\"/></svg>\n"
    )
}

/// The JSON events of `kind` (`diagnostic`, `publication`, `stale`, `summary`).
pub fn events(run: &Run, kind: &str) -> Vec<serde_json::Value> {
    run.json()
        .into_iter()
        .filter(|event| event["type"] == kind)
        .collect()
}

/// Publication file → status, from the JSON `publication` events.
pub fn statuses(run: &Run) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for event in events(run, "publication") {
        let file = event["file"]
            .as_str()
            .expect("publication file")
            .to_string();
        let status = event["status"].as_str().expect("status").to_string();
        assert!(
            out.insert(file.clone(), status).is_none(),
            "{file} reported twice:\n{}",
            run.stdout
        );
    }
    out
}

/// `[(file, status)]` as a map, for comparing with [`statuses`].
pub fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(file, status)| (file.to_string(), status.to_string()))
        .collect()
}

/// Which file is on disk at `path` and when it was last written: an atomic
/// rewrite gives a new inode, so a change here means the file was replaced.
pub fn identity(path: &Path) -> (u64, SystemTime) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.ino(), meta.modified().expect("mtime"))
}
