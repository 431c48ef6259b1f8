//! Decoding a cache's input records within a budget.
//!
//! An input record costs a few bytes in the file and about a hundred in
//! memory, so a hostile cache within the file size limit could make a build
//! allocate gigabytes before validation even starts. Each entry's list is
//! therefore decoded one record at a time against a per-entry limit and a
//! budget for the whole file, and refused as soon as either runs out.

use std::cell::Cell;
use std::fmt;

use serde::de::{Deserializer, Error, SeqAccess, Visitor};

use super::Input;

/// Most input files one publication may record (its Markdown, images and
/// attachments are limited far below this).
pub const INPUTS_PER_ENTRY: usize = 20_000;
/// Most input files a whole cache may record.
pub const INPUT_LIMIT: usize = 2_000_000;

thread_local! {
    /// Input records the cache being decoded on this thread may still hold.
    static LEFT: Cell<usize> = const { Cell::new(INPUT_LIMIT) };
}

/// Runs `decode` with a fresh budget of [`INPUT_LIMIT`] input records.
pub fn budgeted<T>(decode: impl FnOnce() -> T) -> T {
    LEFT.with(|left| left.set(INPUT_LIMIT));
    let decoded = decode();
    LEFT.with(|left| left.set(INPUT_LIMIT));
    decoded
}

/// Deserializes an entry's inputs, refusing more than [`INPUTS_PER_ENTRY`]
/// or than the budget has left.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Input>, D::Error> {
    deserializer.deserialize_seq(Records)
}

struct Records;

impl<'de> Visitor<'de> for Records {
    type Value = Vec<Input>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of input records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Input>, A::Error> {
        let mut inputs = Vec::new();
        while let Some(input) = seq.next_element::<Input>()? {
            let left = LEFT.with(Cell::get);
            if inputs.len() >= INPUTS_PER_ENTRY || left == 0 {
                return Err(A::Error::custom(format!(
                    "more input records than a cache may hold ({INPUTS_PER_ENTRY} per \
                     publication, {INPUT_LIMIT} in all)"
                )));
            }
            LEFT.with(|cell| cell.set(left - 1));
            inputs.push(input);
        }
        Ok(inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(deserialize_with = "deserialize")]
        inputs: Vec<Input>,
    }

    fn encoded(n: usize) -> Vec<u8> {
        let inputs: Vec<Input> = (0..n)
            .map(|_| Input {
                path: "a".into(),
                stat: None,
            })
            .collect();
        postcard::to_extend(&(inputs,), Vec::new()).unwrap()
    }

    #[test]
    fn an_entry_with_more_inputs_than_the_limit_is_refused_as_it_is_read() {
        let fits = encoded(INPUTS_PER_ENTRY);
        let entry: Entry = budgeted(|| postcard::from_bytes(&fits)).unwrap();
        assert_eq!(entry.inputs.len(), INPUTS_PER_ENTRY);
        let over = encoded(INPUTS_PER_ENTRY + 1);
        assert!(budgeted(|| postcard::from_bytes::<Entry>(&over)).is_err());
    }

    #[test]
    fn the_whole_cache_shares_one_budget() {
        let one = encoded(INPUTS_PER_ENTRY);
        let decode_many = || {
            (0..=INPUT_LIMIT / INPUTS_PER_ENTRY)
                .map(|_| postcard::from_bytes::<Entry>(&one).map(|_| ()))
                .collect::<Result<Vec<()>, _>>()
        };
        assert!(budgeted(decode_many).is_err(), "one entry past the budget");
        assert!(
            budgeted(|| postcard::from_bytes::<Entry>(&one)).is_ok(),
            "each decode starts with a full budget"
        );
    }
}
