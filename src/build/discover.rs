//! Discovery: which publications a run covers and where their outputs go.
//!
//! Folders are searched recursively for `*.toml`; an output path mirrors the
//! input's path relative to the folder given (`content/2021/gta.toml` →
//! `output/2021/gta.pdf`). Output collisions and sharding are decided here,
//! before any work starts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};

/// One publication to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The publication file as given/found (relative to the current directory when it was).
    pub input: PathBuf,
    /// Output path without extension, relative to the output folder, `/`-separated.
    pub stem: String,
}

/// Finds publications under `paths`; a missing path is a usage error (`Err`).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    for path in paths {
        if path.is_file() {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            jobs.push(Job {
                input: path.clone(),
                stem,
            });
        } else if path.is_dir() {
            let mut found: Vec<Job> = walkdir::WalkDir::new(path)
                .follow_links(false)
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                })
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml")
                })
                .map(|e| Job {
                    input: e.path().to_path_buf(),
                    stem: stem_of(e.path(), path),
                })
                .collect();
            found.sort_by(|a, b| a.stem.cmp(&b.stem));
            jobs.extend(found);
        } else {
            return Err(format!("`{}` does not exist", path.display()));
        }
    }
    // A publication named twice (`build content content/a.toml`) is built once.
    let mut seen = std::collections::HashSet::new();
    jobs.retain(|job| {
        seen.insert(std::fs::canonicalize(&job.input).unwrap_or_else(|_| job.input.clone()))
    });
    Ok(jobs)
}

fn stem_of(file: &Path, base: &Path) -> String {
    let rel = file.strip_prefix(base).unwrap_or(file).with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reports publications that would write the same output files.
pub fn conflicts(jobs: &[Job]) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    let mut out = Vec::new();
    for job in jobs {
        if let Some(first) = seen.insert(&job.stem, &job.input) {
            out.push(
                Diagnostic::error(
                    Code::OutputConflict,
                    format!(
                        "`{}` and `{}` would both write `{}.*`",
                        first.display(),
                        job.input.display(),
                        job.stem
                    ),
                )
                .hint("rename one of them, or build them into different --out folders"),
            );
        }
    }
    out
}

/// Keeps shard `k` of `n`: a publication's shard depends only on its own
/// output name, so adding unrelated publications never moves it.
pub fn shard(jobs: Vec<Job>, k: u32, n: u32) -> Vec<Job> {
    jobs.into_iter()
        .filter(|job| shard_of(&job.stem, n) == k)
        .collect()
}

/// The 1-based shard of an output name.
///
/// ```
/// use briefpress::build::discover::shard_of;
/// let k = shard_of("2021/gta", 4);
/// assert!((1..=4).contains(&k));
/// assert_eq!(k, shard_of("2021/gta", 4), "a publication never changes shard");
/// ```
pub fn shard_of(stem: &str, n: u32) -> u32 {
    let hash = blake3::hash(stem.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    (u64::from_le_bytes(first) % u64::from(n)) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_and_are_stable() {
        let stems: Vec<String> = (0..200).map(|i| format!("pub-{i}")).collect();
        let mut counts = [0; 4];
        for s in &stems {
            let k = shard_of(s, 4);
            assert!((1..=4).contains(&k));
            counts[(k - 1) as usize] += 1;
            assert_eq!(k, shard_of(s, 4));
        }
        assert!(counts.iter().all(|&c| c > 25), "{counts:?}");
    }

    #[test]
    fn same_stem_is_a_conflict() {
        let jobs = vec![
            Job {
                input: "a/x.toml".into(),
                stem: "x".into(),
            },
            Job {
                input: "b/x.toml".into(),
                stem: "x".into(),
            },
        ];
        assert_eq!(conflicts(&jobs).len(), 1);
    }
}
