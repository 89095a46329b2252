//! rogue: a compromised server. Init trusts it like a memory server (`POOL_HOLDERS`): it holds the
//! frame pool and all rights to its own address space and task, and it uses them against the
//! kernel — freeing and mapping frames that are not its to touch, mapping where nothing may be
//! mapped, exhausting frames and kernel objects, and controlling tasks it creates in its own space
//! in hostile ways. It runs the case numbered by its start argument (`rogue:N`; the cases are in the
//! files beside this one). Every case gives back all it took before it exits 0, so init's census after the
//! batch shows whether the kernel lost track of anything.
//!
//! The cases, by family (one file each). Numbers: frames and mappings 1.. (`AsPages` 18..), kernel objects and their
//! exhaustion 100.. (notifications 130.., interrupt lines and I/O ports 140.., the framebuffer's device frames 150..), tasks it creates in its own space and controls 200.. (fault replies that map 218..), the memory server's
//! processes (with `attack`) 300..
#![no_std]
#![no_main]

mod device_frames;
mod devices;
mod fault_map;
mod frames;
mod handoff;
mod helper;
mod jobs;
mod listing;
mod memsrv;
mod notify;
mod objects;
mod registers;
mod tasks;

use test_programs::hostile::case::Case;

pub const CASES: &[&[Case]] = &[
    frames::CASES,
    listing::CASES,
    objects::CASES,
    notify::CASES,
    devices::CASES,
    device_frames::CASES,
    tasks::CASES,
    registers::CASES,
    handoff::CASES,
    fault_map::CASES,
    memsrv::CASES,
];

use test_programs::hostile;
use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    let number = userlib::rt::start_args().0;
    match hostile::case::find(CASES, number) {
        Some(case) => hostile::case::run("rogue", case, userlib::sys::task_self),
        None => {
            println!("rogue: there is no case {number}");
            2
        }
    }
}
