//! What the WeensyOS programs (`allocator`, `fork`, `forkexit`, and the tests' `forktest` and
//! `alloctest`) share: access to pages the memory server maps behind the compiler's back, and the
//! allocator loop.
#![no_std]

pub mod alloc_loop;
pub mod pages;
