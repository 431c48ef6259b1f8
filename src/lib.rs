//! briefpress: typeset structured TOML publications into PDF briefs (typst)
//! and EPUB 3 editions, from one document model.
//!
//! The data path runs one way: [`load`] parses TOML + Markdown into a
//! [`model::Publication`]; [`render`] turns it into PDF and EPUB bytes;
//! [`batch`] runs batches (parallel, incremental, atomic writes) and reports
//! [`diag`]nostics. The binary in `main.rs` is a thin clap front-end;
//! [`commands`] holds the commands that create and describe a project.

pub mod batch;
pub mod cli;
pub mod commands;
pub mod diag;
pub mod load;
pub mod media;
pub mod model;
pub mod project;
pub mod render;
