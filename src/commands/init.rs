//! `briefpress init [DIR]`: a new project that builds at once.
//!
//! A writer's first five minutes decide whether a tool is adopted: instead of
//! "`content` does not exist", `init` lays out a project whose one example
//! publication uses every feature of the format (key figures, a section in its
//! own Markdown file, a table, a footnote, an image with alt text, a file and a
//! link attachment), so `briefpress build` works straight away and each
//! feature has an example to copy. It also writes a `.gitignore` for the
//! output folder, an example CI workflow, a commented project file
//! (`briefpress.toml`), the JSON Schemas editors check both against and,
//! with `--template`, a copy of the built-in template to edit. It never overwrites a file.

use std::path::{Path, PathBuf};

use super::{NewFiles, schema};
use crate::project::{settings, template};

/// The starter project, as (path in the project, bytes).
const STARTER: &[(&str, &[u8])] = &[
    (
        "content/welcome.toml",
        include_bytes!("starter/content/welcome.toml"),
    ),
    (
        "content/welcome/how-it-works.md",
        include_bytes!("starter/content/welcome/how-it-works.md"),
    ),
    (
        "content/welcome/figures/steps.svg",
        include_bytes!("starter/content/welcome/figures/steps.svg"),
    ),
    (
        "content/welcome/attachments/key-figures.csv",
        include_bytes!("starter/content/welcome/attachments/key-figures.csv"),
    ),
    ("briefpress.toml", include_bytes!("starter/briefpress.toml")),
    // Kept as `gitignore` in this repository so it ignores nothing here.
    (".gitignore", include_bytes!("starter/gitignore")),
    (
        "ci/github-actions.yml",
        include_bytes!("starter/ci/github-actions.yml"),
    ),
];

/// What `init` was asked for.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project folder (created if missing; may already hold other files).
    pub dir: PathBuf,
    /// Also copy the built-in template into `templates/brief/`.
    pub template: bool,
}

/// Creates the project; returns the exit code (2 when a file already exists).
pub fn run(options: &InitOptions) -> u8 {
    let files = starter_files(options);
    let code = files.write();
    if code == crate::batch::exit::OK {
        next_steps(&options.dir);
    }
    code
}

/// Every file `init` writes for `options`.
fn starter_files(options: &InitOptions) -> NewFiles {
    let mut files = NewFiles::under(&options.dir);
    for (path, bytes) in STARTER {
        if *path == settings::FILE {
            let mut text = format!("#:schema ./{}\n", schema::PROJECT_FILE).into_bytes();
            text.extend_from_slice(bytes);
            files.add(path, text);
        } else if path.ends_with(".toml") {
            // The editor's schema first: Taplo reads `#:schema` only at the top.
            let mut text = schema::directive(1).into_bytes();
            text.extend_from_slice(bytes);
            files.add(path, text);
        } else {
            files.add(path, *bytes);
        }
    }
    files.add(schema::FILE, schema::text().into_bytes());
    files.add(schema::PROJECT_FILE, schema::project_text().into_bytes());
    if options.template {
        let dir = Path::new("templates").join(template::DEFAULT);
        super::template::add_built_in(&mut files, template::DEFAULT, &dir);
    }
    files
}

/// Tells the writer what to do next.
fn next_steps(dir: &Path) {
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    super::say(&format!(
        "\nNext: {cd}briefpress build\n\
         That writes output/welcome.pdf and output/welcome.epub from content/welcome.toml;\n\
         `briefpress new SLUG` adds another publication."
    ));
}
