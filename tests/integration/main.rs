//! Integration tests: one binary, one module per feature, real outputs inspected.

mod accessibility;
mod batch;
mod blame;
mod completions;
mod corpus;
mod editions;
mod epub;
mod fixtures;
mod fonts;
mod fuzz;
mod harness;
mod hostile;
mod incremental;
mod init;
mod invalid;
mod languages;
mod limits;
mod markdown;
mod new;
mod pdf;
mod reproducible;
mod sample;
mod schema;
mod shard;
mod template;
mod trust;
