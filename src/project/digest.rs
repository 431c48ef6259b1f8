//! One hash over a set of named files: a template folder, the project's fonts.
//!
//! The build cache compares these hashes to decide whether outputs are still
//! fresh, so the order files are listed in must not matter.

/// Hashes `(name, bytes)` pairs, sorted by name; names and lengths are part
/// of the hash, so moving bytes between files changes it.
pub fn files<'a>(files: impl Iterator<Item = (String, &'a [u8])>) -> blake3::Hash {
    let mut files: Vec<(String, &[u8])> = files.collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = blake3::Hasher::new();
    for (name, data) in files {
        hasher.update(name.as_bytes());
        hasher.update(&(data.len() as u64).to_le_bytes());
        hasher.update(data);
    }
    hasher.finalize()
}
