//! Busy-loops for about 1.5 s (at a ~1 GHz TSC) without a single syscall: preemption test.
#![no_std]
#![no_main]

use userlib::{println, rdtsc};

userlib::entry!(main);

const TICKS: u64 = 1_500_000_000;

fn main() -> i32 {
    println!("spin: start");
    let start = rdtsc();
    while rdtsc().wrapping_sub(start) < TICKS {
        core::hint::spin_loop();
    }
    println!("spin: done");
    0
}
