//! Measures a page fault resolved in user space: each first touch of a heap page (below the break,
//! never touched) faults, the kernel sends the fault to the memory server, which maps a zeroed
//! frame and replies, and the kernel resumes the touch. Prints the median in TSC ticks (guest
//! instructions under --icount).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::{println, process, rdtsc_ordered};

userlib::entry!(main);

const PAGES: usize = 200;

static TIMES: [AtomicU64; PAGES] = [const { AtomicU64::new(0) }; PAGES];

fn main() -> i32 {
    let Ok(old_break) = process::sbrk((PAGES as i64 + 1) * 4096) else {
        println!("faultbench: no heap");
        return 1;
    };
    let region = old_break.next_multiple_of(4096);
    // Frames zeroed ahead of time are made while the system idles: let it idle a little first.
    let _ = userlib::sys::recv_timeout(userlib::slots::OWN, 10);
    for (i, slot) in TIMES.iter().enumerate() {
        let page = (region + (i as u64) * 4096) as *mut u64;
        let t0 = rdtsc_ordered();
        // SAFETY: the page is heap below the break that nothing has touched: the first touch
        // faults and the memory server maps a zeroed page there; no Rust object lives there.
        unsafe { page.write_volatile(i as u64) };
        let t1 = rdtsc_ordered();
        slot.store(t1.wrapping_sub(t0), Relaxed);
        // SAFETY: as above; the page is mapped now.
        if unsafe { page.read_volatile() } != i as u64 {
            println!("faultbench: page {i} lost its value");
            return 1;
        }
    }
    let mut times = [0u64; PAGES];
    for (t, slot) in times.iter_mut().zip(TIMES.iter()) {
        *t = slot.load(Relaxed);
    }
    times.sort_unstable();
    println!(
        "faultbench: units are TSC ticks: guest instructions under --icount, cycles otherwise"
    );
    println!(
        "bench: demand_zero_fault {} (min {}): demand-zero page fault resolved by the memory server, median over {PAGES} pages",
        times[PAGES / 2],
        times[0]
    );
    0
}
