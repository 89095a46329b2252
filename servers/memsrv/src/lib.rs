//! The memory server's decisions, apart from the kernel calls that carry them out: the books of
//! processes, jobs and commitment (`ledger.rs`, `ending.rs`, `commit.rs`), page-table charging
//! (`tables.rs`), regions, program layouts, request decoding and the consistency check's rules.
//! Nothing here calls the kernel, so it runs in host tests (`cargo test -p memsrv --lib`); the
//! program (`main.rs` and the modules it declares: `requests.rs`, `lifecycle.rs`, `fork.rs`,
//! `spawn.rs`, `fault.rs`, `check.rs`, `observe.rs`, `heap.rs`, `names.rs`) receives the
//! messages, asks these modules what to do and makes the calls. (The small functions the fault
//! path asks are `#[inline]`: across the crate boundary they would otherwise be calls, and the
//! split cost a demand-zero fault 86 instructions.)
#![cfg_attr(not(test), no_std)]
// The server makes each table once, with `new`; a `Default` would be one more way nobody uses.
#![allow(clippy::new_without_default)]

pub mod census;
pub mod commit;
pub mod decode;
pub mod ending;
pub mod image;
pub mod jobs;
pub mod ledger;
pub mod map;
pub mod procs;
pub mod regions;
pub mod rules;
pub mod tables;

#[cfg(test)]
mod tests;

use userlib::abi::memsrv::MemError;

/// What a request or notice leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Reply now: label 0 and words.
    Reply([u64; 4]),
    /// Reply now: label 0 and this many words, those beyond the registers staged in the IPC
    /// buffer.
    ReplyLong([u64; 4], usize),
    Refuse(MemError),
    /// Reply to a page fault with `fault::MAP_ZEROED` and these words: the kernel maps a zeroed
    /// page as it resumes the process (the program's `fault.rs`).
    MapZeroed([u64; 4]),
    /// No reply now (a blocked `wait`), or none at all (an exit, a killed process).
    Nothing,
}
