//! The project module resolves project-wide settings once per run, so that
//! renderers receive values and never decide (or read) them again.
//!
//! Today it holds the language layer: [`labels`] (every word briefpress
//! prints, per language, with project overrides), [`locale`] (dates, list
//! joins and numbers through ICU4X) and [`punctuation`] (the language's
//! quotes and dashes in content).

pub mod labels;
pub mod language;
pub mod locale;
pub mod punctuation;
pub mod root;
pub mod template;
