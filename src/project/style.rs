//! `[style]`: the choices a writer makes without editing a template, as
//! written (in a publication or in `briefpress.toml`) and as checked.
//!
//! Each value is checked where it is written, so a mistake points at its
//! line. The accent colour must keep text readable: templates print it as
//! text on white and on its own tint, and print white and light text on it,
//! so it must reach the WCAG 2.2 contrast of 4.5:1 against each (SC 1.4.3);
//! a refused colour comes with the nearest darker shade that passes. A font
//! must be one the typst engine loads, since briefpress never falls back
//! silently; a paper must be one the templates lay out.

use std::str::FromStr;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::{self, Code, Diagnostic, SourceText};
use crate::model::{Paper, Rgb};

/// A `[style]` table as written.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "Style",
    description = "How the publication looks, without editing its template; every key is optional."
)]
pub struct RawStyle {
    /// The accent colour in hexadecimal (`#0f4c5c`), with a contrast of at least 4.5:1 against white.
    #[schemars(with = "Option<String>")]
    pub accent: Option<Spanned<String>>,
    /// The body text's font family, one `briefpress fonts` lists.
    #[schemars(with = "Option<String>")]
    pub font: Option<Spanned<String>>,
    /// The headings' font family, one `briefpress fonts` lists.
    #[schemars(with = "Option<String>")]
    pub heading_font: Option<Spanned<String>>,
    /// A logo image (PNG, JPEG, GIF or SVG) for the cover, relative to the file that names it.
    #[schemars(with = "Option<String>")]
    pub logo: Option<Spanned<String>>,
    /// What the logo says, for screen readers (default: the publisher).
    #[schemars(with = "Option<String>")]
    pub logo_alt: Option<Spanned<String>>,
    /// The PDF's paper: `a4` (default) or `us-letter`.
    #[schemars(with = "Option<String>", extend("enum" = ["a4", "us-letter"]))]
    pub paper: Option<Spanned<String>>,
}

/// Keys allowed in a `[style]` table.
pub const STYLE_KEYS: &[&str] = &[
    "accent",
    "font",
    "heading_font",
    "logo",
    "logo_alt",
    "paper",
];

/// The accent of the built-in templates, for what briefpress draws itself
/// (the EPUB's generated cover) when a publication sets none.
pub const DEFAULT_ACCENT: Rgb = Rgb([0x0f, 0x4c, 0x5c]);

/// How far the panels' tint is lightened from the accent (`lighten(91%)`).
pub const TINT: f64 = 0.91;
/// How far light text on the accent is lightened from it (`lighten(72%)`).
pub const SOFT: f64 = 0.72;

/// The lowest contrast ratio accepted between the accent and the colours
/// printed with it (WCAG 2.2 SC 1.4.3, normal-size text).
pub const MIN_CONTRAST: f64 = 4.5;

/// One `[style]` table, checked. The logo is still a path, relative to the
/// file that names it: the loader reads it as one of the publication's files.
#[derive(Debug, Clone, Default)]
pub struct StyleValues {
    /// The accent colour.
    pub accent: Option<Rgb>,
    /// The body font family, as the font names it.
    pub font: Option<String>,
    /// The heading font family, as the font names it.
    pub heading_font: Option<String>,
    /// The logo, where it was named.
    pub logo: Option<LogoRef>,
    /// The paper size.
    pub paper: Option<Paper>,
}

/// A logo named in a `[style]` table.
#[derive(Debug, Clone)]
pub struct LogoRef {
    /// The path as written, with its span in `source`.
    pub path: Spanned<String>,
    /// `logo_alt`, when given.
    pub alt: Option<String>,
    /// The file that names it (paths are relative to its folder).
    pub source: SourceText,
}

impl StyleValues {
    /// These values, with `defaults` filling each key left unset.
    pub fn or(self, defaults: &StyleValues) -> StyleValues {
        StyleValues {
            accent: self.accent.or(defaults.accent),
            font: self.font.or_else(|| defaults.font.clone()),
            heading_font: self.heading_font.or_else(|| defaults.heading_font.clone()),
            logo: self.logo.or_else(|| defaults.logo.clone()),
            paper: self.paper.or(defaults.paper),
        }
    }
}

