//! Measures a page fault resolved in user space: each first touch of a page in init's demand-zero
//! region faults, the kernel sends the fault to init, init maps a zeroed frame and replies, and the
//! kernel resumes the touch. Prints the median in TSC ticks (guest instructions under --icount).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::{println, rdtsc_ordered};

userlib::entry!(main);

/// Init's demand-zero region (servers/init/src/children.rs).
const REGION: u64 = 0x0000_2000_0000_0000;
const PAGES: usize = 200;

static TIMES: [AtomicU64; PAGES] = [const { AtomicU64::new(0) }; PAGES];

fn main() -> i32 {
    for (i, slot) in TIMES.iter().enumerate() {
        let page = (REGION + (i as u64) * 4096) as *mut u64;
        let t0 = rdtsc_ordered();
        // SAFETY: the page is in init's demand-zero region: the first touch faults and init maps a
        // zeroed page there for this program alone; nothing else uses the address.
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
        "faultbench: page fault resolved by init, median {} ticks (min {}) over {PAGES} pages",
        times[PAGES / 2],
        times[0]
    );
    0
}
