//! Images are measured before anything decodes them.
//!
//! A few hundred bytes can declare a 65,500 × 65,500 pixel image, for which a
//! decoder allocates gigabytes and the whole batch dies. Raster images (PNG,
//! JPEG, GIF, and WebP in templates) are measured from their header with
//! `imagesize` and refused above a pixel budget; SVGs are checked by
//! [`super::svg`]. The same check runs in the loader (content images and
//! covers) and in the typst World (images a template loads).

use std::fmt;

/// The default pixel budget (`--max-image-pixels 50`): 50 megapixels.
pub const DEFAULT_MAX_PIXELS: u64 = 50_000_000;

/// Why an image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RasterProblem {
    /// The header could not be read: not a complete image of its type.
    #[error("cannot be read as an image: {0}")]
    Unreadable(String),
    /// The image declares more pixels than the budget.
    #[error("is {0}")]
    TooLarge(Dimensions),
}

/// The pixel size an image declares, and the budget it was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// The budget, in pixels.
    pub limit: u64,
}

/// The words every over-budget message carries, so a typst error caused by
/// the World refusing an image can be told apart.
pub const OVER_BUDGET: &str = "over the pixel limit of";

impl fmt::Display for Dimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} × {} pixels ({}), {OVER_BUDGET} {}",
            self.width,
            self.height,
            megapixels(self.width.saturating_mul(self.height)),
            megapixels(self.limit)
        )
    }
}

/// "4,290.2 megapixels" — the unit of the pixel budget.
pub fn megapixels(pixels: u64) -> String {
    format!("{:.1} megapixels", pixels as f64 / 1_000_000.0)
}

/// Whether `data` starts like a raster image format a decoder would accept.
pub fn is_raster(data: &[u8]) -> bool {
    use imagesize::ImageType;
    matches!(
        imagesize::image_type(data),
        Ok(ImageType::Png | ImageType::Jpeg | ImageType::Gif | ImageType::Webp)
    )
}

/// Reads a raster image's size from its header and checks it against
/// `max_pixels`, without decoding any pixel data: its number of pixels.
pub fn check_raster(data: &[u8], max_pixels: u64) -> Result<u64, RasterProblem> {
    let size = imagesize::blob_size(data).map_err(|err| RasterProblem::Unreadable(reason(&err)))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(RasterProblem::Unreadable(
            "its header declares no pixels".into(),
        ));
    }
    if width.saturating_mul(height) > max_pixels {
        return Err(RasterProblem::TooLarge(Dimensions {
            width,
            height,
            limit: max_pixels,
        }));
    }
    Ok(width * height)
}

fn reason(err: &imagesize::ImageError) -> String {
    match err {
        imagesize::ImageError::NotSupported => "its format is not supported".into(),
        imagesize::ImageError::CorruptedImage => "its header is corrupt or cut short".into(),
        imagesize::ImageError::IoError(err) => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG signature and IHDR chunk declaring `width` × `height` (CRC not checked by readers of the header).
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn a_huge_declared_png_is_refused_from_its_header() {
        let problem = check_raster(&png_header(60_000, 60_000), 50_000_000).unwrap_err();
        let RasterProblem::TooLarge(dims) = problem else {
            panic!("{problem:?}");
        };
        assert_eq!(
            dims.to_string(),
            "60000 × 60000 pixels (3600.0 megapixels), over the pixel limit of 50.0 megapixels"
        );
    }

    #[test]
    fn a_small_png_passes() {
        assert_eq!(
            check_raster(&png_header(640, 480), 50_000_000),
            Ok(640 * 480)
        );
    }

    #[test]
    fn a_huge_declared_gif_is_refused() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&65_000u16.to_le_bytes());
        gif.extend_from_slice(&65_000u16.to_le_bytes());
        gif.extend_from_slice(&[0, 0, 0]);
        assert!(matches!(
            check_raster(&gif, 50_000_000),
            Err(RasterProblem::TooLarge(_))
        ));
    }

    #[test]
    fn a_cut_header_is_unreadable() {
        assert!(matches!(
            check_raster(b"\x89PNG\r\n\x1a\n", 50_000_000),
            Err(RasterProblem::Unreadable(_))
        ));
    }
}