/// Checks a `[style]` table written in `source`: `families` gives the font
/// families the engine loads (asked only when the table names a font, since
/// listing them means reading every font). Every problem is reported; the
/// values that passed are kept.
pub fn check<'f>(
    raw: &RawStyle,
    source: &SourceText,
    families: impl Fn() -> &'f [String],
) -> (StyleValues, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut report = |value: &Spanned<String>, message: String, hints: Vec<String>| {
        let mut diagnostic =
            Diagnostic::error(Code::InvalidValue, message).at(source, Some(value.span()));
        for hint in hints {
            diagnostic = diagnostic.hint(hint);
        }
        problems.push(diagnostic);
    };
    let accent = raw.accent.as_ref().and_then(|value| {
        accent(value.get_ref())
            .map_err(|(message, hints)| report(value, message, hints))
            .ok()
    });
    let mut family = |value: &Option<Spanned<String>>, key: &str| {
        value.as_ref().and_then(|value| {
            font_family(value.get_ref(), families())
                .map_err(|hints| {
                    report(
                        value,
                        format!("`{key}`: no font family `{}` is loaded", value.get_ref()),
                        hints,
                    )
                })
                .ok()
        })
    };
    let font = family(&raw.font, "font");
    let heading_font = family(&raw.heading_font, "heading_font");
    let paper = raw.paper.as_ref().and_then(|value| {
        let found = Paper::from_name(value.get_ref());
        if found.is_none() {
            let names = Paper::ALL.map(Paper::name);
            let hint = match diag::closest(&value.get_ref().to_lowercase(), names) {
                Some(close) => format!("did you mean \"{close}\"?"),
                None => format!("the papers are \"{}\"", names.join("\", \"")),
            };
            report(
                value,
                format!("`{}` is not a paper size", value.get_ref()),
                vec![hint],
            );
        }
        found
    });
    if let (Some(alt), None) = (&raw.logo_alt, &raw.logo) {
        problems.push(
            Diagnostic::warning(Code::InvalidValue, "`logo_alt` without a `logo`")
                .at(source, Some(alt.span()))
                .hint("add `logo = \"path/to/logo.svg\"` beside it, or remove `logo_alt`"),
        );
    }
    let logo = raw.logo.as_ref().map(|path| LogoRef {
        path: path.clone(),
        alt: raw
            .logo_alt
            .as_ref()
            .map(|alt| alt.get_ref().trim().to_string()),
        source: source.clone(),
    });
    let values = StyleValues {
        accent,
        font,
        heading_font,
        logo,
        paper,
    };
    (values, problems)
}

/// A problem's message and hints.
type Refusal = (String, Vec<String>);

/// Parses an accent colour (hexadecimal, as typst's `rgb("#…")` reads it)
/// and checks that text stays readable with it.
fn accent(text: &str) -> Result<Rgb, Refusal> {
    let color = typst::visualize::Color::from_str(text.trim()).map_err(|err| {
        (
            format!("`{text}` is not a colour: {err}"),
            vec!["write the colour in hexadecimal, as `#0f4c5c` or `#f4c`".into()],
        )
    })?;
    let [r, g, b, a] = color.to_vec4_u8();
    if a != 255 {
        return Err((
            format!("the accent `{text}` is transparent"),
            vec!["give an opaque colour: text printed in it must keep its contrast".into()],
        ));
    }
    let rgb = Rgb([r, g, b]);
    match weakest_pairing(rgb) {
        None => Ok(rgb),
        Some((ratio, what)) => Err((
            format!(
                "the accent `{text}` is too light: {what} has a contrast of {ratio:.1}:1, under the {MIN_CONTRAST}:1 readable text needs (WCAG 2.2, 1.4.3)"
            ),
            vec![format!(
                "the nearest darker shade that passes is `{}`",
                darkest_passing(rgb).hex()
            )],
        )),
    }
}

