//! The write journal: proof of the outputs written since the cache was last saved.
//!
//! The build cache is saved at most every half second ([`super::store`]), so
//! a build killed (SIGKILL, an OOM kill, a CI timeout) just after renaming a
//! publication's outputs into place leaves files the cache does not record.
//! Without a record, the next build could not prove it wrote them and would
//! refuse to replace them (`output-conflict`, [`super::claim`]). So before a
//! group of outputs is renamed into place, one line per file (the output
//! stem, its publication file and template, the file's name, size,
//! modification time and BLAKE3 hash) is appended to `<out>/.briefpress-journal`
//! and flushed to the disk, as the outputs themselves are before their renames.
//!
//! The next build holding the output folder's lock folds the journal into
//! the cache it loaded ([`fold`]), saves the cache, and removes the journal;
//! while it runs, each save of the cache removes the journal again (or
//! rewrites it with only the records of groups still being written).
//!
//! Like the cache, the journal is untrusted input: read only as a regular
//! file of at most [`JOURNAL_LIMIT`] bytes; a line that is not a valid record
//! (a record torn by a kill mid-append, garbage) is skipped, and every record
//! is validated as a cache entry is. A record is only ever proof, exactly as a
//! cache record is: it proves a file only while that file is a regular file
//! inside the output folder with the recorded size and hash, and a record
//! that proves nothing is dropped when it is folded.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::cache::{Cache, Entry, Output};
use super::outdir::OutDir;
use super::untrusted;

/// File name of the journal inside the output folder, next to the cache.
pub const JOURNAL_FILE: &str = ".briefpress-journal";
/// Largest journal read. A journal holds the records of at most half a
/// second of writes (each save removes or rewrites it), a few kilobytes; a
/// larger file is not ours to trust, and is ignored with a warning.
pub const JOURNAL_LIMIT: u64 = 4 * 1024 * 1024;
/// A fingerprint that no build computes (BLAKE3 never yields 32 zero bytes
/// in practice): an entry made from journal records alone is never fresh.
const NO_FINGERPRINT: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One output file about to be renamed into place, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The output stem of its publication.
    pub stem: String,
    /// The publication file, relative to the project root.
    pub source: String,
    /// The template it was built with.
    pub template: String,
    /// The file, as the cache records outputs.
    pub output: Output,
}

/// What a journal file held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The valid records, in the order they were appended.
    pub records: Vec<Record>,
    /// Lines that were not valid records (a torn last line is not counted).
    pub garbage: usize,
}

/// The journal of the output folder `out`.
pub fn path(out: &Path) -> PathBuf {
    out.join(JOURNAL_FILE)
}

/// Appends `records` to the journal of `out` (created if missing, never
/// through a symlink), as one write, and flushes it to the disk.
pub fn append(out: &Path, records: &[Record]) -> io::Result<()> {
    // A leading newline ends a record a killed run tore, so it never swallows these.
    let bytes = [&b"\n"[..], &encode(records)?].concat();
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path(out))?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    file.write_all(&bytes)?;
    // A killed process would not need this (the kernel keeps what it was
    // handed); a power cut does, or a rename could reach the disk without
    // the record proving it. The outputs are flushed before their renames
    // for the same reason; this costs about 0.09 ms a publication on the
    // test machine (4 µs without).
    file.sync_data()
}

