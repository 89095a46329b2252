//! rogue: a compromised server. Init trusts it like a memory server (`POOL_HOLDERS`): it holds the
//! frame pool and all rights to its own address space and task, and it uses them against the
//! kernel — freeing and mapping frames that are not its to touch, mapping where nothing may be
//! mapped, exhausting frames and kernel objects, and controlling tasks it creates in its own space
//! in hostile ways. It runs the case numbered by its start argument (`rogue:N`; the cases are in
//! `src/rogue/`). Every case gives back all it took before it exits 0, so init's census after the
//! batch shows whether the kernel lost track of anything.
#![no_std]
#![no_main]

#[path = "../hostile/mod.rs"]
mod hostile;
#[path = "../rogue/mod.rs"]
mod rogue;

use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    let number = userlib::rt::start_args().0;
    match hostile::case::find(rogue::CASES, number) {
        Some(case) => hostile::case::run("rogue", case, userlib::sys::task_self),
        None => {
            println!("rogue: there is no case {number}");
            2
        }
    }
}