/// The pairing of the accent with the least contrast, when it is under
/// [`MIN_CONTRAST`]: white text on it, the accent on its tint (the `brief`
/// template's panels, `lighten(91%)`), and the light text on the title panel
/// (`lighten(72%)`).
fn weakest_pairing(accent: Rgb) -> Option<(f64, &'static str)> {
    [
        (Rgb([255, 255, 255]), "white text on it"),
        (lighten(accent, TINT), "the accent on its tinted panels"),
        (lighten(accent, SOFT), "light text on the accent panel"),
    ]
    .into_iter()
    .map(|(other, what)| (contrast(accent, other), what))
    .filter(|(ratio, _)| *ratio < MIN_CONTRAST)
    .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// The shade of `accent` nearest to it (mixed towards black in 1 % steps)
/// that passes every pairing.
fn darkest_passing(accent: Rgb) -> Rgb {
    (1..=100)
        .map(|step| {
            let keep = 1.0 - f64::from(step) / 100.0;
            Rgb(accent.0.map(|c| (f64::from(c) * keep).round() as u8))
        })
        .find(|shade| weakest_pairing(*shade).is_none())
        .unwrap_or(Rgb([0, 0, 0]))
}

/// Each channel moved `factor` of the way to white, as typst's
/// `color.lighten` does for an RGB colour.
pub fn lighten(color: Rgb, factor: f64) -> Rgb {
    Rgb(color
        .0
        .map(|c| (f64::from(c) + (255.0 - f64::from(c)) * factor).round() as u8))
}

/// The WCAG contrast ratio between two colours (1 to 21).
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The WCAG relative luminance of an sRGB colour.
fn luminance(color: Rgb) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b] = color.0.map(channel);
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// The loaded family called `name` (case-insensitive, as typst matches
/// families), or hints naming the closest ones.
fn font_family(name: &str, families: &[String]) -> Result<String, Vec<String>> {
    let wanted = name.trim().to_lowercase();
    if let Some(found) = families.iter().find(|f| f.to_lowercase() == wanted) {
        return Ok(found.clone());
    }
    let mut hints = Vec::new();
    if let Some(close) = diag::closest(name.trim(), families.iter().map(String::as_str)) {
        hints.push(format!("did you mean \"{close}\"?"));
    }
    hints.push(
        "`briefpress fonts` lists the families a build loads; put other font files in the project's `fonts/` folder or pass --font-path"
            .into(),
    );
    Err(hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(toml: &str) -> (RawStyle, SourceText) {
        let source = SourceText::new("briefpress.toml", toml);
        (toml::from_str(toml).unwrap(), source)
    }

    fn families() -> &'static [String] {
        static FAMILIES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
            [
                "Libertinus Serif",
                "New Computer Modern",
                "DejaVu Sans Mono",
            ]
            .map(String::from)
            .to_vec()
        });
        &FAMILIES
    }

    #[test]
    fn the_brief_templates_own_accent_passes() {
        assert_eq!(accent("#0f4c5c"), Ok(DEFAULT_ACCENT));
        assert!(contrast(Rgb([0x0f, 0x4c, 0x5c]), Rgb([255; 3])) > 8.0);
    }

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        assert!((contrast(Rgb([0; 3]), Rgb([255; 3])) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic just-passing grey: 4.54:1.
        assert!((contrast(Rgb([0x76; 3]), Rgb([255; 3])) - 4.54).abs() < 0.01);
    }

    #[test]
    fn a_light_accent_is_refused_with_a_darker_shade_that_passes() {
        let (message, hints) = accent("#ffd700").unwrap_err();
        assert!(message.contains("too light"), "{message}");
        let suggested = hints[0].split('`').nth(1).unwrap();
        let shade = accent(suggested).expect("the suggestion passes");
        assert!(weakest_pairing(shade).is_none());
    }

    #[test]
    fn colours_are_read_as_typst_reads_them() {
        assert_eq!(accent("#000080"), Ok(Rgb([0, 0, 128])));
        assert_eq!(accent("#008"), Ok(Rgb([0, 0, 0x88])));
        assert_eq!(accent(" #0F4C5C "), Ok(DEFAULT_ACCENT));
        assert!(accent("#0f4c5c80").unwrap_err().0.contains("transparent"));
        assert!(accent("petrol").unwrap_err().0.contains("not a colour"));
    }

    #[test]
    fn fonts_match_case_insensitively_and_suggest_the_closest() {
        let (raw, source) =
            raw("font = \"libertinus serif\"\nheading_font = \"Libertinus Sans\"\n");
        let (values, problems) = check(&raw, &source, families);
        assert_eq!(values.font.as_deref(), Some("Libertinus Serif"));
        assert_eq!(values.heading_font, None);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line_col(), Some((2, 16)));
        assert!(
            problems[0].hints[0].contains("Libertinus Serif"),
            "{:?}",
            problems[0].hints
        );
    }

    #[test]
    fn paper_names_are_checked_with_a_suggestion() {
        let (raw, source) = raw("paper = \"letter\"\n");
        let (values, problems) = check(&raw, &source, families);
        assert_eq!(values.paper, None);
        assert!(
            problems[0].hints[0].contains("us-letter"),
            "{:?}",
            problems[0].hints
        );
        let (raw, source) = self::raw("paper = \"US-Letter\"\n");
        assert_eq!(
            check(&raw, &source, families).0.paper,
            Some(Paper::UsLetter)
        );
    }

    #[test]
    fn publication_values_win_key_by_key() {
        let project = StyleValues {
            accent: Some(Rgb([0, 0, 128])),
            paper: Some(Paper::UsLetter),
            ..StyleValues::default()
        };
        let own = StyleValues {
            paper: Some(Paper::A4),
            ..StyleValues::default()
        };
        let merged = own.or(&project);
        assert_eq!(merged.accent, Some(Rgb([0, 0, 128])));
        assert_eq!(merged.paper, Some(Paper::A4));
    }
}
