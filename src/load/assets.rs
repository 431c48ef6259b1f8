//! Files a publication uses as images or attachments: resolved inside the
//! project, read once within the size limit, checked for what they are
//! used as, and numbered as [`Asset`]s.
//!
//! A file used twice is read and checked once; a file refused once is
//! reported once, not at every use. The files of one publication share two
//! budgets besides each file's own limits: the total bytes of its images and
//! attachments (checked from each file's size before reading it) and the
//! total pixels of its distinct images (from their headers, before
//! anything decodes them), since typst holds every decoded image at once. The Markdown converter reaches images
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
    /// Root-relative path → its asset, and whether it passed the image checks.
    index: HashMap<String, (AssetId, bool)>,
    /// Bytes of every file read so far.
    bytes: u64,
    /// Pixels of every distinct image so far (rasters, and rasters inside SVGs).
    pixels: u64,
    /// Set once a total is crossed: it is reported once, later files are
    /// refused without a word.
    over_total: bool,
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
            bytes: 0,
            pixels: 0,
            over_total: false,
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
        if file.rel.contains('\\') {
            // typst reads every asset by path and refuses these (its hint
            // is about Windows and names another file). Reported once.
            let message = format!(
                "`{reference}`: typst cannot read file names containing `\\`; rename the file"
            );
            if self.refused.insert(file.rel) {
                diagnostics.push(at(Diagnostic::error(Code::InvalidValue, message).hint(
                    "use letters, digits, spaces, `-`, `_` and `.` in file and folder names",
                )));
            }
            return None;
        }
        if let Some(&(id, checked)) = self.index.get(&file.rel) {
            if kind == AssetKind::Image && !checked {
                // Attached first, now shown: it must pass as an image too.
                let data = Arc::clone(&self.list[id.0].data);
                let refused = match self.check_image(reference, &file, &data, &used_at) {
                    Ok((_, pixels)) => self.spend_pixels(reference, pixels, &used_at).err(),
                    Err(refused) => Some(Some(refused)),
                };
                if let Some(refused) = refused {
                    diagnostics.extend(refused);
                    return None;
                }
                self.index.insert(file.rel, (id, true));
            }
            return Some(id);
        }
        if self.refused.contains(&file.rel) {
            return None;
        }
        if let Err(refused) = self.spend_bytes(reference, &file, &used_at) {
            diagnostics.extend(refused);
            self.refused.insert(file.rel);
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
            AssetKind::Image => match self
                .check_image(reference, &file, &data, &used_at)
                .map_err(Some)
                .and_then(|(media_type, pixels)| {
                    self.spend_pixels(reference, pixels, &used_at)
                        .map(|()| media_type)
                }) {
                Ok(media_type) => media_type,
                Err(refused) => {
                    diagnostics.extend(refused);
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
        self.inputs.extend(file.paths().cloned());
        self.index
            .insert(file.rel.clone(), (id, kind == AssetKind::Image));
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
    /// type and the pixels typst will decode, or why it is refused.
    fn check_image(
        &self,
        reference: &str,
        file: &ProjectFile,
        data: &[u8],
        used_at: &Location,
    ) -> Result<(&'static str, u64), Diagnostic> {
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
            return self
                .svg(file, data, used_at)
                .map(|pixels| (media_type, pixels));
        }
        raster::check_raster(data, self.options.max_image_pixels)
            .map(|pixels| (media_type, pixels))
            .map_err(|problem| at(problems::raster(problem, reference)))
    }

    /// Checks an SVG: well-formed, self-contained, embedded images within
    /// budget (whose pixels it returns). Problems point into the SVG; a hint
    /// names where it is used.
    fn svg(&self, file: &ProjectFile, data: &[u8], used_at: &Location) -> Result<u64, Diagnostic> {
        let Ok(text) = std::str::from_utf8(data) else {
            return Err(Diagnostic::error(
                Code::NotAnImage,
                format!("`{}` is not UTF-8 text", file.rel),
            )
            .at(&used_at.source, used_at.span.clone())
            .hint("an SVG is an XML text file: save it as UTF-8"));
        };
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let problem = match svg::check(text, self.options.max_image_pixels) {
            Ok(pixels) => return Ok(pixels),
            Err(problem) => problem,
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

impl Assets<'_> {
    /// Counts a file's size (from the file system, before reading it)
    /// against the publication's total for images and attachments; the
    /// refusal is reported for the first file over a total only.
    fn spend_bytes(
        &mut self,
        reference: &str,
        file: &ProjectFile,
        used_at: &Location,
    ) -> Result<(), Option<Diagnostic>> {
        if self.over_total {
            return Err(None);
        }
        // A file that cannot be read is reported by the read that follows.
        let size = std::fs::metadata(&file.abs).map_or(0, |m| m.len());
        let limit = self.options.max_total_file_size;
        let total = self.bytes.saturating_add(size);
        if total > limit {
            self.over_total = true;
            return Err(Some(Diagnostic::error(
                Code::TooLarge,
                format!(
                    "`{reference}` brings the images and attachments of this publication to {}, over the limit of {} for their total",
                    mebibytes(total),
                    mebibytes(limit)
                ),
            )
            .at(&used_at.source, used_at.span.clone())
            .hint("use fewer or smaller files, split the publication, or raise the limit with --max-total-file-size")));
        }
        self.bytes = total;
        Ok(())
    }

    /// Counts a distinct image's pixels against the publication's total.
    fn spend_pixels(
        &mut self,
        reference: &str,
        pixels: u64,
        used_at: &Location,
    ) -> Result<(), Option<Diagnostic>> {
        if self.over_total {
            return Err(None);
        }
        let limit = self.options.max_total_pixels;
        let total = self.pixels.saturating_add(pixels);
        if total > limit {
            self.over_total = true;
            return Err(Some(Diagnostic::error(
                Code::TooLarge,
                format!(
                    "`{reference}` brings the images of this publication to {}, over the limit of {} for their total",
                    raster::megapixels(total),
                    raster::megapixels(limit)
                ),
            )
            .at(&used_at.source, used_at.span.clone())
            .hint("scale the images down (a full A4 page at 300 dpi needs 8.7 megapixels), split the publication, or raise the limit with --max-total-pixels")));
        }
        self.pixels = total;
        Ok(())
    }
}

/// "12.5 MiB".
fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
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
