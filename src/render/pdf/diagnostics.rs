//! Typst diagnostics → briefpress diagnostics, pointing where a person can act.
//!
//! An error inside a template points at the template file and line (marked
//! "built-in" for the embedded template). An error in the generated main file
//! is almost always about content (an image typst cannot decode, a character
//! no font covers), so it is reported against the content file involved
//! rather than against generated code nobody wrote.

use typst::diag::{Severity as TypstSeverity, SourceDiagnostic};
use typst::{World, WorldExt};

use super::world::{PublicationWorld, TypstEngine};
use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::Publication;
use crate::template::{self, TemplateSource};

/// Converts typst's diagnostics for one publication.
pub fn convert(
    engine: &TypstEngine,
    world: &PublicationWorld<'_>,
    publication: &Publication,
    diags: &[SourceDiagnostic],
) -> Vec<Diagnostic> {
    diags
        .iter()
        .map(|d| {
            missing_glyph(publication, d)
                .or_else(|| in_generated_code(world, publication, d))
                .unwrap_or_else(|| in_file(engine, world, publication, d))
        })
        .collect()
}

fn base(d: &SourceDiagnostic, code: Code, message: String) -> Diagnostic {
    let diag = match d.severity {
        TypstSeverity::Error => Diagnostic::error(code, message),
        TypstSeverity::Warning => Diagnostic::warning(code, message),
    };
    d.hints
        .iter()
        .fold(diag, |diag, hint| diag.hint(hint.v.as_str()))
}

/// An error or warning located in a file: a template file, or a content
/// image typst could not read (an SVG error has a line and column).
fn in_file(
    engine: &TypstEngine,
    world: &PublicationWorld<'_>,
    publication: &Publication,
    d: &SourceDiagnostic,
) -> Diagnostic {
    let Some(id) = d.span.id() else {
        return base(d, Code::Template, d.message.to_string());
    };
    let rel = id.vpath().get_without_slash().to_string();
    let diag = if publication.assets.iter().any(|a| a.path == rel) {
        base(d, Code::NotAnImage, d.message.to_string())
            .hint("fix or re-export the image; both editions need it to be valid")
    } else {
        base(d, Code::Template, d.message.to_string())
    };
    let built_in = rel.starts_with("templates/brief/")
        && template::locate(engine.root().dir(), template::DEFAULT)
            == Some(TemplateSource::BuiltIn);
    let name = if built_in {
        format!("{rel} (built-in)")
    } else {
        rel
    };
    let text = engine
        .source_text(id)
        .map_or_else(|| "".into(), |s| s.text().into());
    diag.at(&SourceText { name, text }, world.range(d.span))
}

/// A problem in the generated main file: name the content file it comes from.
fn in_generated_code(
    world: &PublicationWorld<'_>,
    publication: &Publication,
    d: &SourceDiagnostic,
) -> Option<Diagnostic> {
    let id = d.span.id()?;
    if id != world.main_id() {
        return None;
    }
    let source = world.source(id).ok()?;
    let range = world.range(d.span)?;
    let line_start = source.text()[..range.start]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = source.text()[range.start..]
        .find('\n')
        .map_or(source.text().len(), |i| range.start + i);
    let line = &source.text()[line_start..line_end];
    let asset = publication
        .assets
        .iter()
        .find(|a| line.contains(&format!("\"/{}\"", a.path)));
    let diag = match asset {
        Some(asset) if d.message.contains("image") => {
            base(d, Code::NotAnImage, d.message.to_string())
                .at(
                    &SourceText {
                        name: asset.path.clone(),
                        text: "".into(),
                    },
                    None,
                )
                .hint("re-save the file as a valid PNG, JPEG, GIF or SVG image")
        }
        Some(asset) => base(d, Code::Template, d.message.to_string()).at(
            &SourceText {
                name: asset.path.clone(),
                text: "".into(),
            },
            None,
        ),
        None => base(
            d,
            Code::Template,
            format!("{}: {}", publication.source, d.message),
        )
        .hint(
            "`briefpress build --emit-typst` writes out the generated typst source this comes from",
        ),
    };
    Some(diag)
}

/// typst refuses PDF/UA export when a character has no glyph in any font; say
/// so in content terms.
fn missing_glyph(publication: &Publication, d: &SourceDiagnostic) -> Option<Diagnostic> {
    if d.severity != TypstSeverity::Error || !d.message.contains("could not be displayed") {
        return None;
    }
    let text = d
        .message
        .split('`')
        .nth(1)
        .map_or_else(String::new, |t| t.trim_matches('"').to_string());
    Some(
        Diagnostic::error(
            Code::MissingGlyph,
            format!(
                "{}: the text `{text}` cannot be displayed with the available fonts",
                publication.source
            ),
        )
        .hint(format!(
            "add a font that covers it (OTF/TTF) to fonts/ or templates/{}/fonts/ in the project",
            publication.template
        ))
        .hint("an accessible PDF (PDF/UA-1) may not contain characters it cannot show"),
    )
}
