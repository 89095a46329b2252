//! The cases of `rogue`, by family. Numbers: frames and mappings 1.., kernel objects and their
//! exhaustion 100.., tasks it creates and controls 200..
mod frames;
mod helper;
mod jobs;
mod objects;
mod tasks;

use crate::hostile::case::Case;

pub const CASES: &[&[Case]] = &[frames::CASES, objects::CASES, tasks::CASES];
