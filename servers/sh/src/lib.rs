//! The shell's decisions, apart from the calls that carry them out: reading a command line into
//! commands (`parse.rs`), the table of background jobs (`jobs.rs`) and what the shell says about
//! them (`report.rs`). Nothing here calls the kernel or a server, so it runs in host tests
//! (`cargo test -p sh --lib`); the program (`main.rs`) reads lines from the input server, starts
//! programs through the memory server and prints.
#![cfg_attr(not(test), no_std)]

pub mod jobs;
pub mod parse;
pub mod report;

#[cfg(test)]
mod tests;
