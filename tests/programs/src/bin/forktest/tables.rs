//! Case 26: a copy-on-write fork shares whole last-level tables. Through three generations and a
//! killed child, every process sees the pages shared (read-only, counted for each sharer) until it
//! writes one, and its write copies that page for it alone.
use crate::checks::{exited_with, filled_page, fork_child, holds, writable, Checks, SCRATCH};
use crate::meet::sleep;
use userlib::abi::memsrv::ForkMode::CopyOnWrite;
use userlib::layout::PAGE_SIZE;
use userlib::process::{self, getpid};
use userlib::{println, HZ};
use weensyos::pages;

/// Eight pages at the start of a 2 MiB span (one last-level table), nothing else in it.
const BASE: u64 = SCRATCH + 0x20_0000;
const PAGES: usize = 8;

fn page(i: usize) -> u64 {
    BASE + i as u64 * PAGE_SIZE
}

/// Frame, rights, map count.
fn mapping(i: usize) -> (u64, u64, u64) {
    process::frame_of(page(i)).unwrap_or((0, 0, 0))
}

/// Writes this process's pattern on page `i`.
fn write(i: usize, owner: u64) {
    // SAFETY: the case's scratch pages, mapped by the parent (inherited by the children); no Rust
    // object lives there.
    unsafe { pages::fill(page(i), owner) };
}

/// Page `i` is still frame `frame`, read-only and shared at least `sharers` ways.
fn shared(i: usize, frame: u64, sharers: u64) -> bool {
    let m = mapping(i);
    let ok = m.0 == frame && m.2 >= sharers && !writable(m.1);
    if !ok {
        println!("forktest:26: page {i}: {m:x?}, expected frame {frame:#x} shared {sharers} ways");
    }
    ok
}

/// A write to page `i` gave this process a copy of its own.
fn copied(i: usize, frame: u64) -> bool {
    let m = mapping(i);
    m.0 != frame && m.2 == 1 && writable(m.1) && holds(page(i), getpid())
}

/// The child's side: it checks, forks a grandchild that writes page 1, then writes page 0.
fn child(parent: u64, frames: [u64; PAGES]) -> i32 {
    if !shared(0, frames[0], 2) {
        return 10;
    }
    let grandchild = fork_child(CopyOnWrite, || {
        if !shared(1, frames[1], 3) {
            return 20;
        }
        write(1, getpid());
        let others = (2..PAGES).all(|i| holds(page(i), parent) && mapping(i).0 == frames[i]);
        if !copied(1, frames[1]) || !others {
            return 21;
        }
        0
    });
    if !grandchild.is_ok_and(|pid| exited_with(pid, 0)) {
        return 11;
    }
    if !holds(page(1), parent) || !shared(1, frames[1], 2) {
        return 12;
    }
    write(0, getpid());
    if !copied(0, frames[0]) || !holds(page(2), parent) {
        return 13;
    }
    0
}

pub fn shared_tables(c: &mut Checks) {
    let me = getpid();
    let mapped = (0..PAGES).all(|i| filled_page(page(i), me));
    c.check(mapped, "page_alloc of eight pages in one 2 MiB span");
    let frames: [u64; PAGES] = core::array::from_fn(|i| mapping(i).0);
    let child = fork_child(CopyOnWrite, || child(me, frames));
    c.check(
        child.is_ok_and(|pid| exited_with(pid, 0)),
        "a child and a grandchild saw the pages shared and each wrote its own copy",
    );
    let kept = (0..PAGES).all(|i| mapping(i).0 == frames[i] && holds(page(i), me));
    c.check(kept, "the parent kept every frame and its contents");
    write(3, me);
    let (m, n) = (mapping(3), mapping(4));
    c.check(
        m.0 == frames[3] && m.2 == 1 && writable(m.1) && n.2 == 1,
        "alone again, the parent writes in place",
    );
    // A child that shares the table and is killed after the parent wrote through it.
    let Ok(sleeper) = fork_child(CopyOnWrite, || {
        sleep(60 * HZ);
        0
    }) else {
        c.check(false, "fork a child that sleeps");
        return;
    };
    c.check(shared(5, frames[5], 2), "shared again with a new child");
    write(5, me + 1);
    let own = copied_for(5, frames[5], me + 1);
    let killed = process::kill(sleeper).is_ok() && process::waitpid(sleeper).is_ok();
    let after = mapping(6);
    c.check(
        own && killed && after.0 == frames[6] && after.2 == 1 && holds(page(6), me),
        "the parent's write was its own; the killed child took nothing of the parent's with it",
    );
    // A child that writes nothing: the table was shared whole, so the parent's first write
    // after it gives back the write right to the whole span at once (to the pages that had it).
    write(7, me);
    let quiet = fork_child(CopyOnWrite, || 0);
    c.check(
        quiet.is_ok_and(|pid| exited_with(pid, 0)),
        "a child that writes nothing",
    );
    let before = mapping(7);
    write(6, me);
    let after = mapping(7);
    c.check(
        !writable(before.1) && writable(after.1) && after.0 == frames[7],
        "one write gave the whole table back, unwritten pages included",
    );
}

/// A write of `owner`'s pattern to page `i` gave a copy (the frame is shared).
fn copied_for(i: usize, frame: u64, owner: u64) -> bool {
    let m = mapping(i);
    m.0 != frame && m.2 == 1 && writable(m.1) && holds(page(i), owner)
}
