//! What the WeensyOS programs (`allocator`, `fork`, `forkexit`, `forkcheck`, and the tests'
//! `forktest` and `alloctest`) share: access to pages the memory server maps behind the compiler's
//! back, the allocator loop, and WeensyOS's `rand`.
#![no_std]

pub mod alloc_loop;
pub mod pages;
pub mod rand;
