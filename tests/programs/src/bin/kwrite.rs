//! Tries to write kernel memory; the kernel must kill it.
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

const KERNEL: u64 = 0xffff_ffff_8000_0000;

fn main() -> i32 {
    println!("kwrite: writing kernel memory at {KERNEL:#x}");
    // SAFETY: deliberately invalid: this program exists to show that user code cannot write kernel
    // memory. The access faults (the page is supervisor-only) and the task is killed.
    unsafe { (KERNEL as *mut u64).write_volatile(0xdead_beef) };
    println!("kwrite: survived?!");
    1
}
