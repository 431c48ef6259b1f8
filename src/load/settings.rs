//! The project file, `briefpress.toml`, read and checked like a publication:
//! every unknown key with a "did you mean", every value of the wrong type
//! and every bad value at its line, into the [`Settings`] every publication
//! of the run starts from.
//!
//! It is read once per run, before any publication: a mistake in it would
//! otherwise be reported once per publication, so the run stops instead.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use toml_edit::{ImDocument, Item};

use super::language::overrides;
use super::manifest::{check_keys, classify};
use super::typed;
use super::{LoadOptions, Loader};
use crate::diag::{self, Code, Diagnostic, SourceText};
use crate::project::Project;
use crate::project::labels::Labels;
use crate::project::settings::{FILE, Settings};
use crate::project::style::{self, RawStyle, STYLE_KEYS};

/// `briefpress.toml` as serde sees it; also the source of
/// `briefpress schema --project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    title = "briefpress project",
    description = "Defaults for every publication of a briefpress project (briefpress.toml at the project root). A publication's own keys win; the command line wins over both."
)]
pub struct RawSettings {
    /// The template of publications that name none: a folder under `templates/`, or a built-in one.
    #[schemars(with = "Option<String>")]
    pub template: Option<Spanned<String>>,
    /// The PDF editions of publications that list none: `standard`, `large-print`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub editions: Vec<Spanned<String>>,
    /// The language of publications that give none, a BCP 47 tag (default `en`).
    #[schemars(with = "Option<String>")]
    pub language: Option<Spanned<String>>,
    /// The output folder when `--out` is not given, relative to the project root (default `output`).
    #[schemars(with = "Option<String>")]
    pub output: Option<Spanned<String>>,
    /// `false` keeps quotes and dashes as typed in every publication that does not say otherwise.
    pub smart_punctuation: Option<bool>,
    /// Style defaults: accent, fonts, logo, paper.
    #[serde(default)]
    pub style: RawStyle,
    /// Label overrides per language: `[labels.fr]`, then `key_figures = "En bref"`.
    /// (Checked from the document itself, which keeps each key's position.)
    #[schemars(with = "BTreeMap<String, BTreeMap<String, String>>")]
    pub labels: Option<toml::Value>,
}

/// Keys allowed at the top level of `briefpress.toml`.
pub const TOP_KEYS: &[&str] = &[
    "template",
    "editions",
    "language",
    "output",
    "smart_punctuation",
    "style",
    "labels",
];

/// Reads the project file, if the project has one. Returns the settings
/// (`None` when any error was found) and every diagnostic.
pub fn read(project: &Project, options: &LoadOptions) -> (Option<Settings>, Vec<Diagnostic>) {
    let path = project.root().dir().join(FILE);
    if !path.exists() {
        return (Some(Settings::default()), Vec::new());
    }
    let mut loader = Loader::new(project, options);
    let settings = loader.settings(&path, project);
    let failed = loader.diagnostics.iter().any(Diagnostic::is_error);
    (
        settings.filter(|_| !failed),
        diag::cap_per_file(loader.diagnostics, diag::MAX_PER_FILE),
    )
}

