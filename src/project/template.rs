//! Templates: the typst files and EPUB stylesheet that give a publication its look.
//!
//! A template is a folder `templates/<name>/` in the project holding
//! `template.typ` (the typst entry point, exporting `publication`) and
//! `epub.css`. The default `brief` template is also compiled into the binary,
//! so briefpress works in a project with no `templates/` folder at all; a
//! project folder of the same name always wins over the built-in copy.

use std::path::Path;

/// The typst entry file every template must have.
pub const ENTRY: &str = "template.typ";
/// The EPUB stylesheet file name.
pub const STYLESHEET: &str = "epub.css";
/// The template used when a publication names none.
pub const DEFAULT: &str = "brief";

/// The built-in `brief` template, file name → bytes. Its fonts (Noto, OFL)
/// back up the embedded text fonts, which cover Latin, Greek and Cyrillic:
/// Noto Naskh Arabic, Serif Hebrew and Serif Devanagari set the scripts of
/// languages briefpress ships labels for, and Noto Emoji the emoji of real
/// briefs (PDF/UA refuses characters it cannot show). CJK fonts are too
/// large to embed: `--font-path` loads them.
const BUILT_IN: &[(&str, &[u8])] = &[
    (ENTRY, include_bytes!("../../templates/brief/template.typ")),
    (STYLESHEET, include_bytes!("../../templates/brief/epub.css")),
    (
        "fonts/NotoEmoji-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoEmoji-Regular.ttf"),
    ),
    (
        "fonts/NotoNaskhArabic-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoNaskhArabic-Regular.ttf"),
    ),
    (
        "fonts/NotoNaskhArabic-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoNaskhArabic-Bold.ttf"),
    ),
    (
        "fonts/NotoSerifHebrew-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifHebrew-Regular.ttf"),
    ),
    (
        "fonts/NotoSerifHebrew-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifHebrew-Bold.ttf"),
    ),
    (
        "fonts/NotoSerifDevanagari-Regular.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifDevanagari-Regular.ttf"),
    ),
    (
        "fonts/NotoSerifDevanagari-Bold.ttf",
        include_bytes!("../../templates/brief/fonts/NotoSerifDevanagari-Bold.ttf"),
    ),
    (
        "fonts/OFL.txt",
        include_bytes!("../../templates/brief/fonts/OFL.txt"),
    ),
];

/// Where a template's files come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSource {
    /// `templates/<name>/` in the project.
    Project,
    /// The copy compiled into the binary (only for `brief`).
    BuiltIn,
}

/// Decides where template `name` is read from, or `None` if it exists nowhere.
pub fn locate(root: &Path, name: &str) -> Option<TemplateSource> {
    if root.join("templates").join(name).join(ENTRY).is_file() {
        Some(TemplateSource::Project)
    } else if name == DEFAULT {
        Some(TemplateSource::BuiltIn)
    } else {
        None
    }
}

/// A file of the built-in template, by name within the template folder.
pub fn built_in(file: &str) -> Option<&'static [u8]> {
    BUILT_IN
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, data)| *data)
}

/// The font files of the built-in template.
pub fn built_in_fonts() -> impl Iterator<Item = &'static [u8]> {
    BUILT_IN
        .iter()
        .filter(|(name, _)| name.starts_with("fonts/") && name.ends_with(".ttf"))
        .map(|(_, data)| *data)
}

/// Every built-in file, for hashing into the build cache.
pub fn built_in_files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    BUILT_IN.iter().copied()
}
