//! What the WeensyOS programs (`allocator`, `fork`, `forkexit`, `forktest`) share: a small PRNG,
//! access to pages the memory server maps behind the compiler's back, and the allocator loop.
#![allow(dead_code)] // each program uses a different part

pub mod alloc_loop;
pub mod pages;
pub mod rand;
