//! Which existing files at a publication's output paths a build may replace.
//!
//! `--out docs` may name a folder full of files people made, some of them
//! named like an output (`docs/welcome.pdf`). Replacing such a file would
//! destroy it without a trace, so a build replaces a file only when it can
//! prove the file is its own: the build cache (or the JSON cache of an older
//! briefpress) records it as an output of this publication, written by its
//! last build or an earlier one (`x.pdf` before a `build -f epub`), and it is still
//! that file (same size and BLAKE3 hash, a regular file inside the output
//! folder), or its bytes are the very bytes about to be written. Any other
//! file makes the publication fail with `output-conflict` before any of its
//! outputs is written. `--force` changes nothing here: it only rebuilds.

use std::fs;

use super::cache::Output;
use super::legacy::Legacy;
use super::outdir::OutDir;
use crate::diag::{Code, Diagnostic};

/// The names among `names` (about to receive `rendered`, in the same order)
/// where a file exists that briefpress cannot prove it wrote for `stem`;
/// `known` are the outputs the cache records for it (of every build), `legacy` reads the old
/// JSON cache when it is needed.
pub fn unproven<'n, 'l>(
    out: &OutDir,
    stem: &str,
    names: &'n [String],
    rendered: &[Vec<u8>],
    known: &[Output],
    legacy: &dyn Fn() -> Option<&'l Legacy>,
) -> Vec<&'n str> {
    let mut unproven = Vec::new();
    for (name, bytes) in names.iter().zip(rendered) {
        match fs::symlink_metadata(out.file(name)) {
            // Nothing there; or a path the write itself fails on, changing nothing.
            Err(_) => continue,
            // A folder is never replaced by a file: the write fails and rolls back.
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => {}
        }
        let recorded = |output: Option<&Output>| output.is_some_and(|o| out.is_written(o).is_ok());
        let proven = recorded(known.iter().find(|o| o.path == *name))
            || out.holds_bytes(name, bytes)
            || recorded(legacy().and_then(|l| l.output(stem, name)));
        if !proven {
            unproven.push(name.as_str());
        }
    }
    unproven
}

/// The error of a publication whose outputs would replace `names`, files
/// briefpress cannot prove it wrote.
pub fn conflict(out: &OutDir, names: &[&str]) -> Diagnostic {
    let shown: Vec<String> = names
        .iter()
        .map(|name| format!("`{}`", out.file(name).display()))
        .collect();
    let (verb, they, them) = match names.len() {
        1 => ("exists and is not a file", "it", "it"),
        _ => ("exist and are not files", "they", "them"),
    };
    Diagnostic::error(
        Code::OutputConflict,
        format!(
            "{} {verb} briefpress wrote for this publication (or {they} changed since); \
             refusing to replace {them}",
            shown.join(", ")
        ),
    )
    .hint(format!(
        "nothing of this publication was written; move or delete {them} and build again, \
         or choose another --out"
    ))
}
