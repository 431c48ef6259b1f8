//! The wording of file problems: a [`PathProblem`], an unreadable image or
//! a refused SVG becomes a [`Diagnostic`] with a message and a hint here,
//! in one place, whichever key or Markdown line named the file.
//!
//! The functions return diagnostics without a location; the caller knows
//! where the file was named and points there.

use std::ops::Range;

use crate::diag::{Code, Diagnostic, SourceText};
use crate::media::raster::RasterProblem;
use crate::media::svg::SvgProblem;
use crate::project::root::PathProblem;

use super::text::BOM;
use super::values::is_noncharacter;

/// Why the file written as `reference` cannot be used.
pub(super) fn path(problem: PathProblem, reference: &str) -> Diagnostic {
    match problem {
        PathProblem::Absolute => Diagnostic::error(
            Code::PathOutsideRoot,
            format!("`{reference}` is an absolute path"),
        )
        .hint("write paths relative to the file that contains them"),
        PathProblem::Escapes => Diagnostic::error(
            Code::PathOutsideRoot,
            format!("`{reference}` points outside the project root"),
        )
        .hint("move the file into the project (the folder holding briefpress.toml and content/)"),
        PathProblem::SymlinkOutside(real) => Diagnostic::error(
            Code::PathOutsideRoot,
            format!(
                "`{reference}` is a link to `{}`, outside the project root",
                real.display()
            ),
        )
        .hint("copy the file into the project instead of linking to it"),
        PathProblem::Missing(err) => Diagnostic::error(
            Code::MissingFile,
            format!("cannot read `{reference}`: {}", io_reason(&err)),
        )
        .hint("check the path: it is relative to the file that contains it"),
        PathProblem::NotAFile => {
            Diagnostic::error(Code::MissingFile, format!("`{reference}` is not a file"))
        }
        PathProblem::TooLarge { size, limit } => Diagnostic::error(
            Code::TooLarge,
            format!(
                "`{reference}` is {}, over the limit of {}",
                mebibytes(size),
                mebibytes(limit)
            ),
        )
        .hint("shrink the file, or raise the limit with --max-file-size"),
    }
}

/// The text file `name` of `size` bytes would take the publication's text
/// from `read` bytes past `limit`.
pub(super) fn text_over_budget(name: &str, size: u64, read: u64, limit: u64) -> Diagnostic {
    Diagnostic::error(
        Code::TooLarge,
        format!(
            "with `{name}` ({}), the publication's text would reach {}, over the limit of {}",
            mebibytes(size),
            mebibytes(read + size),
            mebibytes(limit)
        ),
    )
    .hint(
        "split the publication into several; the limit counts its TOML and Markdown files together",
    )
}

/// What to do about a PNG whose colour profile is refused.
const PROFILE_HINT: &str = "re-save the image without its colour profile (most editors offer it on export; `optipng -strip all` does it)";

/// An image file (named `reference`) that is too large or unreadable.
pub(super) fn raster(problem: RasterProblem, reference: &str) -> Diagnostic {
    match problem {
        RasterProblem::TooLarge(dims) => {
            Diagnostic::error(Code::TooLarge, format!("`{reference}` is {dims}"))
                .hint(too_many_pixels_hint())
        }
        RasterProblem::Unreadable(reason) => Diagnostic::error(
            Code::NotAnImage,
            format!("`{reference}` cannot be read as an image: {reason}"),
        )
        .hint("re-save the file as a PNG, JPEG or GIF image"),
        RasterProblem::ProfileTooLarge => Diagnostic::error(
            Code::TooLarge,
            format!("`{reference}` {}", RasterProblem::ProfileTooLarge),
        )
        .hint(PROFILE_HINT),
    }
}

