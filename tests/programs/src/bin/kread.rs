//! Tries to read kernel memory; the kernel must kill it.
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

const KERNEL: u64 = 0xffff_ffff_8000_0000;

fn main() -> i32 {
    println!("kread: reading kernel memory at {KERNEL:#x}");
    // SAFETY: deliberately invalid: this program exists to show that user code cannot read kernel
    // memory. The access faults (the page is supervisor-only) and the task is killed, so the value
    // is never observed.
    let value = unsafe { (KERNEL as *const u64).read_volatile() };
    println!("kread: survived?! read {value:#x}");
    1
}
