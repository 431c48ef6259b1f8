//! Discovery: which publications a run covers and where their outputs go.
//!
//! Folders are searched recursively for `*.toml`. An output path depends on the
//! publication alone, never on how the command was typed: it is the
//! publication's path inside the project's `content/` folder, or inside the
//! project root when it lies elsewhere (`content/2021/gta.toml` →
//! `output/2021/gta.pdf` whether the run named `content`, `content/2021` or the
//! file). Output collisions and sharding are decided here, before any work starts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::model::Edition;
use crate::project::root::ProjectRoot;
use crate::project::settings;

/// The project folder that output paths are relative to, when a publication is in it.
pub const CONTENT_DIR: &str = "content";
/// Threads reading folders at once: the kernel's directory reads, not our
/// code, are the cost, and they scale past the core count only a little.
const WALK_THREADS: usize = 4;

/// One publication to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The publication file as given/found (relative to the project root when it was: see `project::root::Start`).
    pub input: PathBuf,
    /// Where it really is: the canonical path, inside the project root.
    pub real: PathBuf,
    /// Where it is inside the project root, `/`-separated: how messages and the cache name it.
    pub source: String,
    /// Output path without extension, relative to the output folder, `/`-separated.
    pub stem: String,
}

/// Finds publications under `paths`, with a warning for each symlink the
/// search skipped; a path that does not exist, is neither a folder nor a
/// `.toml` file, or lies outside the project is a usage error (`Err`).
pub fn discover(
    paths: &[PathBuf],
    root: &ProjectRoot,
) -> Result<(Vec<Job>, Vec<Diagnostic>), String> {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound if path == Path::new(CONTENT_DIR) => format!(
                "`{CONTENT_DIR}` does not exist: run briefpress in the project folder (the one \
                 holding `{}` or `{CONTENT_DIR}/`), or name the publications to build",
                settings::FILE
            ),
            std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
            _ => format!("cannot read `{}`: {err}", path.display()),
        })?;
        if meta.is_dir() {
            // The walk follows no symlink, so below the folder's real
            // location every path it yields is canonical already.
            let real = std::fs::canonicalize(path)
                .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
            let mut found = Vec::new();
            // Reading folders is most of a rebuild's planning: it is spread
            // over threads (jwalk yields entries in the same order anyway,
            // and the jobs are sorted below). Hidden entries below the folder
            // named are skipped.
            let walk = jwalk::WalkDir::new(path)
                .follow_links(false)
                .skip_hidden(true)
                .parallelism(jwalk::Parallelism::RayonNewPool(WALK_THREADS))
                .into_iter()
                .filter_map(Result::ok);
            for entry in walk {
                let file = entry.path();
                if entry.file_type().is_symlink() {
                    skipped.extend(skipped_link(&file, root));
                    continue;
                }
                if !entry.file_type().is_file() || !is_toml(&file) || is_project_file(&file, root) {
                    continue;
                }
                let below = file.strip_prefix(path).unwrap_or(&file);
                found.push(job_at(&file, real.join(below), root)?);
            }
            found.sort_by(|a, b| a.stem.cmp(&b.stem));
            jobs.extend(found);
        } else if is_project_file(path, root) {
            return Err(format!(
                "`{}` is the project file (defaults for every publication), not a publication",
                path.display()
            ));
        } else if meta.is_file() && is_toml(path) {
            jobs.push(job(path, root)?);
        } else {
            return Err(format!(
                "`{}` is not a publication: name a `.toml` file or a folder",
                path.display()
            ));
        }
    }
    // A publication named twice (`build content content/a.toml`) is built once.
    let mut seen = std::collections::HashSet::new();
    jobs.retain(|job| seen.insert(job.real.clone()));
    skipped.sort_by(|a, b| a.message.cmp(&b.message));
    Ok((jobs, skipped))
}

/// The warning for a symlink met while searching a folder: the search
/// follows none (a link could lead out of the project, or around in a
/// loop), so a linked publication or folder would vanish from the batch
/// without it. Links to anything else are none of briefpress's business.
fn skipped_link(link: &Path, root: &ProjectRoot) -> Option<Diagnostic> {
    let shown = link.display();
    let Ok(real) = std::fs::canonicalize(link) else {
        return is_toml(link).then(|| {
            Diagnostic::warning(
                Code::MissingFile,
                format!("skipped `{shown}`: a symlink to a file that does not exist"),
            )
            .hint("remove the link, or make it a copy of the publication")
        });
    };
    let folder = real.is_dir();
    if !folder && !is_toml(link) {
        return None;
    }
    let what = if folder { "folder" } else { "publication" };
    Some(if real.starts_with(root.dir()) {
        let real = root.display(&real);
        Diagnostic::warning(
            Code::Usage,
            format!("skipped `{shown}`: a symlinked {what} (to `{real}`); briefpress follows no links while searching folders"),
        )
        .hint(format!("name `{real}` on the command line, or replace the link by the {what} itself"))
    } else {
        Diagnostic::warning(
            Code::PathOutsideRoot,
            format!(
                "skipped `{shown}`: a symlinked {what} leading outside the project root, to `{}`",
                real.display()
            ),
        )
        .hint(format!(
            "move the {what} into the project instead of linking to it"
        ))
    })
}

