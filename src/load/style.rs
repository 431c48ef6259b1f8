//! The publication's look: its `[style]` over the project file's, key by
//! key, with the logo read and checked as one of its images.
//!
//! A logo is relative to the file that names it: the publication's folder
//! for its own `[style]`, the project root for `briefpress.toml`. Its text
//! alternative is `logo_alt` from the same table, else the publisher: a logo
//! says who published the brief, and a screen reader must say it too.

use std::path::Path;

use super::Loader;
use super::assets::AssetKind;
use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::{Logo, Style};
use crate::project::style::{self, LogoRef, RawStyle};

impl Loader<'_> {
    /// Checks the publication's `[style]` (written in `source`, a file in
    /// `dir`) and completes it with the project's.
    pub(super) fn style(
        &mut self,
        raw: &RawStyle,
        source: &SourceText,
        dir: &Path,
        publisher: Option<&str>,
    ) -> Style {
        let (own, problems) = style::check(raw, source, || self.fonts.families());
        self.diagnostics.extend(problems);
        let root = self.root.dir().to_path_buf();
        let logo = match (&own.logo, &self.settings.style.logo) {
            (Some(logo), _) => Some((logo.clone(), dir.to_path_buf())),
            (None, Some(logo)) => Some((logo.clone(), root)),
            (None, None) => None,
        };
        let values = own.or(&self.settings.style);
        Style {
            accent: values.accent,
            font: values.font,
            heading_font: values.heading_font,
            logo: logo.and_then(|(logo, dir)| self.logo(&logo, &dir, publisher)),
            paper: values.paper,
        }
    }

    /// Reads the logo as an image of the publication, with its text alternative.
    fn logo(&mut self, logo: &LogoRef, dir: &Path, publisher: Option<&str>) -> Option<Logo> {
        let asset = self.asset(dir, &logo.path, &logo.source, AssetKind::Image);
        let alt = logo
            .alt
            .clone()
            .or_else(|| publisher.map(|p| p.trim().to_string()))
            .filter(|alt| !alt.is_empty());
        if alt.is_none() {
            self.report(
                Diagnostic::error(
                    Code::MissingAltText,
                    "the logo has no text alternative for screen readers",
                )
                .at(&logo.source, Some(logo.path.span()))
                .hint("add `logo_alt = \"<the organisation's name>\"` beside `logo`, or give the publication a `publisher`"),
            );
        }
        Some(Logo {
            asset: asset?,
            alt: alt?,
        })
    }
}
