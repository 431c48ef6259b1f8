//! The outputs recorded by the JSON build cache of briefpress before cache
//! format 5 (`.briefpress-cache.json`, format 4).
//!
//! A build replaces a file at an output path only if it can prove that
//! briefpress wrote it. After an upgrade, the outputs already in the output
//! folder are recorded only in that old file; without it as proof, every
//! publication that changed would fail with `output-conflict` once. So it is
//! still read, for that one purpose: which output files (path, size, BLAKE3
//! hash) it records for which publication. Nothing else in it is used.
//!
//! Like the current cache, it is untrusted: read only as a regular file under
//! the same size limit, parsed as plain JSON values, and validated whole (the
//! format version, every output named after its own publication, every hash
//! well formed); anything unexpected discards all of it.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use serde_json::Value;

use super::cache::{CACHE_LIMIT, OLD_CACHE_FILE, Output, is_hash, is_output_of, relative_path};
use super::untrusted;

/// The cache format briefpress wrote as JSON, the last before the binary one.
const LEGACY_VERSION: u64 = 4;

/// Output stem → the outputs the old cache records for it.
#[derive(Debug, Default)]
pub struct Legacy {
    entries: HashMap<String, Vec<Output>>,
}

impl Legacy {
    /// Reads `out`'s old JSON cache: `Ok(None)` when there is none, `Err(why)`
    /// when it is not one to trust.
    pub fn load(out: &Path) -> Result<Option<Self>, String> {
        match untrusted::read_opened(&out.join(OLD_CACHE_FILE), CACHE_LIMIT) {
            Ok((bytes, _)) => Self::parse(&bytes).map(Some),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(format!("cannot read it: {err}")),
        }
    }

    /// Parses and validates the old cache's bytes.
    fn parse(bytes: &[u8]) -> Result<Self, String> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|err| format!("it is not JSON ({err})"))?;
        if value["version"].as_u64() != Some(LEGACY_VERSION) {
            return Err(format!(
                "it is not a build cache of format version {LEGACY_VERSION}"
            ));
        }
        let entries = value["entries"]
            .as_object()
            .ok_or("it has no entries")?
            .iter()
            .map(|(stem, entry)| {
                relative_path(stem).map_err(|why| format!("its entry {stem:?} {why}"))?;
                let outputs = entry["outputs"]
                    .as_array()
                    .ok_or_else(|| format!("its entry {stem:?} lists no outputs"))?
                    .iter()
                    .map(|output| {
                        output_of(stem, output)
                            .ok_or_else(|| format!("its entry {stem:?} has a malformed output"))
                    })
                    .collect::<Result<Vec<Output>, String>>()?;
                Ok((stem.clone(), outputs))
            })
            .collect::<Result<HashMap<_, _>, String>>()?;
        Ok(Self { entries })
    }

    /// The old cache's record of the output `path` of `stem`.
    pub fn output(&self, stem: &str, path: &str) -> Option<&Output> {
        self.entries.get(stem)?.iter().find(|o| o.path == path)
    }
}

/// One recorded output of `stem`, if well formed and named after it.
fn output_of(stem: &str, value: &Value) -> Option<Output> {
    let path = value["path"].as_str()?;
    let blake3 = value["blake3"].as_str()?;
    let mtime = value["mtime"].as_array()?;
    let (secs, nanos) = match mtime.as_slice() {
        [secs, nanos] => (secs.as_i64()?, u32::try_from(nanos.as_u64()?).ok()?),
        _ => return None,
    };
    let size = value["size"].as_u64()?;
    let valid = is_output_of(stem, path) && is_hash(blake3) && nanos < 1_000_000_000;
    valid.then(|| Output {
        path: path.to_string(),
        size,
        mtime: (secs, nanos),
        blake3: blake3.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(path: &str, blake3: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "version": 4,
            "entries": {"2021/gta": {
                "source": "content/2021/gta.toml",
                "outputs": [{"path": path, "size": 3, "mtime": [1, 2], "blake3": blake3}],
            }},
        }))
        .unwrap()
    }

    #[test]
    fn only_outputs_named_after_their_publication_are_taken() {
        let hash = blake3::hash(b"pdf").to_hex().to_string();
        let legacy = Legacy::parse(&cache("2021/gta.pdf", &hash)).unwrap();
        let output = legacy.output("2021/gta", "2021/gta.pdf").unwrap();
        assert_eq!((output.size, output.blake3.as_str()), (3, hash.as_str()));
        assert!(legacy.output("2021/gta", "2021/gta.epub").is_none());
        for (path, blake3) in [
            ("../content/2021/gta.toml", hash.as_str()),
            ("/etc/passwd", hash.as_str()),
            ("2021/other.pdf", hash.as_str()),
            ("2021/gta.pdf", "xyz"),
        ] {
            assert!(Legacy::parse(&cache(path, blake3)).is_err(), "{path}");
        }
        let mut other = serde_json::from_slice::<Value>(&cache("2021/gta.pdf", &hash)).unwrap();
        other["version"] = 5.into();
        assert!(Legacy::parse(&serde_json::to_vec(&other).unwrap()).is_err());
        assert!(Legacy::parse(b"\0garbage").is_err());
    }
}
