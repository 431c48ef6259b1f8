//! Typst diagnostics → briefpress diagnostics, pointing where a person can act.
//!
//! An error inside a template points at the template file and line (marked
//! "built-in" for the embedded template). An error about content is reported
//! against the content file involved rather than against generated code or
//! a template nobody needs to edit: an image typst cannot decode against the
//! image and the line that uses it (even when the template's `image()` call
//! is what typst blames, as for the cover), a character no font covers
//! against the place it was written, once per script.

use typst::diag::{Severity as TypstSeverity, SourceDiagnostic};
use typst::foundations::{Bytes, Smart};
use typst::visualize::{ExchangeFormat, RasterImage};
use typst::{World, WorldExt};
use unicode_script::UnicodeScript;

use super::world::{self, PublicationWorld, TypstEngine};
use crate::diag::{self, Code, Diagnostic, SourceText};
use crate::model::{Asset, Publication};

/// Converts typst's diagnostics for one publication.
pub fn convert(
    engine: &TypstEngine,
    world: &PublicationWorld<'_>,
    publication: &Publication,
    diags: &[SourceDiagnostic],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut glyphs = MissingGlyphs::default();
    // Found once, at the first decoding error, and reported once each.
    let mut broken: Option<Vec<(&Asset, String)>> = None;
    for d in diags {
        if let Some(text) = missing_glyph_text(d) {
            glyphs.add(&text, || context(world, publication, d));
            continue;
        }
        if is_decode_error(d) {
            let first = broken.is_none();
            let broken = broken.get_or_insert_with(|| broken_images(publication));
            if !broken.is_empty() {
                if first {
                    out.extend(
                        broken
                            .iter()
                            .map(|(asset, reason)| not_decodable(asset, reason)),
                    );
                }
                continue;
            }
        }
        out.push(
            in_generated_code(engine, world, publication, d)
                .unwrap_or_else(|| in_file(engine, world, publication, d)),
        );
    }
    out.extend(glyphs.diagnostics(publication));
    diag::cap_per_file(out, diag::MAX_PER_FILE)
}

fn base(d: &SourceDiagnostic, code: Code, message: String) -> Diagnostic {
    let diag = match d.severity {
        TypstSeverity::Error => Diagnostic::error(code, message),
        TypstSeverity::Warning => Diagnostic::warning(code, message),
    };
    d.hints.iter().fold(diag, |diag, hint| {
        // typst's CLI advice: briefpress has no such option.
        if hint.v.contains("--root") {
            diag.hint("briefpress reads only files inside the project (the folder it runs in): move the file into it")
        } else {
            diag.hint(hint.v.as_str())
        }
    })
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
    let code = if publication.assets.iter().any(|a| a.path == rel) {
        Code::NotAnImage
    } else if is_over_pixel_budget(d) {
        Code::TooLarge
    } else {
        Code::Template
    };
    // typst wraps the World's refusal in "failed to load file (…)".
    let message = match code {
        Code::TooLarge => d
            .message
            .strip_prefix("failed to load file (")
            .and_then(|m| m.strip_suffix(')'))
            .unwrap_or(&d.message),
        _ => &d.message,
    };
    let mut diag = base(d, code, message.to_string());
    match code {
        Code::NotAnImage => {
            diag = diag.hint("fix or re-export the image; both editions need it to be valid");
        }
        Code::TooLarge => {
            diag = diag.hint("scale the image the template loads down, or raise the limit with --max-image-pixels");
        }
        _ => {}
    }
    let built_in = engine.is_built_in_file(&rel);
    let name = if built_in {
        format!("{rel} (built-in)")
    } else {
        rel
    };
    let text: std::sync::Arc<str> = engine
        .source_text(id)
        .map_or_else(|| "".into(), |s| s.text().into());
    diag.at(&SourceText::new(name, text), world.range(d.span))
}

/// A problem in the generated main file: name the content file it comes from.
fn in_generated_code(
    engine: &TypstEngine,
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
    let line = line_at(source.text(), range.start);
    let asset = publication
        .assets
        .iter()
        .find(|a| line.contains(&format!("\"/{}\"", a.path)));
    let diag = match asset {
        Some(asset) if d.message.contains("image") => base(
            d,
            Code::NotAnImage,
            format!("`{}`: {}", asset.path, d.message),
        )
        .at(&asset.used_at.source, asset.used_at.span.clone())
        .hint("re-save the file as a valid PNG, JPEG, GIF or SVG image"),
        Some(asset) => base(
            d,
            Code::Template,
            format!("`{}`: {}", asset.path, d.message),
        )
        .at(&asset.used_at.source, asset.used_at.span.clone()),
        None => broken_contract(engine, publication, d, line).unwrap_or_else(|| {
            base(
                d,
                Code::Template,
                format!("{}: {}", publication.source, d.message),
            )
            .hint(
                "`briefpress build --emit-typst` writes out the generated typst source this comes from",
            )
        }),
    };
    Some(diag)
}

