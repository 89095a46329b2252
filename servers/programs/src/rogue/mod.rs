//! The cases of `rogue`, by family. Numbers: frames and mappings 1.., kernel objects and their
//! exhaustion 100.., tasks it creates in its own space and controls 200..
mod frames;
mod handoff;
mod helper;
mod jobs;
mod objects;
mod registers;
mod tasks;

use crate::hostile::case::Case;

pub const CASES: &[&[Case]] = &[
    frames::CASES,
    objects::CASES,
    tasks::CASES,
    registers::CASES,
    handoff::CASES,
];
