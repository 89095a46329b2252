//! Measures processes through the memory server, in TSC ticks (guest instructions under
//! --icount): fork+exit+wait with 0, 1, 16 and 64 MiB of touched heap, copy-on-write and eager,
//! and fork where the child writes every heap page (1, 16, 64 MiB); then per page: `page_alloc`,
//! a copy-on-write fault while a child shares the page, and one after it has gone (the last
//! sharer only regains the write right). Fork figures are the smallest of a few runs (runs differ
//! only in where timer interrupts fall), per-page ones medians. Needs ~300 MiB (`make bench` boots
//! with more memory).
#![no_std]
#![no_main]

use userlib::abi::memsrv::ForkMode;
use userlib::process::{self, exit, fork_with, waitpid};
use userlib::{println, rdtsc_ordered, slots, sys};

userlib::entry!(main);

const PAGE: u64 = 4096;
const MIB: u64 = 1 << 20;
const RUNS: usize = 3;

/// Writes `value` into the first word of every page of `[start, start + bytes)`, heap below the
/// break: the memory server maps each page on its first touch (or copies it on a write after a
/// copy-on-write fork).
fn touch(start: u64, bytes: u64, value: u64) {
    for at in (start..start + bytes).step_by(PAGE as usize) {
        // SAFETY: heap below the break; no Rust object lives there.
        unsafe { (at as *mut u64).write_volatile(value ^ at) };
    }
}

/// The smallest cost of `RUNS` rounds of fork, `child` in the child, exit, wait.
fn fork_cost(mode: ForkMode, child: impl Fn()) -> Option<u64> {
    let mut best = u64::MAX;
    for _ in 0..RUNS {
        let t0 = rdtsc_ordered();
        match fork_with(mode) {
            Ok(0) => {
                child();
                exit(0)
            }
            Ok(pid) => match waitpid(pid) {
                Ok(status) if status.code == 0 => {}
                other => {
                    println!("forkbench: the child ended badly: {other:?}");
                    return None;
                }
            },
            Err(e) => {
                println!("forkbench: fork failed: {e}");
                return None;
            }
        }
        best = best.min(rdtsc_ordered().wrapping_sub(t0));
    }
    Some(best)
}

/// Pages per per-page figure.
const SAMPLES: usize = 256;

/// The median cost of `op` over `SAMPLES` pages from `start` (`op` gets each page's address).
fn per_page(start: u64, op: impl Fn(u64)) -> u64 {
    let mut times = [0u64; SAMPLES];
    for (i, t) in times.iter_mut().enumerate() {
        let page = start + i as u64 * PAGE;
        let t0 = rdtsc_ordered();
        op(page);
        *t = rdtsc_ordered().wrapping_sub(t0);
    }
    times.sort_unstable();
    times[SAMPLES / 2]
}

/// `page_alloc` at `free` (nothing mapped there), and copy-on-write faults, per page, in
/// `[start, start + SAMPLES pages)` (heap, private and writable).
fn per_page_figures(start: u64, free: u64) -> Option<()> {
    let top = start + SAMPLES as u64 * PAGE;
    let refused = core::sync::atomic::AtomicBool::new(false);
    let allocated = per_page(free, |page| {
        if process::page_alloc(page).is_err() {
            refused.store(true, core::sync::atomic::Ordering::Relaxed);
        }
    });
    if refused.into_inner() {
        println!("forkbench: page_alloc refused");
        return None;
    }
    println!("bench: page_alloc {allocated}: page_alloc, per page");
    touch(start, top - start, 0);
    // A child that shares every page and waits (on an endpoint only it holds) until killed.
    let child = match fork_with(ForkMode::CopyOnWrite) {
        Ok(0) => {
            let _ = sys::recv(slots::OWN);
            exit(0)
        }
        Ok(pid) => pid,
        Err(e) => {
            println!("forkbench: fork failed: {e}");
            return None;
        }
    };
    let shared = per_page(start, |page| touch(page, PAGE, 2));
    println!("bench: cow_fault {shared}: copy-on-write fault, page shared with a child (a copy)");
    process::kill(child).ok()?;
    process::waitpid(child).ok()?;
    let child = fork_with(ForkMode::CopyOnWrite).ok()?;
    if child == 0 {
        // A write in each last-level table the pages are in: the fork shared those tables whole,
        // and the write gives the parent its own copy of each, every page read-only; so the
        // parent's writes below are last-sharer faults, one a page (else its first write would
        // give the whole table back, and the rest take none).
        let spans = (start.next_multiple_of(2 * MIB)..top).step_by(2 * MIB as usize);
        for at in core::iter::once(start).chain(spans) {
            touch(at, PAGE, 4);
        }
        exit(0)
    }
    process::waitpid(child).ok()?;
    let alone = per_page(start, |page| touch(page, PAGE, 3));
    println!("bench: cow_fault_last {alone}: copy-on-write fault, the last sharer (no copy)");
    Some(())
}

fn main() -> i32 {
    // The heap from a page boundary.
    let Ok(brk) = process::sbrk(0) else { return 1 };
    let start = brk.next_multiple_of(PAGE);
    let mut current = brk;
    println!("forkbench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    let modes = [("cow", ForkMode::CopyOnWrite), ("eager", ForkMode::Eager)];
    for mib in [0, 1, 16, 64] {
        let bytes = mib * MIB;
        if process::sbrk((start + bytes - current) as i64).is_err() {
            println!("forkbench: no memory for a {mib} MiB heap");
            return 1;
        }
        current = start + bytes;
        // Before each fork the parent writes its whole heap, as a process that uses it does:
        // every page private and writable again (a fork before left them copy-on-write).
        for (name, mode) in modes {
            touch(start, bytes, 0);
            let Some(t) = fork_cost(mode, || {}) else {
                return 1;
            };
            println!("bench: fork_{name}_{mib}m {t}: fork+exit+wait, {name}, {mib} MiB");
        }
        if mib > 0 {
            touch(start, bytes, 0);
            let Some(t) = fork_cost(ForkMode::CopyOnWrite, || touch(start, bytes, 1)) else {
                return 1;
            };
            println!("bench: fork_write_{mib}m {t}: fork, child writes every page, exit, wait, {mib} MiB");
        }
    }
    match per_page_figures(start, current.next_multiple_of(MIB) + MIB) {
        Some(()) => 0,
        None => 1,
    }
}