/// A refused SVG, pointed at inside `svg` itself.
pub(super) fn svg(problem: SvgProblem, svg: &SourceText) -> Diagnostic {
    match problem {
        SvgProblem::Malformed { message, span } => {
            Diagnostic::error(Code::NotAnImage, format!("broken SVG: {message}"))
                .at(svg, span)
                .hint("fix or re-export the SVG; both editions need it to be valid XML")
        }
        SvgProblem::TooManyNodes(max) => Diagnostic::error(
            Code::TooLarge,
            format!("the SVG has more than {max} XML nodes"),
        )
        .at(svg, None)
        .hint("simplify the drawing, or save it as a PNG"),
        SvgProblem::External { reference, span } => {
            let fix = if reference.starts_with(['@', '<']) {
                "copy the styles into the SVG's own <style> element"
            } else {
                "embed the image in the SVG as a data: URI, or show it from the Markdown as an image of its own"
            };
            Diagnostic::error(
                Code::InvalidLink,
                format!("the SVG loads `{reference}`, a file outside itself that the EPUB would not carry"),
            )
            .at(svg, Some(span))
            .hint(fix)
            .hint("references inside the SVG (`#id`) are fine")
        }
        SvgProblem::Scripted { what, span } => Diagnostic::error(
            Code::NotAnImage,
            format!("the SVG runs a script ({what}); EPUB reading systems would run it"),
        )
        .at(svg, Some(span))
        .hint("remove the script and the `on…` attributes, or re-export the drawing as a static SVG; a brief's images cannot run code"),
        SvgProblem::Embedded { problem, span } => match problem {
            RasterProblem::TooLarge(dims) => Diagnostic::error(
                Code::TooLarge,
                format!("an image embedded in the SVG is {dims}"),
            )
            .at(svg, Some(span))
            .hint(too_many_pixels_hint()),
            RasterProblem::Unreadable(reason) => Diagnostic::error(
                Code::NotAnImage,
                format!("an image embedded in the SVG cannot be read: {reason}"),
            )
            .at(svg, Some(span))
            .hint("embed PNG, JPEG or GIF data, or an SVG"),
            RasterProblem::ProfileTooLarge => Diagnostic::error(
                Code::TooLarge,
                format!(
                    "an image embedded in the SVG {}",
                    RasterProblem::ProfileTooLarge
                ),
            )
            .at(svg, Some(span))
            .hint(PROFILE_HINT),
        },
    }
}

/// A character no text of the publication may hold, at byte `at` of a file.
pub(super) fn forbidden_char(source: &SourceText, at: usize) -> Diagnostic {
    let len = source.text[at..].chars().next().map_or(1, char::len_utf8);
    let c = source.text[at..].chars().next().unwrap_or('\0');
    let message = if source.text[at..].starts_with(BOM) {
        "this file contains a byte-order mark (U+FEFF) after its start, an invisible character"
            .to_string()
    } else if is_noncharacter(c) {
        format!("this file contains {}", noncharacter(c))
    } else {
        "this file contains a control character that XML (and so EPUB) forbids".to_string()
    };
    Diagnostic::error(Code::ForbiddenCharacter, message)
        .at(source, Some(at..at + len))
        .hint("delete the invisible character at this position")
}

/// A Markdown character reference (`&#x1;`) standing for a character no
/// text may hold, at `span` of `source`.
pub(super) fn forbidden_reference(c: char, source: &SourceText, span: Range<usize>) -> Diagnostic {
    let what = if is_noncharacter(c) {
        noncharacter(c)
    } else {
        format!(
            "a control character (U+{:04X}) that XML (and so EPUB) forbids",
            u32::from(c)
        )
    };
    Diagnostic::error(
        Code::ForbiddenCharacter,
        format!("this character reference stands for {what}"),
    )
    .at(source, Some(span))
    .hint("delete the character reference")
}

/// "a Unicode noncharacter (U+FFFF), which no font can show".
pub(super) fn noncharacter(c: char) -> String {
    format!(
        "a Unicode noncharacter (U+{:04X}), which is not text and no font can show",
        u32::from(c)
    )
}

/// "2.0 MiB", the unit of `--max-file-size`.
fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// The hint for an image over the pixel budget.
fn too_many_pixels_hint() -> String {
    "scale the image down (a full A4 page at 300 dpi needs 8.7 megapixels), or raise the limit with --max-image-pixels".into()
}
