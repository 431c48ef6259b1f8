//! What one publication may ask typst to lay out.
//!
//! typst's memory grows with the number of elements it lays out, not with
//! bytes of text, and not evenly: measured with typst 0.15 on this project,
//! a section heading costs about 100 KB at the peak (50,000 one-line
//! sections reached 5 GB), an image use 75 KB, a heading inside a section
//! 35 KB, an emphasised word 5 KB, or 36 KB when 10,000 of them share one
//! paragraph. Bytes alone cannot bound that (4 bytes of `*a* ` are one
//! element), so the loader counts what the Markdown produces and stops a
//! publication at the first limit it crosses. The defaults leave room for
//! reports of 500 pages and more, and keep the worst case near 2 GB.

use super::LoadOptions;
use super::unbroken::Unbroken;

/// Something the Markdown converter is about to add to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// A block or inline element (paragraph, list item, emphasis, link, text run…).
    Element,
    /// A heading (sections count too).
    Heading,
    /// An image shown in the text.
    Image,
    /// A table cell (typst lays out every cell of every table at once).
    Cell,
}

/// Elements, headings and images counted so far in one publication.
#[derive(Debug, Default)]
pub struct Budget {
    elements: usize,
    headings: usize,
    images: usize,
    cells: usize,
    exceeded: bool,
    /// Characters of words without a break opportunity.
    pub unbroken: Unbroken,
}

impl Budget {
    /// Counts one `what`. Crossing a limit gives the problem in words, once;
    /// every later call fails silently, so the converters stop at once
    /// without reporting the same limit again. A heading or image is an
    /// element too.
    pub fn spend(&mut self, what: Spend, options: &LoadOptions) -> Result<(), Option<String>> {
        if self.exceeded {
            return Err(None);
        }
        self.elements += 1;
        let crossed = if self.elements > options.max_elements {
            Some(format!(
                "the publication has more than {} Markdown elements (paragraphs, list items, emphasis, links…)",
                options.max_elements
            ))
        } else {
            let (count, limit, name) = match what {
                Spend::Element => return Ok(()),
                Spend::Heading => (&mut self.headings, options.max_headings, "headings"),
                Spend::Image => (&mut self.images, options.max_images, "images"),
                Spend::Cell => (&mut self.cells, options.max_cells, "table cells"),
            };
            *count += 1;
            (*count > limit).then(|| format!("the publication has more than {limit} {name}"))
        };
        match crossed {
            Some(message) => {
                self.exceeded = true;
                Err(Some(message))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_is_crossed_once_at_its_own_count() {
        let options = LoadOptions {
            max_elements: 10,
            max_headings: 2,
            max_images: 3,
            ..LoadOptions::default()
        };
        let mut budget = Budget::default();
        assert!(budget.spend(Spend::Heading, &options).is_ok());
        assert!(budget.spend(Spend::Heading, &options).is_ok());
        let err = budget.spend(Spend::Heading, &options).unwrap_err().unwrap();
        assert!(err.contains("more than 2 headings"), "{err}");
        assert_eq!(budget.spend(Spend::Element, &options), Err(None));
        let mut budget = Budget::default();
        for _ in 0..10 {
            assert!(budget.spend(Spend::Element, &options).is_ok());
        }
        let err = budget.spend(Spend::Element, &options).unwrap_err().unwrap();
        assert!(err.contains("more than 10 Markdown elements"), "{err}");
    }
}
