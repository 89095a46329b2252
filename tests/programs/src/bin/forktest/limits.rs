//! Cases 7 and 9: running out of memory, and quotas.
use crate::checks::{allocate_until_refused, exited_with, fork_child, Checks, SCRATCH};
use userlib::abi::memsrv::{ExitHow, ForkMode, MemError};
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::Error;
use userlib::process::{self, getpid};

/// The argument of the process case 9 spawns: `forktest:100`.
pub const HELPER: u64 = 100;
/// How many pages the helper allocates.
const HELPER_PAGES: u64 = 256;
/// Most processes in case 7's chain: with a quota of about half the memory, two or three
/// processes exhaust it.
const MAX_CHAIN: u32 = 8;

/// One link of case 7's chain: allocate until refused (from where the parent stopped), then fork
/// a child that does the same. A fork may succeed while only this process's quota is used up (the
/// child has a quota of its own), but once memory as a whole is out, fork and eager fork must fail
/// cleanly with OutOfMemory — and the process must carry on. The status is 0 when that happened,
/// else a number naming what went wrong.
fn chain(level: u32, from: u64) -> i32 {
    let (next, why) = allocate_until_refused(from);
    let pid = getpid();
    println!(
        "forktest:7: pid {pid} (link {level}) holds {} more pages; page_alloc: {why}",
        (next - from) / PAGE_SIZE
    );
    if why != MemError::OutOfMemory {
        return 30;
    }
    if level >= MAX_CHAIN {
        println!("forktest:7: {MAX_CHAIN} processes and fork still works: no memory limit?");
        return 31;
    }
    match fork_child(ForkMode::CopyOnWrite, || chain(level + 1, next)) {
        Ok(child) => match process::waitpid(child) {
            Ok(s) if s.how == ExitHow::Exited => s.code as i32,
            other => {
                println!("forktest:7: pid {pid}: link {} ended: {other:?}", level + 1);
                32
            }
        },
        Err(Error::Mem(MemError::OutOfMemory)) => match process::fork_with(ForkMode::Eager) {
            Err(Error::Mem(MemError::OutOfMemory)) => {
                println!("forktest:7: pid {pid}: fork and eager fork: OutOfMemory");
                // Still whole: its stack takes writes and memory is still out.
                let stack = core::hint::black_box([pid; 512]);
                let whole = stack.iter().all(|&x| x == getpid())
                    && process::page_alloc(next) == Err(Error::Mem(MemError::OutOfMemory));
                if whole {
                    0
                } else {
                    33
                }
            }
            Ok(0) => process::exit(34),
            Ok(child) => {
                let _ = process::waitpid(child);
                println!("forktest:7: pid {pid}: an eager fork worked where fork did not");
                34
            }
            Err(e) => {
                println!("forktest:7: pid {pid}: eager fork: {e} (expected OutOfMemory)");
                35
            }
        },
        Err(e) => {
            println!("forktest:7: pid {pid}: fork: {e} (expected OutOfMemory)");
            36
        }
    }
}

pub fn fork_out_of_memory(c: &mut Checks) {
    // The chain runs in a child, so that all of it has ended before the parent forks again.
    match fork_child(ForkMode::CopyOnWrite, || chain(0, SCRATCH)) {
        Ok(pid) => c.check(
            exited_with(pid, 0),
            "processes filled memory until fork and eager fork failed with OutOfMemory",
        ),
        Err(e) => c.check(false, &alloc::format!("the first fork: {e}")),
    }
    let again = fork_child(ForkMode::CopyOnWrite, || 0);
    c.check(
        again.is_ok_and(|pid| exited_with(pid, 0)),
        "once they exited, fork works again",
    );
    // That every frame came back is init's census check at the end.
}

pub fn runaway_allocator(c: &mut Checks) {
    let (next, why) = allocate_until_refused(SCRATCH);
    let pages = (next - SCRATCH) / PAGE_SIZE;
    println!("forktest:9: the runaway got {pages} pages; page_alloc: {why}");
    c.check(
        why == MemError::OutOfMemory,
        "the runaway is refused with OutOfMemory",
    );
    c.check(pages > HELPER_PAGES, "it got a fair share first");
    c.check(
        process::frame_of(SCRATCH).is_ok(),
        "the memory server still serves the runaway",
    );
    match process::spawn("forktest", HELPER) {
        Ok(pid) => c.check(
            exited_with(pid, 0),
            "another process can still allocate (1 MiB)",
        ),
        Err(e) => c.check(false, &alloc::format!("spawn: {e}")),
    }
}

/// `forktest:100`: allocates [`HELPER_PAGES`] pages; exits 0 if it got them all.
pub fn helper() -> i32 {
    for i in 0..HELPER_PAGES {
        if let Err(e) = process::page_alloc(SCRATCH + i * PAGE_SIZE) {
            println!("forktest:100: page {i}: {e}");
            return 1;
        }
    }
    0
}
