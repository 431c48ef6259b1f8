//! Integration tests: one binary, one module per feature, real outputs inspected.

mod fuzz;
mod harness;
mod sample;
