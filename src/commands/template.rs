//! `briefpress template list` and `briefpress template export NAME [DIR]`.
//!
//! The built-in template lives inside the binary, so a writer who installed
//! briefpress without its source repository had no way to see or copy it.
//! `list` shows every template a publication can name and where each comes
//! from (a project folder wins over the built-in copy of the same name);
//! `export` writes a built-in template's files into the project to edit.

use std::fs;
use std::path::{Path, PathBuf};

use super::{NewFiles, fail, print};
use crate::diag::{Code, Diagnostic};
use crate::project::root::ProjectRoot;
use crate::project::template::{self, BUILT_IN_NAMES, ENTRY};

/// The files of built-in template `name`, as (path inside the template folder, bytes).
pub fn built_in_files(name: &str) -> Option<Vec<(&'static str, &'static [u8])>> {
    template::built_in_files(name).map(<[_]>::to_vec)
}

/// Adds built-in template `name`'s files to `files`, under `dir` (relative
/// to the files' base). `false` if there is no such built-in template.
pub fn add_built_in(files: &mut NewFiles, name: &str, dir: &Path) -> bool {
    let Some(template) = built_in_files(name) else {
        return false;
    };
    for (file, bytes) in template {
        files.add(dir.join(file), bytes);
    }
    true
}

/// Prints every template of the project in the current folder, and the built-in ones.
pub fn list() -> u8 {
    let project = project_templates(Path::new("templates"));
    let root = ProjectRoot::new(Path::new(".")).ok();
    let outside = |name: &str| {
        root.as_ref()
            .and_then(|root| template::entry_outside_root(root, name))
    };
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut refused = Vec::new();
    for name in BUILT_IN_NAMES {
        let (source, detail) = if let Some(real) = project
            .iter()
            .any(|p| p == name)
            .then(|| outside(name))
            .flatten()
        {
            refused.push((name.to_string(), real));
            (
                "project",
                format!("templates/{name}/ (UNUSABLE: links outside the project)"),
            )
        } else if project.iter().any(|p| p == name) {
            (
                "project",
                format!("templates/{name}/ (replaces the built-in copy)"),
            )
        } else {
            (
                "built-in",
                format!("inside briefpress (copy it with `briefpress template export {name}`)"),
            )
        };
        rows.push((name.to_string(), source.into(), detail));
    }
    for name in project
        .iter()
        .filter(|n| !BUILT_IN_NAMES.contains(&n.as_str()))
    {
        let detail = match outside(name) {
            Some(real) => {
                refused.push((name.clone(), real));
                format!("templates/{name}/ (UNUSABLE: links outside the project)")
            }
            None => format!("templates/{name}/"),
        };
        rows.push((name.clone(), "project".into(), detail));
    }
    rows.sort();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let text: String = rows
        .iter()
        .map(|(name, source, detail)| format!("{name:width$}  {source:8}  {detail}\n"))
        .collect();
    let code = print(&text);
    for (name, real) in refused {
        let warning = Diagnostic::warning(
            Code::PathOutsideRoot,
            format!(
                "templates/{name}/{ENTRY} resolves to `{}`, outside the project root: builds refuse it",
                real.display()
            ),
        )
        .hint(template::copy_in_hint(&name));
        // Printed as `fail` prints; a warning leaves the exit code at 0.
        let _ = fail(warning);
    }
    code
}

/// The folders under `templates` that hold a `template.typ`, by name.
fn project_templates(templates: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(templates) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(ENTRY).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Writes built-in template `name` into `dir` (default `templates/NAME`);
/// returns the exit code (2 for an unknown name or a file that exists).
pub fn export(name: &str, dir: Option<&Path>) -> u8 {
    let dir = dir.map_or_else(|| PathBuf::from("templates").join(name), Path::to_path_buf);
    let mut files = NewFiles::under(&dir);
    if !add_built_in(&mut files, name, Path::new("")) {
        let mut diagnostic = Diagnostic::error(
            Code::Usage,
            format!("there is no built-in template `{name}`"),
        )
        .hint(format!("built-in templates: {}", BUILT_IN_NAMES.join(", ")));
        if let Some(best) = crate::diag::closest(name, BUILT_IN_NAMES.iter().copied()) {
            diagnostic = diagnostic.hint(format!("did you mean `{best}`?"));
        }
        return fail(diagnostic);
    }
    let code = files.write();
    if code == crate::batch::exit::OK {
        let note = if dir == Path::new("templates").join(name) {
            format!("every publication that uses `{name}` now builds with this copy")
        } else {
            "publications build with it once it is in templates/<name>/ (then name it with `template = \"<name>\"`)"
                .to_string()
        };
        super::say(&format!(
            "\nEdit {}/{ENTRY} and {}/epub.css: {note}.",
            dir.display(),
            dir.display()
        ));
    }
    code
}
