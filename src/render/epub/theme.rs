//! The publication's `[style]` in the EPUB edition: custom properties over
//! the template's stylesheet.
//!
//! A template's `epub.css` names its colours and faces once, as custom
//! properties on `:root` (`--bp-accent`, `--bp-tint`, `--bp-font`, …), and
//! uses `var()` everywhere else. A style appends one `:root` rule that
//! redefines those properties, so the template's stylesheet stays as its
//! author wrote it and a new accent recolours every rule at once.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::Style;
use crate::project::style::{TINT, lighten};

/// The faces after a chosen family: the template's serif, then the reading
/// system's.
const FALLBACK_FACES: &str = "\"Libertinus Serif\", Georgia, serif";

/// The stylesheet for a publication: the template's, with the
/// publication's style appended when it sets colours or fonts.
pub fn stylesheet<'a>(template_css: &'a [u8], style: &Style) -> Cow<'a, [u8]> {
    let mut properties = String::new();
    if let Some(accent) = style.accent {
        let _ = write!(
            properties,
            "  --bp-accent: {0};\n  --bp-accent-visited: {0};\n  --bp-tint: {1};\n",
            accent.hex(),
            lighten(accent, TINT).hex()
        );
    }
    if let Some(font) = &style.font {
        let _ = writeln!(
            properties,
            "  --bp-font: {}, {FALLBACK_FACES};",
            css_string(font)
        );
    }
    if let Some(font) = &style.heading_font {
        let _ = writeln!(
            properties,
            "  --bp-heading-font: {}, {FALLBACK_FACES};",
            css_string(font)
        );
    }
    if properties.is_empty() {
        return Cow::Borrowed(template_css);
    }
    let mut css = template_css.to_vec();
    css.extend_from_slice(
        format!(
            "\n/* The publication's [style] (added by briefpress). */\n:root {{\n{properties}}}\n"
        )
        .as_bytes(),
    );
    Cow::Owned(css)
}

/// A CSS string literal: the family name in double quotes, with quotes,
/// backslashes and line breaks escaped, so no name can end the rule.
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\{:x} ", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rgb;

    #[test]
    fn no_style_keeps_the_template_stylesheet_as_is() {
        let css = b"body { color: var(--bp-ink); }";
        assert!(matches!(
            stylesheet(css, &Style::default()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_style_redefines_the_custom_properties() {
        let style = Style {
            accent: Some(Rgb([0x7a, 0x1f, 0x3d])),
            font: Some("Noto \"Serif\"}".into()),
            ..Style::default()
        };
        let css = String::from_utf8(stylesheet(b"", &style).into_owned()).unwrap();
        assert!(css.contains("--bp-accent: #7a1f3d;"), "{css}");
        assert!(css.contains("--bp-tint: #f3ebee;"), "{css}");
        assert!(css.contains(r#"--bp-font: "Noto \"Serif\"}", "#), "{css}");
    }
}
