//! Outputs that earlier builds wrote: which are still wanted, which are
//! stale, and `--prune`.
//!
//! A build writes the outputs of the formats and editions it was asked for
//! (`-f epub`, `--edition`), not necessarily all that a publication has. What
//! earlier builds wrote and this one did not stays recorded in the cache
//! ([`Entry::earlier`], [`Entry::stale`]): such a file is still briefpress's
//! own, so a later build may replace it and `--prune` may delete it. An
//! output of an edition the publication no longer lists, or any output of a
//! publication that was deleted, is stale: left beside the new outputs it
//! would pass for a current edition, so every build names it until `--prune`
//! removes it. Only a file that is still exactly what briefpress wrote (a
//! regular file inside the output folder with the recorded size and BLAKE3
//! hash) is ever deleted; any other is kept with a warning saying why, and
//! forgotten. A record whose file is gone is forgotten silently.

use std::collections::HashSet;
use std::fs;
use std::io;

use super::cache::{Entry, Output};
use super::outdir::OutDir;
use super::report::Reporter;
use super::store::Store;
use crate::diag::{Code, Diagnostic};
use crate::model::Edition;
use crate::project::root::ProjectRoot;
use crate::render::pdf;

/// Output extensions written once per edition (the PDF and its typst
/// source); the other formats are written once, under the standard name.
const PER_EDITION: &[&str] = &[pdf::EXTENSION, pdf::SOURCE_EXTENSION];

/// What a new entry of `stem` remembers besides the files its build just
/// `written`, from the `old` entry: the earlier outputs of formats and
/// editions the publication (whose own `editions` these are) still builds,
/// and the stale ones. Records whose file is gone are dropped.
pub fn remembered(
    out: &OutDir,
    stem: &str,
    old: Option<&Entry>,
    written: &[Output],
    editions: &[Edition],
) -> (Vec<Output>, Vec<Output>) {
    let new: HashSet<&str> = written.iter().map(|o| o.path.as_str()).collect();
    let mut earlier = Vec::new();
    let mut stale = Vec::new();
    for record in old.into_iter().flat_map(Entry::records) {
        if new.contains(record.path.as_str()) || is_gone(out, record) {
            continue;
        }
        if builds(stem, &record.path, editions) {
            earlier.push(record.clone());
        } else {
            stale.push(record.clone());
        }
    }
    (earlier, stale)
}

/// Whether a publication `stem` with `editions` has the output `path` in
/// some format: a per-edition output of one of its editions, or another
/// format's (standard) output.
fn builds(stem: &str, path: &str, editions: &[Edition]) -> bool {
    match edition_of(stem, path) {
        Some((edition, ext)) if PER_EDITION.contains(&ext) => editions.contains(&edition),
        Some((edition, _)) => edition == Edition::Standard,
        None => false,
    }
}

/// The edition and extension of an output `path` of `stem`.
fn edition_of<'p>(stem: &str, path: &'p str) -> Option<(Edition, &'p str)> {
    let rest = path.strip_prefix(stem)?;
    Edition::ALL.into_iter().find_map(|edition| {
        let ext = rest.strip_prefix(edition.infix())?.strip_prefix('.')?;
        (!ext.contains('.')).then_some((edition, ext))
    })
}

/// Whether nothing is at a recorded output's path any more.
fn is_gone(out: &OutDir, record: &Output) -> bool {
    matches!(
        fs::symlink_metadata(out.file(&record.path)),
        Err(err) if err.kind() == io::ErrorKind::NotFound
    )
}

/// Why an entry's files are stale.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Its publication file no longer exists.
    Deleted,
    /// They are editions the publication no longer builds.
    Edition,
}

/// Reports the stale outputs the cache in `store` records (of deleted
/// publications, and of editions a publication no longer builds); with
/// `prune`, deletes those that are provably the files briefpress wrote,
/// keeps the rest with a warning, and forgets both. A publication counts as
/// deleted only inside `scope`, the root-relative publication files and
/// folders the run was given: a build of `content/a.toml` says nothing of
/// `content/b.toml`, nor does a run from another folder, whose root-relative
/// names differ, of the publications the cache records. The entries of
/// `untouched` stems (a pass of `watch` took them as fresh: their files
/// did not change, so neither did what the last pass reported) are passed over.
pub fn sweep(
    store: &Store,
    out: &OutDir,
    root: &ProjectRoot,
    reporter: &Reporter,
    prune: bool,
    untouched: Option<&HashSet<String>>,
    scope: &[String],
) {
    let deleted =
        |entry: &Entry| within(&entry.source, scope) && !root.dir().join(&entry.source).is_file();
    let found = store.select(|stem, entry| {
        !untouched.is_some_and(|u| u.contains(stem)) && (!entry.stale.is_empty() || deleted(entry))
    });
    for (stem, entry) in found {
        let reason = if deleted(&entry) {
            Reason::Deleted
        } else {
            Reason::Edition
        };
        let records: Vec<&Output> = match reason {
            Reason::Deleted => entry.records().collect(),
            Reason::Edition => entry.stale.iter().collect(),
        };
        let present: Vec<&Output> = records
            .iter()
            .copied()
            .filter(|o| !is_gone(out, o))
            .collect();
        if prune || present.is_empty() {
            forget(store, &stem, reason);
        } else if reason == Reason::Edition && present.len() < records.len() {
            let kept = present.iter().map(|o| (*o).clone()).collect();
            store.edit(&stem, |entry| entry.stale = kept);
        }
        if present.is_empty() {
            continue;
        }
        let shown: Vec<String> = present
            .iter()
            .map(|o| out.file(&o.path).display().to_string())
            .collect();
        let mut kept = false;
        if prune {
            for (output, shown) in present.iter().zip(&shown) {
                if let Err(why) = out.remove_recorded(output) {
                    reporter.diagnostic(
                        &Diagnostic::warning(
                            Code::Io,
                            format!("kept `{shown}` instead of pruning it: {why}"),
                        )
                        .hint(
                            "briefpress deletes only files it can prove it wrote; \
                             delete it yourself if it is no longer needed",
                        ),
                    );
                    kept = true;
                }
            }
        }
        let (label, action) = match (prune, kept) {
            (false, _) => ("Stale", "stale"),
            (true, false) => ("Pruned", "removed"),
            (true, true) => ("Kept", "kept"),
        };
        let why = match reason {
            Reason::Deleted => format!("{} no longer exists", entry.source),
            Reason::Edition => format!(
                "{} no longer builds its {} edition; left by an earlier build, {} may not match \
                 the other outputs",
                entry.source,
                editions_named(&stem, &present),
                if present.len() == 1 { "it" } else { "they" }
            ),
        };
        let todo = if prune {
            ""
        } else {
            "; run with --prune to remove"
        };
        reporter.note(&format!("{label:>9} {} ({why}{todo})", shown.join(", ")));
        reporter.event(serde_json::json!({
            "type": "stale",
            "source": entry.source,
            "outputs": shown,
            "action": action,
            "reason": match reason {
                Reason::Deleted => "deleted",
                Reason::Edition => "edition",
            },
        }));
    }
}

