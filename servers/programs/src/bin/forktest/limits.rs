//! Cases 7 and 9: running out of memory, and quotas.
use crate::checks::{allocate_until_refused, exited_with, fork_child, Checks, SCRATCH};
use userlib::abi::memsrv::{ForkMode, MemError};
use userlib::layout::PAGE_SIZE;
use userlib::println;
use userlib::process::{self, getpid};

/// The argument of the process case 9 spawns: `forktest:100`.
pub const HELPER: u64 = 100;
/// How many pages the helper allocates.
const HELPER_PAGES: u64 = 256;
/// Case 7's hog: allocates until refused, then forks both ways; both forks must fail cleanly with
/// OutOfMemory (a fork it could not afford would leave it or its child unable to write to its own
/// stack), and it must carry on afterwards. The status names the first check that failed.
fn hog() -> i32 {
    let (next, why) = allocate_until_refused(SCRATCH);
    let pid = getpid();
    println!(
        "forktest:7: pid {pid} holds {} pages; page_alloc: {why}",
        (next - SCRATCH) / PAGE_SIZE
    );
    if why != MemError::OutOfMemory {
        return 30;
    }
    for mode in [ForkMode::CopyOnWrite, ForkMode::Eager] {
        match process::fork_with(mode) {
            Err(MemError::OutOfMemory) => {}
            Ok(0) => process::exit(31),
            Ok(child) => {
                let end = process::waitpid(child);
                println!("forktest:7: pid {pid}: a {mode:?} fork worked after memory ran out; the child: {end:?}");
                return 32;
            }
            Err(e) => {
                println!("forktest:7: pid {pid}: {mode:?} fork: {e} (expected OutOfMemory)");
                return 33;
            }
        }
    }
    println!("forktest:7: pid {pid}: fork and eager fork: OutOfMemory");
    // Still whole: its stack takes writes, the server answers, and memory is still out.
    let stack = core::hint::black_box([pid; 512]);
    let whole = stack.iter().all(|&x| x == getpid())
        && process::page_alloc(next) == Err(MemError::OutOfMemory);
    if whole {
        0
    } else {
        34
    }
}

pub fn fork_out_of_memory(c: &mut Checks) {
    // The hog is a child, so that its memory comes back before the parent forks again.
    match fork_child(ForkMode::CopyOnWrite, hog) {
        Ok(pid) => c.check(
            exited_with(pid, 0),
            "after memory ran out, fork and eager fork failed cleanly with OutOfMemory",
        ),
        Err(e) => c.check(false, &alloc::format!("the first fork: {e}")),
    }
    let again = fork_child(ForkMode::CopyOnWrite, || 0);
    c.check(
        again.is_ok_and(|pid| exited_with(pid, 0)),
        "once the hog exited, fork works again",
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
