//! The commands a writer starts with, beside `build` and `check`: they create
//! and describe a project rather than build it.
//!
//! Each command lives in its own module and returns an exit code; clap types
//! stay in `crate::cli` and `main.rs` dispatches. What they share is here:
//! writing a set of new files all-or-nothing ([`NewFiles`]) and reporting a
//! problem on stderr ([`fail`]).

pub mod completions;
pub mod fonts;
pub mod init;
pub mod new;
pub mod schema;
pub mod template;

use std::borrow::Cow;
use std::fs::{self, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::batch::exit;
use crate::diag::{Code, Diagnostic};

/// Files to create under one folder, none of which may exist yet.
#[derive(Debug, Default)]
pub struct NewFiles {
    base: PathBuf,
    files: Vec<(PathBuf, Cow<'static, [u8]>)>,
}

impl NewFiles {
    /// An empty set of files to create under `base`.
    pub fn under(base: impl Into<PathBuf>) -> Self {
        Self {
            base: base.into(),
            files: Vec::new(),
        }
    }

    /// Adds the file `rel` (relative to the base folder) with `bytes`.
    pub fn add(&mut self, rel: impl AsRef<Path>, bytes: impl Into<Cow<'static, [u8]>>) {
        self.files.push((rel.as_ref().to_path_buf(), bytes.into()));
    }

    /// Writes every file, or none: refuses (exit 2, naming each file) when any
    /// of them already exists with other contents, and removes what it wrote
    /// if a write fails (exit 1). A file already there with exactly these
    /// bytes (written by an earlier command, say) is left as it is. Prints
    /// each created file on stderr; returns the exit code.
    pub fn write(&self) -> u8 {
        let existing: Vec<String> = self
            .files
            .iter()
            .filter(|(rel, bytes)| {
                self.base.join(rel).symlink_metadata().is_ok()
                    && !holds(&self.base.join(rel), bytes)
            })
            .map(|(rel, _)| self.shown(rel))
            .collect();
        if !existing.is_empty() {
            return fail(
                Diagnostic::error(
                    Code::Usage,
                    format!(
                        "refusing to overwrite {}: {}",
                        plural(existing.len(), "existing file"),
                        existing.join(", ")
                    ),
                )
                .hint("nothing was written; move or rename these files, or choose another folder"),
            );
        }
        let mut written: Vec<PathBuf> = Vec::new();
        for (rel, bytes) in &self.files {
            let path = self.base.join(rel);
            if holds(&path, bytes) {
                say(&format!(
                    "{:>9} {} (already there)",
                    "Kept",
                    self.shown(rel)
                ));
                continue;
            }
            if let Err(err) = create_new(&path, bytes) {
                for done in written.iter().rev() {
                    let _ = fs::remove_file(done);
                }
                return fail(
                    Diagnostic::error(
                        Code::Io,
                        format!("cannot create `{}`: {err}", self.shown(rel)),
                    )
                    .hint("nothing was kept; check the folder's permissions and free space"),
                );
            }
            say(&format!("{:>9} {}", "Created", self.shown(rel)));
            written.push(path);
        }
        exit::OK
    }

    /// `rel` as the user named it: inside the base folder, or bare for `.`.
    fn shown(&self, rel: &Path) -> String {
        if self.base == Path::new(".") {
            rel.display().to_string()
        } else {
            self.base.join(rel).display().to_string()
        }
    }
}

/// Whether `path` is a regular file (not a symlink) holding exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|read| read == bytes)
}

/// Creates `path` (and its folders) with `bytes`; never replaces a file,
/// even one that appeared since the check.
fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// "1 existing file", "3 existing files".
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Prints a problem on stderr for people; returns exit code 2 for a usage
/// problem (nothing was done) and 1 for any other error.
pub fn fail(diagnostic: Diagnostic) -> u8 {
    let color = if io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut stderr = StandardStream::stderr(color);
    if diagnostic.emit(&mut stderr).is_err() {
        say(&diagnostic.to_string());
    }
    if diagnostic.code == Code::Usage {
        exit::USAGE
    } else {
        exit::FAILED
    }
}

/// Writes one status line on stderr; a closed stderr is ignored.
pub fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Writes `text` to stdout; a closed stdout (`briefpress schema | head`) is not an error.
pub fn print(text: &str) -> u8 {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    exit::OK
}
