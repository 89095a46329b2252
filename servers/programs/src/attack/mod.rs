//! The cases of `attack`, by family. Numbers: kernel memory and user page rights 1..,
//! privileged instructions 100.., RFLAGS and the stack pointer 200.., bad pointers 300..,
//! capability misuse 400.., IPC misuse 500.., cases played by two or three instances together
//! 600.., and every software-interrupt vector at 1000 + vector.
mod caps;
mod flags;
mod ipc;
mod memory;
mod pairs;
mod pointers;
mod privileged;
pub mod vectors;

use crate::hostile::case::Case;

pub const CASES: &[&[Case]] = &[
    memory::CASES,
    privileged::CASES,
    flags::CASES,
    pointers::CASES,
    caps::CASES,
    ipc::CASES,
    pairs::CASES,
];