/// A template that does not do what the generated file asks of it: no
/// `publication` to import, or a `publication` that refuses the arguments
/// briefpress passes. Reported in the template file (at its `publication`,
/// or its first line), since that is what needs the change.
fn broken_contract(
    engine: &TypstEngine,
    publication: &Publication,
    d: &SourceDiagnostic,
    line: &str,
) -> Option<Diagnostic> {
    let rel = format!("templates/{}/template.typ", publication.template);
    let source = engine.source_text(world::file_id(&format!("/{rel}"))?)?;
    let text = source.text();
    let defined = text.find("let publication(");
    let (message, at, hint) = if line.starts_with("#import")
        && d.message.contains("unresolved import")
    {
        (
            format!(
                "`{rel}` defines no `publication`, the function briefpress calls with each publication"
            ),
            0..0,
            "define it as `#let publication(..args, body) = …`; `briefpress template export brief` writes out the built-in template to start from",
        )
    } else if d.message.starts_with("unexpected argument")
        || d.message.starts_with("missing argument")
    {
        let at = defined.map_or(0..0, |i| i + 4..i + 4 + "publication".len());
        (
            format!(
                "`publication` in `{rel}` does not take what briefpress passes it ({})",
                d.message
            ),
            at,
            "take every named argument with `..args` (`#let publication(..args, body) = …`) and read them as `args.named()`; the README's template contract lists them",
        )
    } else {
        return None;
    };
    let built_in = engine.is_built_in_file(&rel);
    let name = if built_in {
        format!("{rel} (built-in)")
    } else {
        rel
    };
    Some(
        base(d, Code::Template, message)
            .at(&SourceText::new(name, text), Some(at))
            .hint(hint),
    )
}

/// The line of `text` holding byte `at`.
fn line_at(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// Whether typst failed to decode a raster image. Its error points at the
/// `image()` call (in a template, for the cover), not at the file.
fn is_decode_error(d: &SourceDiagnostic) -> bool {
    d.severity == TypstSeverity::Error
        && (d.message.starts_with("failed to decode image") || d.message == "file is too large")
}

/// Whether the World refused an image over the pixel budget.
fn is_over_pixel_budget(d: &SourceDiagnostic) -> bool {
    d.message.contains(crate::media::raster::OVER_BUDGET)
}

/// The publication's raster images typst cannot decode, with typst's
/// reason. Typst memoizes decoding, so asking again for the image that
/// just failed costs nothing; this only runs after a decoding error.
fn broken_images(publication: &Publication) -> Vec<(&Asset, String)> {
    publication
        .assets
        .iter()
        .filter_map(|asset| {
            let format = match asset.media_type {
                "image/png" => ExchangeFormat::Png,
                "image/jpeg" => ExchangeFormat::Jpg,
                "image/gif" => ExchangeFormat::Gif,
                _ => return None,
            };
            let data = Bytes::new(asset.data.as_ref().clone());
            RasterImage::new(data, format, Smart::Auto)
                .err()
                .map(|reason| (asset, reason.to_string()))
        })
        .collect()
}

fn not_decodable(asset: &Asset, reason: &str) -> Diagnostic {
    let reason = reason.trim();
    let reason = reason
        .strip_prefix("failed to decode image (")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(reason)
        .trim();
    Diagnostic::error(
        Code::NotAnImage,
        format!("`{}` cannot be decoded as an image: {reason}", asset.path),
    )
    .at(&asset.used_at.source, asset.used_at.span.clone())
    .hint("re-save the file as a valid PNG, JPEG or GIF image")
}

/// The text typst could not display, from "… the text `\"漢\"` could not be
/// displayed with …", or `None` for any other diagnostic.
fn missing_glyph_text(d: &SourceDiagnostic) -> Option<String> {
    if d.severity != TypstSeverity::Error || !d.message.contains("could not be displayed") {
        return None;
    }
    let repr = d.message.split('`').nth(1)?;
    Some(unescape_repr(repr.trim_matches('"')))
}

/// Undoes typst's string `repr` escapes (`\\`, `\"`, `\n`, `\u{…}`).
fn unescape_repr(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    let mut chars = repr.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars
                    .by_ref()
                    .skip_while(|&c| c == '{')
                    .take_while(|&c| c != '}')
                    .collect();
                out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Where in the publication a diagnostic in the generated main file is:
/// the section it belongs to, or the metadata field.
fn context(
    world: &PublicationWorld<'_>,
    publication: &Publication,
    d: &SourceDiagnostic,
) -> Option<String> {
    let id = d.span.id()?;
    if id != world.main_id() {
        return None;
    }
    let source = world.source(id).ok()?;
    let at = world.range(d.span)?.start.min(source.text().len());
    let before = &source.text()[..at];
    for line in before.lines().rev() {
        if let Some(rest) = line.strip_prefix("#heading(level: 1)") {
            let label = rest.rsplit('<').next()?.trim_end().trim_end_matches('>');
            let section = publication.sections.iter().find(|s| s.id == label)?;
            return Some(format!("section \"{}\"", section.title));
        }
        if let Some(field) = line
            .strip_prefix("  ")
            .and_then(|rest| rest.split_once(": "))
            .map(|(name, _)| name)
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase()))
        {
            return Some(format!("`{field}`"));
        }
    }
    None
}