impl Loader<'_> {
    fn settings(&mut self, path: &Path, project: &Project) -> Option<Settings> {
        let file = match self.root.confine(path) {
            Ok(file) => file,
            Err(problem) => {
                let source = SourceText::unread(FILE);
                self.report(super::problems::path(problem, FILE).at(&source, None));
                return None;
            }
        };
        let source = self.read_text(&file, None)?;
        let Ok(doc) = ImDocument::parse(&*source.text) else {
            let err = toml::from_str::<toml::Table>(&source.text).err()?;
            self.report(classify(&source, &err));
            return None;
        };
        check_keys(doc.as_table(), TOP_KEYS, &source, &mut self.diagnostics);
        if let Some(style) = doc.get("style").and_then(Item::as_table_like) {
            check_keys(style, STYLE_KEYS, &source, &mut self.diagnostics);
        }
        // Every wrong-typed value at its place, in one run; the project file
        // has no required key, so none is reported missing after them.
        let table = doc.as_table().clone();
        let (raw, _) = typed::deserialize::<RawSettings>(table, &source, &mut self.diagnostics)?;
        let template = raw
            .template
            .as_ref()
            .map(|name| self.template_name(name, &source));
        let editions = self.editions(&raw.editions, &source);
        let language = raw
            .language
            .as_ref()
            .map(|tag| self.language(Some(tag), &source));
        let output = raw
            .output
            .as_ref()
            .and_then(|value| self.output_folder(value, &source));
        let (style, problems) = style::check(&raw.style, &source, || project.fonts().families());
        self.diagnostics.extend(problems);
        if let Some(logo) = &style.logo {
            self.check_logo(&logo.path, &source);
        }
        let labels = self.label_tables(&doc, &source);
        Some(Settings {
            source: Some(source),
            template,
            editions,
            language,
            output,
            smart_punctuation: raw.smart_punctuation,
            style,
            labels,
        })
    }

    /// `output`: a folder inside the project, named relative to its root.
    fn output_folder(&mut self, value: &Spanned<String>, source: &SourceText) -> Option<PathBuf> {
        let path = Path::new(value.get_ref());
        let inside = !value.get_ref().trim().is_empty()
            && path
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
            && path.components().any(|c| matches!(c, Component::Normal(_)));
        if inside {
            return Some(path.to_path_buf());
        }
        self.report(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`output = \"{}\"` is not a folder inside the project", value.get_ref()),
            )
            .at(source, Some(value.span()))
            .hint("name a folder relative to the project root, e.g. `output = \"public\"`; `--out` can still point elsewhere"),
        );
        None
    }

    /// A project-wide logo must exist inside the project; its image checks
    /// run when a publication reads it.
    fn check_logo(&mut self, value: &Spanned<String>, source: &SourceText) {
        let path = self.root.dir().join(value.get_ref());
        let confined = if Path::new(value.get_ref()).is_absolute() {
            Err(crate::project::root::PathProblem::Absolute)
        } else {
            self.root.confine(&path)
        };
        if let Err(problem) = confined {
            self.report(
                super::problems::path(problem, value.get_ref()).at(source, Some(value.span())),
            );
        }
    }

    /// `[labels.<language>]` tables, each checked against that language's labels.
    fn label_tables(
        &mut self,
        doc: &ImDocument<&str>,
        source: &SourceText,
    ) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut tables = BTreeMap::new();
        let Some((key, item)) = doc.as_table().get_key_value("labels") else {
            return tables;
        };
        let Some(languages) = item.as_table_like() else {
            self.report(
                Diagnostic::error(Code::InvalidValue, "`labels` must be a table of languages")
                    .at(source, key.span())
                    .hint("write `[labels.fr]` on a line of its own, then `key_figures = \"En bref\"` lines"),
            );
            return tables;
        };
        for (tag, table) in languages.iter() {
            let tag_span = languages.get_key_value(tag).and_then(|(k, _)| k.span());
            if table.is_str() || !table.is_table_like() {
                self.report(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`labels.{tag}` is not a table of labels"),
                    )
                    .at(source, tag_span)
                    .hint("project labels are per language: put them under `[labels.en]`, `[labels.fr]`…"),
                );
                continue;
            }
            if !super::values::is_language_tag(tag) {
                self.report(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{tag}` is not a BCP 47 language tag"),
                    )
                    .at(source, tag_span)
                    .hint(
                        "name each table by a language tag, e.g. `[labels.fr]` or `[labels.pt-BR]`",
                    ),
                );
                continue;
            }
            let texts = overrides(
                &Labels::for_language(tag),
                tag_span,
                table,
                source,
                &mut self.diagnostics,
            );
            tables.insert(tag.to_string(), texts);
        }
        tables
    }
}