/// The bytes of a journal holding exactly `records`.
pub fn encode(records: &[Record]) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for record in records {
        serde_json::to_writer(&mut bytes, record).map_err(io::Error::other)?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// Reads the journal of `out`: `Ok(None)` when there is none, `Err(why)`
/// when what is there is not a journal to read (too large, not a regular file).
pub fn read(out: &Path) -> Result<Option<Parsed>, String> {
    match untrusted::read_opened(&path(out), JOURNAL_LIMIT) {
        Ok((bytes, _)) => Ok(Some(parse(&bytes))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(format!("cannot read it: {err}")),
    }
}

/// Parses a journal's bytes: one JSON record per line. The last line, if it
/// does not end with a newline, was torn by a kill and is skipped; so is any
/// other line that is not a valid record (counted in [`Parsed::garbage`]).
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // After the last newline: empty, or a torn record.
    lines.pop();
    for line in lines.into_iter().filter(|line| !line.is_empty()) {
        match serde_json::from_slice::<Record>(line) {
            Ok(record) if record.entry().validate(&record.stem).is_ok() => {
                parsed.records.push(record);
            }
            _ => parsed.garbage += 1,
        }
    }
    parsed
}

impl Record {
    /// A cache entry recording this file alone: never fresh (no inputs, no
    /// output of its last build), only proof.
    fn entry(&self) -> Entry {
        Entry {
            source: self.source.clone(),
            template: self.template.clone(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            earlier: vec![self.output.clone()],
            stale: Vec::new(),
            setup: NO_FINGERPRINT.to_string(),
            fingerprint: NO_FINGERPRINT.to_string(),
            warnings: 0,
        }
    }
}

/// Folds `records` into `cache` as proof of ownership: each record whose
/// file is still on disk as recorded (a regular file inside `out` with that
/// size and hash) becomes an earlier output of its stem's entry, replacing
/// any record of the same path (which can no longer match the file); a stem
/// without an entry gets one that is never fresh. Records that prove
/// nothing are dropped. Returns how many were folded.
pub fn fold(cache: &mut Cache, out: &OutDir, records: Vec<Record>) -> usize {
    // The last record of a path is the file written last.
    let mut last: BTreeMap<(String, String), Record> = BTreeMap::new();
    for record in records {
        last.insert((record.stem.clone(), record.output.path.clone()), record);
    }
    let mut folded = 0;
    for ((stem, path), record) in last {
        if out.is_written(&record.output).is_err() {
            continue;
        }
        let Some(entry) = cache.entries.get_mut(&stem) else {
            cache.entries.insert(stem, record.entry());
            folded += 1;
            continue;
        };
        let same = |o: &Output| o.path == path;
        if entry
            .records()
            .any(|o| same(o) && o.size == record.output.size && o.blake3 == record.output.blake3)
        {
            continue;
        }
        let was_stale = entry.stale.iter().any(same);
        entry.outputs.retain(|o| !same(o));
        entry.earlier.retain(|o| !same(o));
        entry.stale.retain(|o| !same(o));
        if was_stale {
            entry.stale.push(record.output);
        } else {
            entry.earlier.push(record.output);
        }
        folded += 1;
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(stem: &str, path: &str, bytes: &[u8]) -> Record {
        Record {
            stem: stem.into(),
            source: format!("content/{stem}.toml"),
            template: "brief".into(),
            output: Output {
                path: path.into(),
                size: bytes.len() as u64,
                mtime: (1, 2),
                blake3: blake3::hash(bytes).to_hex().to_string(),
            },
        }
    }

    fn line(record: &Record) -> Vec<u8> {
        encode(std::slice::from_ref(record)).unwrap()
    }

    #[test]
    fn records_round_trip_and_a_torn_last_record_is_skipped() {
        let a = record("a", "a.pdf", b"pdf");
        let b = record("sub/b", "sub/b.epub", b"epub");
        let whole = encode(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(parse(&whole).records, [a.clone(), b.clone()]);
        // A kill at any byte of the second record keeps the first, silently.
        let first = line(&a).len();
        for cut in first..whole.len() {
            let parsed = parse(&whole[..cut]);
            assert_eq!(parsed.records, std::slice::from_ref(&a), "cut at {cut}");
            assert_eq!(parsed.garbage, 0, "cut at {cut}");
        }
        // Appends after a torn record start on a line of their own.
        let mut resumed = whole[..whole.len() - 5].to_vec();
        resumed.push(b'\n');
        resumed.extend(line(&b));
        let parsed = parse(&resumed);
        assert_eq!(parsed.records, [a, b]);
        assert_eq!(parsed.garbage, 1, "the torn line, now followed by others");
    }

    #[test]
    fn garbage_and_hostile_records_are_skipped_never_trusted() {
        let good = record("a", "a.pdf", b"pdf");
        let hostile = |change: &dyn Fn(&mut Record)| {
            let mut r = good.clone();
            change(&mut r);
            line(&r)
        };
        let mut bytes = Vec::new();
        for bad in [
            b"not json\n".to_vec(),
            b"{}\n".to_vec(),
            b"\xff\xfe\x00\n".to_vec(),
            [&b"["[..]; 10_000]
                .concat()
                .into_iter()
                .chain(*b"\n")
                .collect(),
            br#"{"stem":"a","extra":1}"#.iter().copied().chain(*b"\n").collect(),
            hostile(&|r| r.output.path = "../a.pdf".into()),
            hostile(&|r| r.output.path = "b.pdf".into()),
            hostile(&|r| r.output.path = "/tmp/a.pdf".into()),
            hostile(&|r| r.stem = "../a".into()),
            hostile(&|r| r.source = "content/other.toml".into()),
            hostile(&|r| r.source = "/etc/a.toml".into()),
            hostile(&|r| r.template = "../x".into()),
            hostile(&|r| r.output.blake3 = "abc".into()),
            hostile(&|r| r.output.mtime.1 = 2_000_000_000),
        ] {
            bytes.extend(bad);
        }
        bytes.extend(line(&good));
        let parsed = parse(&bytes);
        assert_eq!(parsed.records, [good]);
        assert_eq!(parsed.garbage, 14);
        assert_eq!(parse(b""), Parsed::default());
        assert_eq!(parse(b"\n\n\n"), Parsed::default());
    }

    proptest::proptest! {
        /// Any bytes, or a valid journal with any bytes spliced in, parse
        /// without a panic, into records that all validate.
        #[test]
        fn any_bytes_parse_into_valid_records_only(
            junk in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            at in 0usize..1000,
        ) {
            let mut bytes = encode(&[record("a", "a.pdf", b"pdf"), record("b", "b.epub", b"e")]).unwrap();
            let at = at.min(bytes.len());
            bytes.splice(at..at, junk.iter().copied());
            for parsed in [parse(&junk), parse(&bytes)] {
                for record in parsed.records {
                    proptest::prop_assert!(record.entry().validate(&record.stem).is_ok());
                }
            }
        }
    }

    #[test]
    fn a_journal_over_the_limit_or_not_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), Ok(None));
        std::fs::write(path(dir.path()), vec![b'\n'; JOURNAL_LIMIT as usize + 1]).unwrap();
        assert!(read(dir.path()).unwrap_err().contains("more than"));
        std::fs::remove_file(path(dir.path())).unwrap();
        std::os::unix::fs::symlink("/dev/zero", path(dir.path())).unwrap();
        assert!(read(dir.path()).is_err());
        assert!(
            append(dir.path(), &[record("a", "a.pdf", b"x")]).is_err(),
            "never appended through a symlink"
        );
    }

    #[test]
    fn appends_accumulate_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = record("a", "a.pdf", b"pdf");
        let b = record("a", "a.epub", b"epub");
        append(dir.path(), std::slice::from_ref(&a)).unwrap();
        append(dir.path(), std::slice::from_ref(&b)).unwrap();
        let parsed = read(dir.path()).unwrap().unwrap();
        assert_eq!(parsed.records, [a, b]);
        assert_eq!(parsed.garbage, 0);
    }

    #[test]
    fn only_records_of_files_still_on_disk_as_recorded_are_folded() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::resolve(dir.path()).unwrap();
        std::fs::write(dir.path().join("a.pdf"), b"new pdf").unwrap();
        std::fs::write(dir.path().join("a.epub"), b"edited").unwrap();
        std::fs::write(dir.path().join("b.pdf"), b"b pdf").unwrap();
        let mut cache = Cache::default();
        let mut known = record("a", "a.pdf", b"old pdf").entry();
        known.outputs = std::mem::take(&mut known.earlier);
        cache.entries.insert("a".into(), known);
        let folded = fold(
            &mut cache,
            &out,
            vec![
                record("a", "a.pdf", b"older pdf"),
                record("a", "a.pdf", b"new pdf"),
                // Edited since it was written: proves nothing.
                record("a", "a.epub", b"epub"),
                record("b", "b.pdf", b"b pdf"),
                // Not on disk.
                record("c", "c.pdf", b"c"),
            ],
        );
        assert_eq!(folded, 2);
        let a = &cache.entries["a"];
        assert!(a.outputs.is_empty(), "the old record no longer matched");
        assert_eq!(a.earlier, [record("a", "a.pdf", b"new pdf").output]);
        let b = &cache.entries["b"];
        assert!(b.outputs.is_empty() && b.inputs.is_empty(), "never fresh");
        assert_eq!(b.earlier, [record("b", "b.pdf", b"b pdf").output]);
        assert!(!cache.entries.contains_key("c"));
        // Folding again changes nothing.
        let before = cache.clone().entries;
        let again = fold(&mut cache, &out, vec![record("a", "a.pdf", b"new pdf")]);
        assert_eq!(again, 0);
        assert_eq!(cache.entries, before);
    }
}
