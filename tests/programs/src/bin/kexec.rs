//! Tries to execute kernel code; the kernel must kill it.
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

const KERNEL: u64 = 0xffff_ffff_8000_0000;

fn main() -> i32 {
    println!("kexec: jumping to kernel code at {KERNEL:#x}");
    // SAFETY: deliberately invalid: this program exists to show that user code cannot run kernel
    // code. The instruction fetch faults (the page is supervisor-only) and the task is killed.
    let f: extern "C" fn() = unsafe { core::mem::transmute(KERNEL as usize) };
    f();
    println!("kexec: survived?!");
    1
}
