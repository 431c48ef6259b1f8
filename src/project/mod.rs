//! The project: everything a run resolves once and hands to every publication.
//!
//! A [`Project`] is the root every read is confined to ([`root`]), the
//! templates ([`template`], each resolved once) and the font files
//! ([`fonts`], read once). Renderers receive these as values and never decide
//! (or read) them again. The language layer lives here too: [`labels`]
//! (every word briefpress prints, per language, with project overrides),
//! [`locale`] (dates, list joins and numbers through ICU4X) and
//! [`punctuation`] (the language's quotes and dashes in content). The
//! project file's defaults ([`settings`]) and the `[style]` values
//! ([`style`]) are resolved here too, once, for every publication.

pub mod digest;
pub mod fonts;
pub mod labels;
pub mod language;
pub mod locale;
pub mod punctuation;
pub mod root;
pub mod settings;
pub mod style;
pub mod template;

use std::path::PathBuf;

use fonts::Fonts;
use root::ProjectRoot;
use settings::Settings;
use template::Templates;

/// One project, resolved for a run.
#[derive(Debug)]
pub struct Project {
    root: ProjectRoot,
    templates: Templates,
    fonts: Fonts,
    settings: Settings,
    max_file_size: u64,
}

impl Project {
    /// Resolves the project at `root`: reads its fonts (and those under the
    /// `font_paths` folders) now, each template on first use; never reads a
    /// file over `max_file_size` bytes.
    pub fn open(root: ProjectRoot, font_paths: &[PathBuf], max_file_size: u64) -> Self {
        Self {
            templates: Templates::new(root.clone(), max_file_size),
            fonts: Fonts::read(&root, font_paths, max_file_size),
            settings: Settings::default(),
            root,
            max_file_size,
        }
    }

    /// The root every read is confined to.
    pub fn root(&self) -> &ProjectRoot {
        &self.root
    }

    /// The project's templates (and the built-in one).
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The largest file, in bytes, any read of this project accepts.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The project's font files.
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// This project with the defaults of its `briefpress.toml`, once the
    /// loader has checked them.
    pub fn with_settings(self, settings: Settings) -> Self {
        Self { settings, ..self }
    }

    /// The defaults of the project file (all unset without one).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}
