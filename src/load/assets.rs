//! Files a publication uses as images or attachments: resolved inside the
//! project, read once within the size limit, checked for what they are
//! used as, and numbered as [`Asset`]s.
//!
//! A file used twice is read and checked once; a file refused once is
//! reported once, not at every use. The Markdown converter reaches images
//! through the [`Images`] trait, so it needs neither the disk nor the loader.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::markdown::Images;
use super::text::BOM;
use super::{LoadOptions, problems};
use crate::diag::{Code, Diagnostic, Location, SourceText};
use crate::media::{kind, raster, svg};
use crate::model::{Asset, AssetId};
use crate::project::root::{ProjectFile, ProjectRoot, read_limited};

/// What an asset is used for, which decides the checks applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AssetKind {
    /// An image shown in the text or as the cover: must be PNG, JPEG, GIF or SVG.
    Image,
    /// A file attachment: any type.
    Attachment,
}

/// The files read so far for one publication.
pub(super) struct Assets<'a> {
    root: &'a ProjectRoot,
    options: &'a LoadOptions,
    list: Vec<Asset>,
    /// Root-relative path → its asset.
    index: HashMap<String, AssetId>,
    /// Files already refused, so each is reported once, not at every use.
    refused: HashSet<String>,
    /// Every input file read so far (TOML and Markdown too), in order, for change detection.
    pub(super) inputs: Vec<PathBuf>,
}

impl<'a> Assets<'a> {
    pub(super) fn new(root: &'a ProjectRoot, options: &'a LoadOptions) -> Self {
        Self {
            root,
            options,
            list: Vec::new(),
            index: HashMap::new(),
            refused: HashSet::new(),
            inputs: Vec::new(),
        }
    }

    /// The asset `id`.
    pub(super) fn get(&self, id: AssetId) -> Option<&Asset> {
        self.list.get(id.0)
    }

    /// The assets and the inputs, leaving both empty.
    pub(super) fn take(&mut self) -> (Vec<Asset>, Vec<PathBuf>) {
        (
            std::mem::take(&mut self.list),
            std::mem::take(&mut self.inputs),
        )
    }

    /// Resolves, reads and checks the file `reference` (relative to `dir`),
    /// first named at `used_at`; `None` after pushing the reasons onto `diagnostics`.
    pub(super) fn add(
        &mut self,
        dir: &Path,
        reference: &str,
        used_at: Location,
        kind: AssetKind,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<AssetId> {
        let at = |diagnostic: Diagnostic| diagnostic.at(&used_at.source, used_at.span.clone());
        let file = match self.root.resolve(dir, reference) {
            Ok(file) => file,
            Err(problem) => {
                diagnostics.push(at(problems::path(problem, reference)));
                return None;
            }
        };
        if let Some(&id) = self.index.get(&file.rel) {
            return Some(id);
        }
        if self.refused.contains(&file.rel) {
            return None;
        }
        let data = match read_limited(&file, self.options.max_file_size) {
            Ok(data) => data,
            Err(problem) => {
                diagnostics.push(at(problems::path(problem, reference)));
                return None;
            }
        };
        let media_type = match kind {
            AssetKind::Image => match self.check_image(reference, &file, &data, &used_at) {
                Ok(media_type) => media_type,
                Err(refused) => {
                    diagnostics.push(refused);
                    self.refused.insert(file.rel);
                    return None;
                }
            },
            AssetKind::Attachment => {
                // The EPUB ships an SVG attachment as a renderable SVG, so
                // it must pass the checks of an SVG image.
                let media_type = kind::attachment_media_type(&file.rel);
                if media_type == "image/svg+xml"
                    && let Err(refused) = self.svg(&file, &data, &used_at)
                {
                    diagnostics.push(refused);
                    self.refused.insert(file.rel);
                    return None;
                }
                media_type
            }
        };
        let file_name = file.rel.rsplit('/').next().unwrap_or(&file.rel).to_string();
        let id = AssetId(self.list.len());
        self.inputs.push(file.abs.clone());
        self.index.insert(file.rel.clone(), id);
        self.list.push(Asset {
            path: file.rel,
            file_name,
            media_type,
            data: Arc::new(data),
            used_at,
        });
        Some(id)
    }

    /// Checks an image's type and size before anything decodes it: its media
    /// type, or why it is refused.
    fn check_image(
        &self,
        reference: &str,
        file: &ProjectFile,
        data: &[u8],
        used_at: &Location,
    ) -> Result<&'static str, Diagnostic> {
        let at = |diagnostic: Diagnostic| diagnostic.at(&used_at.source, used_at.span.clone());
        let Some(media_type) = kind::image_media_type(&file.rel, data) else {
            return Err(at(Diagnostic::error(
                Code::NotAnImage,
                format!("`{reference}` is not a PNG, JPEG, GIF or SVG image"),
            )
            .hint(
                "convert it to PNG, JPEG, GIF or SVG; both editions accept those",
            )));
        };
        if media_type == "image/svg+xml" {
            return self.svg(file, data, used_at).map(|()| media_type);
        }
        raster::check_raster(data, self.options.max_image_pixels)
            .map(|()| media_type)
            .map_err(|problem| at(problems::raster(problem, reference)))
    }

    /// Checks an SVG: well-formed, self-contained, embedded images within
    /// budget. Problems point into the SVG; a hint names where it is used.
    fn svg(&self, file: &ProjectFile, data: &[u8], used_at: &Location) -> Result<(), Diagnostic> {
        let Ok(text) = std::str::from_utf8(data) else {
            return Err(Diagnostic::error(
                Code::NotAnImage,
                format!("`{}` is not UTF-8 text", file.rel),
            )
            .at(&used_at.source, used_at.span.clone())
            .hint("an SVG is an XML text file: save it as UTF-8"));
        };
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let Err(problem) = svg::check(text, self.options.max_image_pixels) else {
            return Ok(());
        };
        let svg_text = SourceText::new(file.rel.clone(), text);
        let used = match used_at.span.as_ref() {
            Some(span) => {
                let (line, column) = used_at.source.line_col(span.start);
                format!("{}:{line}:{column}", used_at.source.name)
            }
            None => used_at.source.name.clone(),
        };
        Err(problems::svg(problem, &svg_text).hint(format!("the SVG is used at {used}")))
    }
}

impl Images for Assets<'_> {
    fn image(
        &mut self,
        dir: &Path,
        reference: &str,
        used_at: Location,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<AssetId> {
        self.add(dir, reference, used_at, AssetKind::Image, diagnostics)
    }
}
