//! Images are measured before anything decodes them.
//!
//! A few hundred bytes can declare a 65,500 × 65,500 pixel image, for which a
//! decoder allocates gigabytes and the whole batch dies. Raster images (PNG,
//! JPEG, GIF, and WebP in templates) are measured from their header with
//! `imagesize` and refused above a pixel budget, and a PNG's colour
//! profile, which decoders inflate whole, is inflated here first up to a
//! bound (a 1 MB profile can inflate to gigabytes); SVGs are checked by
//! [`super::svg`]. The same check runs in the loader (content images and
//! covers) and in the typst World (images a template loads).

use std::fmt;
use std::io::Read;

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
    /// A PNG whose colour profile inflates past [`MAX_PROFILE`].
    #[error("has a colour profile (iCCP) that inflates to more than {} MiB", MAX_PROFILE >> 20)]
    ProfileTooLarge,
}

/// The most a PNG's colour profile may inflate to: real ICC profiles are
/// kilobytes, the largest a few megabytes.
pub const MAX_PROFILE: u64 = 16 << 20;

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
    if png_profile_too_large(data) {
        return Err(RasterProblem::ProfileTooLarge);
    }
    Ok(width * height)
}

/// Whether a PNG has an `iCCP` chunk (before its image data, where the
/// format puts it) that inflates past [`MAX_PROFILE`]; inflating stops
/// there. A profile that does not inflate is left to the decoder to report.
fn png_profile_too_large(data: &[u8]) -> bool {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !data.starts_with(SIGNATURE) {
        return false;
    }
    let mut at = SIGNATURE.len();
    while let (Some(length), Some(kind)) = (data.get(at..at + 4), data.get(at + 4..at + 8)) {
        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
        let start = at + 8;
        let end = start.saturating_add(length).min(data.len());
        match kind {
            b"IDAT" | b"IEND" => return false,
            b"iCCP" => {
                // A name, a NUL, the compression method, then zlib data.
                let body = &data[start..end];
                let compressed = body
                    .iter()
                    .position(|&b| b == 0)
                    .and_then(|nul| body.get(nul + 2..))
                    .unwrap_or(&[]);
                let mut profile = flate2::read::ZlibDecoder::new(compressed).take(MAX_PROFILE + 1);
                let inflated = std::io::copy(&mut profile, &mut std::io::sink()).unwrap_or(0);
                if inflated > MAX_PROFILE {
                    return true;
                }
            }
            _ => {}
        }
        at = end.saturating_add(4);
    }
    false
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

    /// A 10 × 10 PNG whose `iCCP` chunk inflates to `inflated` zero bytes.
    fn png_with_profile(inflated: usize) -> Vec<u8> {
        use std::io::Write;
        let chunk = |kind: &[u8], body: &[u8]| {
            let mut out = (body.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(kind);
            out.extend_from_slice(body);
            out.extend_from_slice(&[0; 4]);
            out
        };
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let block = vec![0u8; 1 << 20];
        let mut left = inflated;
        while left > 0 {
            let n = left.min(block.len());
            encoder.write_all(&block[..n]).unwrap();
            left -= n;
        }
        let mut profile = b"icc\0\0".to_vec();
        profile.extend(encoder.finish().unwrap());
        let mut png = png_header(10, 10);
        png.extend(chunk(b"iCCP", &profile));
        png.extend(chunk(b"IDAT", &[]));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    #[test]
    fn a_colour_profile_that_inflates_past_the_bound_is_refused() {
        assert_eq!(
            check_raster(&png_with_profile(64 << 10), 50_000_000),
            Ok(100)
        );
        assert_eq!(
            check_raster(&png_with_profile(17 << 20), 50_000_000),
            Err(RasterProblem::ProfileTooLarge)
        );
    }

    #[test]
    fn a_cut_header_is_unreadable() {
        assert!(matches!(
            check_raster(b"\x89PNG\r\n\x1a\n", 50_000_000),
            Err(RasterProblem::Unreadable(_))
        ));
    }
}
