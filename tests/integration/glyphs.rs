//! Where each character of a PDF was set, read with PyMuPDF
//! (`$BRIEFPRESS_PYTHON`): for tests about what fits the page, line breaks
//! and the visual order of mixed-direction text.

use std::path::Path;

use crate::harness::pymupdf;

/// One character as printed.
#[derive(Debug, Clone)]
pub struct Glyph {
    /// 0-based page.
    pub page: usize,
    /// Page width and height, in points.
    pub page_size: (f64, f64),
    /// Left and right edge of the glyph box.
    pub x0: f64,
    pub x1: f64,
    /// The baseline.
    pub y: f64,
    /// Font size in points.
    pub size: f64,
    /// The character PyMuPDF maps the glyph to.
    pub c: char,
}

/// Every character of `pdf` with its position, in content order.
pub fn glyphs(pdf: &Path) -> Vec<Glyph> {
    const SCRIPT: &str = "\
import sys, fitz
for n, page in enumerate(fitz.open(sys.argv[1])):
    w, h = page.rect.width, page.rect.height
    for block in page.get_text('rawdict')['blocks']:
        for line in block.get('lines', []):
            for span in line['spans']:
                for ch in span['chars']:
                    x0, _, x1, _ = ch['bbox']
                    print(n, w, h, x0, x1, ch['origin'][1], span['size'], ord(ch['c']), sep='\\t')
";
    let text = pymupdf(SCRIPT, pdf);
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let num = |i: usize| f.get(i)?.parse::<f64>().ok();
            Some(Glyph {
                page: f.first()?.parse().ok()?,
                page_size: (num(1)?, num(2)?),
                x0: num(3)?,
                x1: num(4)?,
                y: num(5)?,
                size: num(6)?,
                c: char::from_u32(f.get(7)?.parse().ok()?)?,
            })
        })
        .collect()
}

/// The printed lines of `glyphs` (same page and baseline), each as its
/// characters from left to right: the visual order a reader sees.
pub fn visual_lines(glyphs: &[Glyph]) -> Vec<String> {
    let mut lines: Vec<(usize, i64, Vec<&Glyph>)> = Vec::new();
    for g in glyphs {
        let y = g.y.round() as i64;
        match lines
            .iter_mut()
            .find(|(page, line_y, _)| *page == g.page && (*line_y - y).abs() <= 1)
        {
            Some((_, _, line)) => line.push(g),
            None => lines.push((g.page, y, vec![g])),
        }
    }
    lines
        .into_iter()
        .map(|(_, _, mut line)| {
            line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            line.iter().map(|g| g.c).collect()
        })
        .collect()
}

/// The glyphs that reach past the text column of the `brief` template
/// (38 mm side margins, or 20 mm in large print, with `margin` in mm),
/// with a tolerance of half a point.
pub fn outside_column(glyphs: &[Glyph], margin_mm: f64) -> Vec<&Glyph> {
    let margin = margin_mm / 25.4 * 72.0;
    glyphs
        .iter()
        .filter(|g| !g.c.is_whitespace())
        .filter(|g| g.x0 < margin - 0.5 || g.x1 > g.page_size.0 - margin + 0.5)
        .collect()
}
