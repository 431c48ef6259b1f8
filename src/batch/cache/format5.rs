//! The build cache of format 5, read into the current format.
//!
//! Format 5 recorded only the outputs of each publication's last build. A
//! cache of that format is still what proves which files in the output
//! folder briefpress wrote, and its fingerprints are still valid, so it is
//! read whole (and validated like a current cache) rather than discarded:
//! after the upgrade nothing is rebuilt for it, no output becomes
//! unprovable, and the outputs of deleted publications are still reported
//! and pruned. It simply remembers no earlier outputs yet.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Cache, Entry, Input, Output};

/// The format version this module reads.
pub const VERSION: u32 = 5;

/// A cache of format 5: the same header, then these fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cache5 {
    #[serde(rename = "version")]
    _version: u32,
    entries: BTreeMap<String, Entry5>,
}

/// An entry of format 5: today's fields but the earlier and stale outputs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry5 {
    source: String,
    template: String,
    #[serde(deserialize_with = "super::inputs::deserialize")]
    inputs: Vec<Input>,
    outputs: Vec<Output>,
    setup: String,
    fingerprint: String,
    warnings: usize,
}

/// Decodes the body of a format-5 cache file (after its header) as a
/// current cache, unvalidated; returns the bytes after it.
pub fn take_from_bytes(body: &[u8]) -> postcard::Result<(Cache, &[u8])> {
    let (old, rest) = postcard::take_from_bytes::<Cache5>(body)?;
    let entries = old
        .entries
        .into_iter()
        .map(|(stem, e)| {
            let entry = Entry {
                source: e.source,
                template: e.template,
                inputs: e.inputs,
                outputs: e.outputs,
                earlier: Vec::new(),
                stale: Vec::new(),
                setup: e.setup,
                fingerprint: e.fingerprint,
                warnings: e.warnings,
            };
            (stem, entry)
        })
        .collect();
    Ok((Cache::with_entries(entries), rest))
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::super::{MAGIC, tests::valid_json};
    use super::*;

    /// A format-5 entry as briefpress of that format wrote it.
    #[derive(Serialize)]
    struct Written5<'a> {
        source: &'a str,
        template: &'a str,
        inputs: &'a [Input],
        outputs: &'a [Output],
        setup: &'a str,
        fingerprint: &'a str,
        warnings: usize,
    }

    #[test]
    fn a_format_5_cache_is_read_whole_with_nothing_earlier() {
        let mut current: Cache = serde_json::from_value(valid_json()).unwrap();
        for entry in current.entries.values_mut() {
            entry.earlier.clear();
            entry.stale.clear();
        }
        let old: BTreeMap<&str, Written5> = current
            .entries
            .iter()
            .map(|(stem, e)| {
                let entry = Written5 {
                    source: &e.source,
                    template: &e.template,
                    inputs: &e.inputs,
                    outputs: &e.outputs,
                    setup: &e.setup,
                    fingerprint: &e.fingerprint,
                    warnings: e.warnings,
                };
                (stem.as_str(), entry)
            })
            .collect();
        let bytes = postcard::to_extend(&(VERSION, &old), MAGIC.to_vec()).unwrap();
        let read = Cache::decode(&bytes).unwrap();
        assert_eq!(read.version, super::super::CACHE_VERSION);
        assert_eq!(read.entries, current.entries);
        // Validated like a current cache.
        let mut bad = old;
        if let Some(entry) = bad.values_mut().next() {
            entry.source = "../x.toml";
        }
        let bytes = postcard::to_extend(&(VERSION, &bad), MAGIC.to_vec()).unwrap();
        assert!(Cache::decode(&bytes).is_err());
    }
}