/// Whether the root-relative `source` is one of `scope` or inside one of them.
fn within(source: &str, scope: &[String]) -> bool {
    scope.iter().any(|path| {
        path.is_empty()
            || source
                .strip_prefix(path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Forgets the records a sweep dealt with: a deleted publication's entry,
/// or another one's stale outputs.
fn forget(store: &Store, stem: &str, reason: Reason) {
    match reason {
        Reason::Deleted => store.remove(&[stem.to_string()]),
        Reason::Edition => store.edit(stem, |entry| entry.stale.clear()),
    }
}

/// The names of the editions of `outputs` (of `stem`), joined with "and".
fn editions_named(stem: &str, outputs: &[&Output]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for output in outputs {
        if let Some((edition, _)) = edition_of(stem, &output.path)
            && !names.contains(&edition.name())
        {
            names.push(edition.name());
        }
    }
    names.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publication_is_looked_for_only_where_the_run_was_told_to_look() {
        let scope = ["content".to_string(), "extra/one.toml".to_string()];
        assert!(within("content/a.toml", &scope));
        assert!(within("content/sub/b.toml", &scope));
        assert!(within("extra/one.toml", &scope));
        assert!(!within("extra/two.toml", &scope));
        assert!(!within("contents/c.toml", &scope));
        assert!(within("anything.toml", &[String::new()]), "the root itself");
    }

    #[test]
    fn an_output_is_built_while_its_edition_is_listed() {
        let both = [Edition::Standard, Edition::LargePrint];
        let standard = [Edition::Standard];
        let large = [Edition::LargePrint];
        for (path, editions, expected) in [
            ("a/b.pdf", &standard[..], true),
            ("a/b.large-print.pdf", &standard[..], false),
            ("a/b.large-print.pdf", &both[..], true),
            ("a/b.large-print.typ", &standard[..], false),
            ("a/b.typ", &large[..], false),
            ("a/b.pdf", &large[..], false),
            // The EPUB has no editions: built whatever they are.
            ("a/b.epub", &large[..], true),
            ("a/b.large-print.epub", &both[..], false),
            ("a/bc.pdf", &standard[..], false),
            ("a/b.x.pdf", &standard[..], false),
        ] {
            assert_eq!(
                builds("a/b", path, editions),
                expected,
                "{path} {editions:?}"
            );
        }
    }

    fn record(path: &str) -> Output {
        Output {
            path: path.into(),
            size: 1,
            mtime: (0, 0),
            blake3: blake3::hash(b"x").to_hex().to_string(),
        }
    }

    #[test]
    fn a_build_remembers_what_it_did_not_rewrite_while_it_is_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::resolve(dir.path()).unwrap();
        for name in ["p.pdf", "p.large-print.pdf", "p.epub"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let old = Entry {
            source: "content/p.toml".into(),
            template: "brief".into(),
            inputs: Vec::new(),
            outputs: vec![record("p.epub")],
            earlier: vec![record("p.pdf"), record("p.large-print.typ")],
            stale: vec![record("p.large-print.pdf")],
            setup: String::new(),
            fingerprint: String::new(),
            warnings: 0,
        };
        // `-f epub` again, the large-print edition listed again: the PDFs
        // are wanted; the typst source is gone and forgotten.
        let both = [Edition::Standard, Edition::LargePrint];
        let (earlier, stale) = remembered(&out, "p", Some(&old), &[record("p.epub")], &both);
        let paths = |v: &[Output]| v.iter().map(|o| o.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&earlier), ["p.pdf", "p.large-print.pdf"]);
        assert!(stale.is_empty());
        // A full build of the standard edition only.
        let written = [record("p.pdf"), record("p.epub")];
        let (earlier, stale) = remembered(&out, "p", Some(&old), &written, &[Edition::Standard]);
        assert!(earlier.is_empty());
        assert_eq!(paths(&stale), ["p.large-print.pdf"]);
        assert_eq!(
            remembered(&out, "p", None, &written, &both),
            (Vec::new(), Vec::new())
        );
    }
}
