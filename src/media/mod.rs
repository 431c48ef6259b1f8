//! Media: what an image or attachment is, and whether an image is safe to decode.
//!
//! Both the loader (content images, covers) and the typst World (images a
//! template loads) read untrusted image files; the checks live here so the
//! two agree and neither imports the other.

pub mod kind;
pub mod raster;
pub mod svg;
