//! Measures processes through the memory server, in TSC ticks (guest instructions under
//! --icount): fork+exit+wait with 0, 1, 16 and 64 MiB of touched heap, copy-on-write and eager,
//! and fork where the child writes every heap page (1, 16, 64 MiB). Each figure is the smallest of
//! a few runs (runs differ only in where timer interrupts fall). Needs ~300 MiB (`make bench`
//! boots with more memory).
#![no_std]
#![no_main]

use userlib::abi::memsrv::ForkMode;
use userlib::process::{self, exit, fork_with, waitpid};
use userlib::{println, rdtsc_ordered};

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

fn main() -> i32 {
    // The heap from a page boundary: sbrk the rest of the first page away.
    let Ok(brk) = process::sbrk(0) else { return 1 };
    let start = brk.next_multiple_of(PAGE);
    let (mut current, mut touched) = (brk, 0);
    println!("forkbench: units are TSC ticks: guest instructions under --icount, cycles otherwise");
    let modes = [
        ("copy-on-write", ForkMode::CopyOnWrite),
        ("eager", ForkMode::Eager),
    ];
    for mib in [0, 1, 16, 64] {
        let bytes = mib * MIB;
        if process::sbrk((start + bytes - current) as i64).is_err() {
            println!("forkbench: no memory for a {mib} MiB heap");
            return 1;
        }
        current = start + bytes;
        touch(start + touched, bytes - touched, 0);
        touched = bytes;
        for (name, mode) in modes {
            let Some(t) = fork_cost(mode, || {}) else {
                return 1;
            };
            println!("forkbench: fork+exit+wait, {name}, {mib} MiB: {t}");
        }
    }
    for mib in [1, 16, 64] {
        let Some(t) = fork_cost(ForkMode::CopyOnWrite, || touch(start, mib * MIB, 1)) else {
            return 1;
        };
        println!("forkbench: fork, child writes every page, exit, wait, {mib} MiB: {t}");
    }
    0
}
