//! Words with no break opportunity, bounded per paragraph and per publication.
//!
//! A word wider than the line is broken by the template's `long-word`, which
//! puts a break opportunity between every two characters; typst's line
//! breaker then takes time that grows with the square of those
//! opportunities in one paragraph (measured with typst 0.15: a word of
//! 10,000 characters 0.6 s, 20,000 1.9 s, 200,000 67 s; twenty words of
//! 10,000 in one paragraph 80 s) and about 50 µs per character besides.
//! Counting the characters of such runs (the [`LONG_WORD`] characters or
//! more that the PDF source sends to `long-word`) keeps one paragraph under
//! a quarter of a second and a whole publication under about 5 s.

use crate::render::pdf::source::{LONG_WORD, breaks_anywhere};

/// Characters of long words in one paragraph, heading or table cell.
pub const MAX_PER_BLOCK: usize = 5_000;
/// Characters of long words in one publication.
pub const MAX_PER_PUBLICATION: usize = 100_000;

/// Which limit a text crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crossed {
    /// [`MAX_PER_BLOCK`] in the current paragraph.
    Block,
    /// [`MAX_PER_PUBLICATION`] in the publication.
    Publication,
}

/// The running count for one publication.
#[derive(Debug, Default)]
pub struct Unbroken {
    /// Characters in the current run without a break opportunity.
    word: usize,
    /// Characters of long words in the current block.
    block: usize,
    /// Characters of long words in the publication.
    total: usize,
}

impl Unbroken {
    /// A new paragraph, heading, cell or item: its runs start afresh.
    pub fn start_block(&mut self) {
        self.word = 0;
        self.block = 0;
    }

    /// Characters of long words counted in the current block.
    pub fn in_block(&self) -> usize {
        self.block
    }

    /// Counts `text`, which continues the current run. On crossing a limit,
    /// the byte offset in `text` of the run that crossed it (0 when the run
    /// began in an earlier text).
    pub fn add(&mut self, text: &str) -> Result<(), (Crossed, usize)> {
        let mut run_start = 0;
        for (at, c) in text.char_indices() {
            if c.is_whitespace() || breaks_anywhere(c) {
                self.word = 0;
                continue;
            }
            if self.word == 0 {
                run_start = at;
            }
            self.word += 1;
            let counted = match self.word {
                n if n < LONG_WORD => 0,
                n if n == LONG_WORD => LONG_WORD,
                _ => 1,
            };
            self.block += counted;
            self.total += counted;
            if self.block > MAX_PER_BLOCK {
                return Err((Crossed::Block, run_start));
            }
            if self.total > MAX_PER_PUBLICATION {
                return Err((Crossed::Publication, run_start));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_runs_count_and_a_space_ends_one() {
        let mut count = Unbroken::default();
        let short = "a".repeat(LONG_WORD - 1);
        for _ in 0..10_000 {
            assert_eq!(count.add(&format!("{short} ")), Ok(()));
        }
        assert_eq!(count.total, 0);
        let word = "b".repeat(MAX_PER_BLOCK);
        assert_eq!(count.add(&format!(" {word}")), Ok(()));
        assert_eq!(count.add("b"), Err((Crossed::Block, 0)));
    }

    #[test]
    fn a_run_continues_across_texts_and_cjk_breaks_it() {
        let mut count = Unbroken::default();
        let half = "c".repeat(MAX_PER_BLOCK / 2);
        assert_eq!(count.add(&half), Ok(()));
        assert_eq!(count.add(&half), Ok(()));
        assert_eq!(count.word, MAX_PER_BLOCK);
        assert_eq!(count.add("c"), Err((Crossed::Block, 0)));
        let mut count = Unbroken::default();
        assert_eq!(count.add(&"漢".repeat(MAX_PER_BLOCK * 2)), Ok(()));
    }

    #[test]
    fn the_publication_limit_spans_blocks() {
        let mut count = Unbroken::default();
        let word = "d".repeat(MAX_PER_BLOCK);
        for _ in 0..MAX_PER_PUBLICATION / MAX_PER_BLOCK {
            count.start_block();
            assert_eq!(count.add(&word), Ok(()));
        }
        count.start_block();
        assert_eq!(
            count.add(&format!("x {word}")),
            Err((Crossed::Publication, 2))
        );
    }
}
