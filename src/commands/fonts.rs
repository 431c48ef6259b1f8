//! `briefpress fonts`: the font families a template can use, with their variants.
//!
//! briefpress never loads system fonts (so output is the same everywhere),
//! which surprises template authors who name a font installed on their
//! machine. This lists what the typst engine of a build in this folder
//! loads, in the same order: the fonts embedded in briefpress, the built-in
//! template's, then the project's (`fonts/`, `templates/*/fonts/`) and those
//! under `--font-path`, each family with its variants and where it comes from.

use std::collections::BTreeMap;
use std::path::PathBuf;

use typst::text::{FontInfo, FontStyle, FontVariant};

use super::{fail, print};
use crate::diag::{Code, Diagnostic};
use crate::project::Project;
use crate::project::root::ProjectRoot;

/// Largest font file read, as for a build with the default `--max-file-size`.
const MAX_FONT_FILE: u64 = 50 * 1024 * 1024;

/// Prints every font family of the project in the current folder.
pub fn run(font_paths: &[PathBuf]) -> u8 {
    let root = match std::env::current_dir().and_then(|dir| ProjectRoot::new(&dir)) {
        Ok(root) => root,
        Err(err) => {
            return fail(Diagnostic::error(
                Code::Usage,
                format!("cannot use the current folder as project root: {err}"),
            ));
        }
    };
    let project = Project::open(root, font_paths, MAX_FONT_FILE);
    for warning in &project.fonts().skipped {
        fail(warning.clone());
    }
    print(&table(&project.fonts().faces()))
}

/// One line per family and source: the family, its variants, where it comes from.
fn table(faces: &[(FontInfo, String)]) -> String {
    let mut families: BTreeMap<(String, &str), Vec<FontVariant>> = BTreeMap::new();
    for (info, source) in faces {
        let variants = families
            .entry((info.family.clone(), source.as_str()))
            .or_default();
        if !variants.contains(&info.variant) {
            variants.push(info.variant);
        }
    }
    let width = families
        .keys()
        .map(|(f, _)| f.chars().count())
        .max()
        .unwrap_or(0);
    families
        .into_iter()
        .map(|((family, source), mut variants)| {
            variants.sort_by_key(|v| {
                (
                    v.style as u8,
                    v.weight.to_number(),
                    v.stretch.to_ratio().get().to_bits(),
                )
            });
            let names: Vec<String> = variants.iter().map(|v| variant_name(*v)).collect();
            format!("{family:width$}  {}  ({source})\n", names.join(", "))
        })
        .collect()
}

/// "Regular", "Bold Italic", "Weight 300", "Condensed Bold"…
fn variant_name(variant: FontVariant) -> String {
    let weight = match variant.weight.to_number() {
        100 => "Thin".to_string(),
        200 => "Extra Light".to_string(),
        300 => "Light".to_string(),
        400 => String::new(),
        500 => "Medium".to_string(),
        600 => "Semibold".to_string(),
        700 => "Bold".to_string(),
        800 => "Extra Bold".to_string(),
        900 => "Black".to_string(),
        other => format!("Weight {other}"),
    };
    let style = match variant.style {
        FontStyle::Normal => "",
        FontStyle::Italic => "Italic",
        FontStyle::Oblique => "Oblique",
    };
    let ratio = variant.stretch.to_ratio().get();
    let stretch = if ratio < 1.0 {
        "Condensed"
    } else if ratio > 1.0 {
        "Expanded"
    } else {
        ""
    };
    let words: Vec<&str> = [stretch, weight.as_str(), style]
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "Regular".to_string()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::text::{FontStretch, FontWeight};

    #[test]
    fn variants_are_named_as_type_designers_do() {
        let named = |style, weight, stretch| {
            variant_name(FontVariant::new(
                style,
                FontWeight::from_number(weight),
                stretch,
            ))
        };
        assert_eq!(
            named(FontStyle::Normal, 400, FontStretch::NORMAL),
            "Regular"
        );
        assert_eq!(
            named(FontStyle::Italic, 700, FontStretch::NORMAL),
            "Bold Italic"
        );
        assert_eq!(
            named(FontStyle::Normal, 350, FontStretch::CONDENSED),
            "Condensed Weight 350"
        );
    }
}
