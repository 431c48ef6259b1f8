//! Integration tests: one binary, one module per feature, real outputs inspected.

mod harness;
mod sample;
