//! Executes `in` or `out` but holds no I/O-port capability; the kernel must kill it. `inout` (or
//! `inout:0`) reads the RTC's port 0x71; `inout:1` reads the keyboard's data port 0x60 (a program
//! reading keys behind the input server's back); `inout:2` writes 0xFE to the keyboard
//! controller's command port 0x64 (which would reset the machine).
#![no_std]
#![no_main]

use userlib::println;

userlib::entry!(main);

fn main() -> i32 {
    match userlib::rt::start_args().0 {
        1 => {
            println!("inout: reading port 0x60 with `in`");
            let value: u8;
            // SAFETY: deliberately invalid: user code has no I/O privilege, so `in` raises #GP
            // and the task is killed; the value is never observed.
            unsafe { core::arch::asm!("in al, 0x60", out("al") value, options(nomem, nostack)) };
            println!("inout: survived?! read {value:#x}");
        }
        2 => {
            println!("inout: writing port 0x64 with `out`");
            // SAFETY: as above: `out` raises #GP (the reset command never reaches the device).
            unsafe { core::arch::asm!("out 0x64, al", in("al") 0xFEu8, options(nomem, nostack)) };
            println!("inout: survived?!");
        }
        _ => {
            println!("inout: reading port 0x71 with `in`");
            let value: u8;
            // SAFETY: as above.
            unsafe { core::arch::asm!("in al, 0x71", out("al") value, options(nomem, nostack)) };
            println!("inout: survived?! read {value:#x}");
        }
    }
    1
}
