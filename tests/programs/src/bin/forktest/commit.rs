//! Cases 21-25: the memory server's commitment, exactly — what ends is given back, a fork commits
//! what its child may need, a refused fork or spawn leaves nothing behind, a shrunk heap is gone —
//! and checks that cost what is mapped, not how far apart it is.
//!
//! The heap is moved with raw `sbrk` here, around the program's own allocator (`sbrk_heap!`): no
//! allocation may happen between a `grow` and its `shrink` (talc would take the memory above).
use crate::checks::{allocate_until_refused, exited_with, fork_child, Checks, SCRATCH};
use crate::meet::sleep;
use userlib::abi::memsrv::{ForkMode, MemError};
use userlib::layout::{PAGE_SIZE, STACK_TOP};
use userlib::process::{self, getpid, Error};
use userlib::{println, HZ};
use weensyos::alloc_loop::STACK_RESERVE;
use weensyos::pages;

/// Commits `count` more heap pages; returns the first (page-aligned), or 0 if refused.
pub fn grow(count: u64) -> u64 {
    let Ok(old) = process::sbrk(0) else { return 0 };
    let start = old.next_multiple_of(PAGE_SIZE);
    match process::sbrk((start - old + count * PAGE_SIZE) as i64) {
        Ok(_) => start,
        Err(_) => 0,
    }
}

/// Gives back the last `count` heap pages.
pub fn shrink(count: u64) {
    let _ = process::sbrk(-((count * PAGE_SIZE) as i64));
}

/// How many more heap pages this process could commit now (its job's quota, or the pool's).
pub fn headroom() -> u64 {
    let (mut total, mut step) = (0u64, 1u64 << 36);
    while step >= PAGE_SIZE {
        if process::sbrk(step as i64).is_ok() {
            total += step;
        } else {
            step /= 2;
        }
    }
    let _ = process::sbrk(-(total as i64));
    total / PAGE_SIZE
}

/// Case 21: a process that ended gives back all it had committed: three children in a row each
/// allocate until refused, and each gets as much as the first.
pub fn ended_give_back(c: &mut Checks) {
    let mut got = [0i64; 3];
    for g in got.iter_mut() {
        let child = fork_child(ForkMode::CopyOnWrite, || {
            let (next, _) = allocate_until_refused(SCRATCH);
            ((next - SCRATCH) / PAGE_SIZE) as i32
        });
        *g = match child.map(process::waitpid) {
            Ok(Ok(status)) => status.code,
            _ => -1,
        };
    }
    println!("forktest:21: the children got {got:?} pages");
    c.check(got[0] > 0, "the first child allocated");
    c.check(
        got.iter().all(|&g| g >= got[0] * 99 / 100),
        "each child after an ended one gets as much",
    );
}

/// Case 22: a child is committed what its parent is: with more than half of what the job may
/// commit in its heap, the parent cannot fork (the child's copies could not be honoured); with
/// less it can, and the child writes every page.
pub fn fork_commits_the_parents_pages(c: &mut Checks) {
    let room = headroom();
    let heap = grow(room * 6 / 10);
    let cow = process::fork_with(ForkMode::CopyOnWrite);
    let eager = process::fork_with(ForkMode::Eager);
    for result in [cow, eager] {
        if result == Ok(0) {
            process::exit(0);
        }
    }
    shrink(room * 6 / 10 - room * 3 / 10);
    let pages = room * 3 / 10;
    let child = fork_child(ForkMode::CopyOnWrite, || {
        let me = getpid();
        for i in 0..pages {
            // SAFETY: heap pages committed by `grow`, inherited; nothing lives there.
            unsafe { pages::write(heap + i * PAGE_SIZE, 0, me) };
        }
        0
    });
    let wrote = child.is_ok_and(|pid| exited_with(pid, 0));
    shrink(pages);
    println!("forktest:22: {room} pages of room; forks at 60%: {cow:?}, {eager:?}");
    c.check(heap != 0, "the heap grew");
    c.check(
        cow == Err(Error::Mem(MemError::OutOfMemory))
            && eager == Err(Error::Mem(MemError::OutOfMemory)),
        "with 60% committed, fork and eager fork are refused",
    );
    c.check(wrote, "with 30%, the child writes every heap page");
}

/// Refused forks and spawns in case 23.
const REFUSALS: u32 = 40;

/// Case 23: forks and spawns refused for want of memory leave nothing behind — no record, no
/// process slot, no commitment — so after 40 of each, fork and spawn work and all the memory is
/// there.
pub fn refusals_roll_back(c: &mut Checks) {
    let room = headroom();
    let held = grow(room - 4);
    let mut other = None;
    let mut refused = 0;
    for _ in 0..REFUSALS {
        match process::fork() {
            Err(Error::Mem(MemError::OutOfMemory)) => refused += 1,
            Ok(0) => process::exit(1),
            r => other = Some(r),
        }
        match process::spawn("hello", 0) {
            Err(Error::Mem(MemError::OutOfMemory)) => refused += 1,
            r => other = Some(r),
        }
    }
    shrink(room - 4);
    let after = headroom();
    println!("forktest:23: {refused} refusals, room {room} then {after}; other: {other:?}");
    c.check(held != 0, "the heap grew");
    c.check(
        refused == 2 * REFUSALS,
        "every fork and spawn was refused with OutOfMemory",
    );
    c.check(after == room, "every commitment came back");
    let child = fork_child(ForkMode::CopyOnWrite, || 0);
    c.check(child.is_ok_and(|pid| exited_with(pid, 0)), "fork works");
    let spawned = process::spawn("hello", 0);
    c.check(spawned.is_ok_and(|pid| exited_with(pid, 0)), "spawn works");
}

/// Case 24: pages above a lowered break are unmapped and given back; grown again, the heap reads
/// zero and is committed afresh.
pub fn shrunk_heap_is_gone(c: &mut Checks) {
    const PAGES: u64 = 16;
    let room = headroom();
    let start = grow(PAGES);
    let me = getpid();
    for i in 0..PAGES {
        // SAFETY: heap pages committed by `grow`; nothing lives there.
        unsafe { pages::fill(start + i * PAGE_SIZE, me) };
    }
    shrink(PAGES);
    let unmapped = (0..PAGES).all(|i| process::frame_of(start + i * PAGE_SIZE).is_err());
    let after = headroom();
    let again = grow(PAGES);
    // SAFETY: heap pages committed again by `grow`.
    let zero = (0..PAGES).all(|i| unsafe { pages::is_zero(again + i * PAGE_SIZE) });
    shrink(PAGES);
    c.check(start != 0, "the heap grew");
    c.check(unmapped, "pages above the lowered break are unmapped");
    c.check(after == room, "and their commitment given back");
    c.check(again == start && zero, "grown again, the heap reads zero");
}

/// Case 25: a page at each end of user space, alive while init has the memory server check
/// (`--run-for` checks every two seconds): the check walks two tables' worth of pages, not the
/// 2^35 between them.
pub fn pages_far_apart(c: &mut Checks) {
    let low = PAGE_SIZE;
    let high = STACK_TOP - STACK_RESERVE - PAGE_SIZE;
    c.check(
        process::page_alloc(low).is_ok() && process::page_alloc(high).is_ok(),
        "map a page at each end of user space",
    );
    sleep(5 * HZ);
    c.check(
        process::frame_of(low).is_ok() && process::frame_of(high).is_ok(),
        "both still mapped after the checks",
    );
}
