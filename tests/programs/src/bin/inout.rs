//! Reads an I/O port with `in` but holds no I/O-port capability; the kernel must kill it.
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    println!("inout: reading port 0x71 with `in`");
    let value: u8;
    // SAFETY: deliberately invalid: user code has no I/O privilege, so `in` raises #GP and the
    // task is killed; the value is never observed.
    unsafe { core::arch::asm!("in al, 0x71", out("al") value, options(nomem, nostack)) };
    println!("inout: survived?! read {value:#x}");
    1
}
