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
//! with `--template[=NAME]`, a copy of a built-in template to edit (one other
//! than `brief` also becomes the project's template in `briefpress.toml`). It
//! never overwrites a file.

use std::path::{Path, PathBuf};

use super::{NewFiles, schema};
use crate::diag::{Code, Diagnostic};
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
    /// Also copy this built-in template into `templates/NAME/`.
    pub template: Option<String>,
}

/// Creates the project; returns the exit code (2 when a file already exists).
pub fn run(options: &InitOptions) -> u8 {
    if let Some(mistake) = template_taken_as_folder(options) {
        return super::fail(mistake);
    }
    let files = starter_files(options);
    let code = files.write();
    if code == crate::batch::exit::OK {
        next_steps(&options.dir);
    }
    code
}

/// `init --template report` reads `report` as the folder and copies
/// `brief` into it: a folder named exactly like a built-in template, beside
/// `--template`, is refused with the two ways to say what was meant.
fn template_taken_as_folder(options: &InitOptions) -> Option<Diagnostic> {
    options.template.as_ref()?;
    let name = options.dir.to_str()?;
    template::BUILT_IN_NAMES.contains(&name).then(|| {
        Diagnostic::error(
            Code::Usage,
            format!("`{name}` is read as the project folder, not as the template to copy"),
        )
        .hint(format!(
            "write `--template={name}` to copy the `{name}` template, or `./{name}` for a folder of that name"
        ))
    })
}

/// Every file `init` writes for `options`.
fn starter_files(options: &InitOptions) -> NewFiles {
    let mut files = NewFiles::under(&options.dir);
    for (path, bytes) in STARTER {
        if *path == settings::FILE {
            let mut text = format!("#:schema ./{}\n", schema::PROJECT_FILE);
            text.push_str(&project_file(
                &String::from_utf8_lossy(bytes),
                options.template.as_deref(),
            ));
            files.add(path, text.into_bytes());
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
    if let Some(name) = &options.template {
        let dir = Path::new("templates").join(name);
        super::template::add_built_in(&mut files, name, &dir);
    }
    files
}

/// The starter project file, naming `template` as the project's template
/// when it is not the default one (which needs no line).
fn project_file(starter: &str, template: Option<&str>) -> String {
    let Some(name) = template.filter(|name| *name != template::DEFAULT) else {
        return starter.to_string();
    };
    starter
        .lines()
        .map(|line| match line.strip_prefix("# template = ") {
            // The comments of the starter file start in column 40.
            Some(_) => format!(
                "{:<39}# the copy in templates/{name}/",
                format!("template = \"{name}\"")
            ),
            None => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    const STARTER_FILE: &str = include_str!("starter/briefpress.toml");

    #[test]
    fn a_template_other_than_brief_becomes_the_project_template() {
        let text = project_file(STARTER_FILE, Some("report"));
        let settings: toml::Table = toml::from_str(&text).expect("TOML");
        assert_eq!(settings["template"].as_str(), Some("report"));
        assert!(
            text.contains(
                "template = \"report\"                    # the copy in templates/report/\n"
            ),
            "{text}"
        );
        assert_eq!(text.lines().count(), STARTER_FILE.lines().count());
    }

    #[test]
    fn brief_or_no_template_leaves_the_project_file_as_it_is() {
        for template in [None, Some(template::DEFAULT)] {
            assert_eq!(project_file(STARTER_FILE, template), STARTER_FILE);
        }
    }
}