/// Characters no font covers, grouped by script: one error per script and
/// publication, however often typst reports them.
#[derive(Default)]
struct MissingGlyphs {
    /// Script name → its characters (first-seen order) and where the first was reported.
    scripts: Vec<(&'static str, Vec<char>, Option<String>)>,
}

impl MissingGlyphs {
    /// Adds the characters of one typst error; `context` (a scan of the
    /// generated source) runs only for the first error of a script, so a
    /// page of unsupported text stays linear.
    fn add(&mut self, text: &str, context: impl Fn() -> Option<String>) {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let script = c.script().full_name();
            let index = match self.scripts.iter().position(|(s, ..)| *s == script) {
                Some(index) => index,
                None => {
                    self.scripts.push((script, Vec::new(), context()));
                    self.scripts.len() - 1
                }
            };
            let (_, chars, _) = &mut self.scripts[index];
            if !chars.contains(&c) && chars.len() < MAX_LISTED {
                chars.push(c);
            }
        }
    }

    fn diagnostics(self, publication: &Publication) -> Vec<Diagnostic> {
        self.scripts
            .into_iter()
            .map(|(script, chars, context)| missing_glyph(publication, script, &chars, context))
            .collect()
    }
}

/// A font family that covers `script` and where Debian ships it, for the
/// hint of a missing-glyph error (CJK families are too large to bundle).
pub(crate) fn font_for(script: &str) -> Option<String> {
    match script {
        "Common" | "Inherited" | "Unknown" => None,
        "Han" | "Hiragana" | "Katakana" | "Bopomofo" | "Hangul" => Some(
            "Chinese, Japanese and Korean text needs a CJK font, e.g. Noto Sans CJK JP, SC, TC \
             or KR from Debian's fonts-noto-cjk: --font-path /usr/share/fonts/opentype/noto"
                .into(),
        ),
        name => Some(format!(
            "{name} text needs a font for its script, e.g. Noto Sans {name} from Debian's \
             fonts-noto-core: --font-path /usr/share/fonts/truetype/noto"
        )),
    }
}

/// Characters listed in a missing-glyph message, at most.
const MAX_LISTED: usize = 12;

/// typst refuses PDF/UA export when a character has no glyph in any font; say
/// so in content terms, at the first place one of the characters is written.
fn missing_glyph(
    publication: &Publication,
    script: &str,
    chars: &[char],
    context: Option<String>,
) -> Diagnostic {
    let listed: Vec<String> = chars
        .iter()
        .map(|c| format!("`{c}` (U+{:04X})", u32::from(*c)))
        .collect();
    let what = match listed.as_slice() {
        [one] => format!("the character {one}"),
        _ => format!("the characters {}", listed.join(", ")),
    };
    let suggestion = font_for(script);
    let script = match script {
        "Common" | "Inherited" | "Unknown" => String::new(),
        name => format!(" ({name} script)"),
    };
    let place = context.map_or_else(String::new, |c| format!(" in {c}"));
    let mut diag = Diagnostic::error(
        Code::MissingGlyph,
        format!("{what}{script}{place} cannot be displayed with the available fonts"),
    );
    if let Some(suggestion) = suggestion {
        diag = diag.hint(suggestion);
    }
    let diag = diag
        .hint(format!(
            "add a font that covers them (OTF/TTF) to fonts/ or templates/{}/fonts/ in the \
             project, or name a folder of fonts with --font-path",
            publication.template
        ))
        .hint("an accessible PDF (PDF/UA-1) may not contain characters it cannot show");
    match first_written(publication, chars) {
        Some((text, span)) => diag.at(text, Some(span)),
        None => diag.at(&SourceText::unread(publication.source.clone()), None),
    }
}

/// The first place in the publication's files where one of `chars` is written.
pub(crate) fn first_written<'p>(
    publication: &'p Publication,
    chars: &[char],
) -> Option<(&'p SourceText, std::ops::Range<usize>)> {
    publication.texts.iter().find_map(|text| {
        chars
            .iter()
            .filter_map(|&c| text.text.find(c).map(|at| (at, c)))
            .min()
            .map(|(at, c)| (text, at..at + c.len_utf8()))
    })
}
