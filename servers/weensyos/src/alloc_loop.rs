//! WeensyOS's allocator loop (p-allocator): grow the heap page by page with `page_alloc`, writing
//! the pid into each page, at a set rate, until the heap meets the stack or allocation fails; say
//! why on one line; then yield forever.
use crate::pages;
use userlib::layout::{PAGE_SIZE, STACK_TOP};
use userlib::println;
use userlib::process::{self, getpid, yield_now};
use userlib::rng::Rng;

/// Out of how many turns `rate` allocate a page (WeensyOS's `ALLOC_SLOWDOWN`). WeensyOS uses 100
/// with 2 MiB of memory; ours has about 60 times as many pages, so a smaller slowdown lets four
/// allocators fill it in seconds (under 20 s of TCG time even beside other QEMUs) while the rates
/// still differ as WeensyOS's do.
pub const ALLOC_SLOWDOWN: u64 = 20;

/// How far the stack may grow below `STACK_TOP` (the memory server's limit): the heap stops there.
pub const STACK_RESERVE: u64 = 1 << 20;

/// Why the loop stopped allocating.
enum Stop {
    ReachedStack,
    Refused(process::Error),
    /// A fresh page did not read zero: the memory server broke its promise.
    NotZeroed(u64),
}

/// The first page at or above the program break: pages from there up are nobody's yet.
pub fn heap_start() -> Option<u64> {
    let brk = process::sbrk(0).ok()?;
    brk.checked_next_multiple_of(PAGE_SIZE)
}

/// Runs the loop: on each turn, with probability `rate / ALLOC_SLOWDOWN`, allocate the next page.
/// Returns only if a fresh page was not zeroed (the status to exit with).
pub fn run(name: &str, rate: u64) -> i32 {
    let pid = getpid();
    let Some(start) = heap_start() else {
        println!("{name}: pid {pid}: cannot find the program break");
        return 1;
    };
    let stack_bottom = STACK_TOP - STACK_RESERVE;
    let mut rng = Rng::new(pid);
    let mut top = start;
    let stop = loop {
        if rng.below(ALLOC_SLOWDOWN) < rate {
            if top >= stack_bottom {
                break Stop::ReachedStack;
            }
            if let Err(e) = process::page_alloc(top) {
                break Stop::Refused(e);
            }
            // SAFETY: `page_alloc` just mapped a fresh writable page at `top`, above the program
            // break, where no Rust object lives.
            unsafe {
                if !pages::is_zero(top) {
                    break Stop::NotZeroed(top);
                }
                pages::write(top, 0, pid);
            }
            top += PAGE_SIZE;
        }
        yield_now();
    };
    let count = (top - start) / PAGE_SIZE;
    match stop {
        Stop::ReachedStack => {
            println!(
                "{name}: pid {pid} (rate {rate}) stopped after {count} pages: reached its stack"
            )
        }
        Stop::Refused(e) => {
            println!("{name}: pid {pid} (rate {rate}) stopped after {count} pages: page_alloc: {e}")
        }
        Stop::NotZeroed(addr) => {
            println!("{name}: pid {pid}: VIOLATION: the fresh page at {addr:#x} is not zeroed");
            return 1;
        }
    }
    loop {
        yield_now();
    }
}