/// Whether `path` is the project file, `briefpress.toml` at the root.
fn is_project_file(path: &Path, root: &ProjectRoot) -> bool {
    path.file_name().is_some_and(|name| name == settings::FILE)
        && std::fs::canonicalize(path).is_ok_and(|real| real.parent() == Some(root.dir()))
}

fn is_toml(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "toml")
}

fn job(input: &Path, root: &ProjectRoot) -> Result<Job, String> {
    let real = std::fs::canonicalize(input)
        .map_err(|err| format!("cannot read `{}`: {err}", input.display()))?;
    job_at(input, real, root)
}

/// The job of the publication `input`, whose canonical path is `real`.
fn job_at(input: &Path, real: PathBuf, root: &ProjectRoot) -> Result<Job, String> {
    let outside = || {
        format!(
            "`{}` is outside the project root `{}`: run briefpress from the project folder",
            input.display(),
            root.dir().display()
        )
    };
    let rel = real.strip_prefix(root.dir()).map_err(|_| outside())?;
    let Some(rel) = rel.to_str() else {
        // Outputs, the cache and messages name a publication by its path
        // in UTF-8: a lossy name would differ from the file's own.
        return Err(format!(
            "`{}`: the publication's file or folder name is not UTF-8; rename it \
             (outputs and the build cache are named after it)",
            escaped(input)
        ));
    };
    let rel = rel.to_string();
    let stem = stem_of(&rel).ok_or_else(outside)?;
    Ok(Job {
        input: input.to_path_buf(),
        real,
        source: rel,
        stem,
    })
}

/// `path` as text, with the bytes that are not UTF-8 written as `\xff`.
fn escaped(path: &Path) -> String {
    path.as_os_str()
        .as_encoded_bytes()
        .utf8_chunks()
        .map(|chunk| format!("{}{}", chunk.valid(), chunk.invalid().escape_ascii()))
        .collect()
}

/// The output stem of the publication at root-relative `source`: its path
/// inside `content/` (or else inside the root) without `.toml`.
///
/// ```
/// use briefpress::batch::discover::stem_of;
/// assert_eq!(stem_of("content/2021/gta.toml").as_deref(), Some("2021/gta"));
/// assert_eq!(stem_of("drafts/gta.toml").as_deref(), Some("drafts/gta"));
/// assert_eq!(stem_of("content/.toml"), None);
/// ```
pub fn stem_of(source: &str) -> Option<String> {
    let inner = source
        .strip_prefix(CONTENT_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(source);
    let stem = inner.strip_suffix(".toml")?;
    let named = !stem.is_empty() && !stem.ends_with('/');
    named.then(|| stem.to_string())
}

/// Reports publications that would write the same output files.
pub fn conflicts(jobs: &[Job]) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    let mut out = Vec::new();
    for job in jobs {
        if let Some(first) = seen.insert(output_family(&job.stem), &job.input) {
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
                .hint(
                    "rename or move one of them: outputs are named after the path inside \
                     content/, or inside the project for publications elsewhere",
                ),
            );
        }
    }
    out
}

/// The stem without an edition's infix: `a.large-print` writes
/// `a.large-print.pdf`, the large-print edition of `a`, so the two conflict.
fn output_family(stem: &str) -> &str {
    Edition::ALL
        .iter()
        .filter(|e| !e.infix().is_empty())
        .find_map(|e| stem.strip_suffix(e.infix()))
        .unwrap_or(stem)
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
/// use briefpress::batch::discover::shard_of;
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
                input: "x.toml".into(),
                real: "/p/x.toml".into(),
                source: "x.toml".into(),
                stem: "x".into(),
            },
            Job {
                input: "content/x.toml".into(),
                real: "/p/content/x.toml".into(),
                source: "content/x.toml".into(),
                stem: "x".into(),
            },
        ];
        assert_eq!(conflicts(&jobs).len(), 1);
    }
}
