//! `AsPages`: the mapped pages of a range, listed into the caller's IPC buffer in bounded steps
//! (the memory viewer's and the memory server's check's walk).
use super::*;
use crate::mem::paging::LIST_BUDGET;
use abi::layout::{CONSOLE, PAGE_SIZE, USER_END, USER_TOP};
use abi::space::{MappedPage, PAGES_PER_CALL};

const W: u64 = PageRights::WRITE.bits();

/// One `AsPages` call on the space in `slot`: the pages listed and where to go on.
fn list(sim: &mut Sim, t: u16, slot: u64, start: u64, end: u64) -> (Vec<MappedPage>, u64) {
    let r = sim.ok(t, Sysnum::AsPages, [slot, start, end, 0, 0, 0]);
    let pages = (0..r.rdi as usize)
        .map(|i| MappedPage::unpack([sim.ipc_read(t, 2 * i), sim.ipc_read(t, 2 * i + 1)]))
        .collect();
    (pages, r.rsi)
}

/// Every page of `[start, end)`, call after call; also how many calls it took.
fn walk(sim: &mut Sim, t: u16, slot: u64, start: u64, end: u64) -> (Vec<MappedPage>, usize) {
    let (mut all, mut from, mut calls) = (Vec::new(), start, 0);
    while from < end {
        let (pages, next) = list(sim, t, slot, from, end);
        assert!(
            next > from && next <= end,
            "no progress from {from:#x}: {next:#x}"
        );
        assert!(pages.iter().all(|p| p.addr >= from && p.addr < next));
        all.extend(pages);
        (from, calls) = (next, calls + 1);
    }
    (all, calls)
}

fn map(sim: &mut Sim, t: u16, frame: u64, va: u64, rights: u64) {
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, frame, va, rights, 0]);
}

fn alloc(sim: &mut Sim, t: u16, va: u64) -> u64 {
    sim.ok(t, Sysnum::AsAlloc, [SPACE, POOL, va, W, 0, 0]).rdi
}

#[test]
fn lists_frame_rights_and_map_count_of_each_mapped_page() {
    let mut sim = Sim::new();
    let t = sim.task();
    let shared = alloc(&mut sim, t, 0x40_0000);
    map(&mut sim, t, shared, 0x40_2000, PageRights::EXECUTE.bits());
    let (pages, _) = walk(&mut sim, t, SPACE, 0, USER_TOP);
    let ipc = sim.frame_at(t, IPC_BUFFER).unwrap();
    let console = sim.k.console_frame;
    let page = |addr, rights, frame, maps| MappedPage {
        addr,
        rights,
        frame,
        maps,
        shared: false,
    };
    assert_eq!(
        pages,
        [
            page(CONSOLE, PageRights::WRITE, console, 0),
            page(0x40_0000, PageRights::WRITE, shared, 2),
            page(0x40_2000, PageRights::EXECUTE, shared, 2),
            page(IPC_BUFFER, PageRights::WRITE, ipc, 1),
        ]
    );
    // Part of the range: the pages in it only.
    let (pages, next) = list(&mut sim, t, SPACE, 0x40_1000, 0x40_3000);
    assert_eq!(
        (pages.len(), pages[0].addr, next),
        (1, 0x40_2000, 0x40_3000)
    );
}

#[test]
fn a_full_buffer_ends_the_call_at_the_next_page() {
    let mut sim = Sim::new();
    let t = sim.task();
    let base = 0x80_0000;
    for i in 0..40 {
        alloc(&mut sim, t, base + i * PAGE_SIZE);
    }
    let (pages, next) = list(&mut sim, t, SPACE, base, USER_TOP);
    assert_eq!(pages.len(), PAGES_PER_CALL);
    assert_eq!(next, base + PAGES_PER_CALL as u64 * PAGE_SIZE);
    let (rest, _) = walk(&mut sim, t, SPACE, next, USER_TOP);
    assert_eq!(
        rest.len(),
        40 - PAGES_PER_CALL + 1,
        "the rest and the IPC buffer"
    );
}

/// Pages at the two ends of user space: the walk skips the empty tables between them whole, a few
/// calls in all, however far apart they are.
#[test]
fn pages_at_both_ends_of_user_space_cost_a_few_calls() {
    let mut sim = Sim::new();
    let t = sim.task();
    let top = USER_TOP - PAGE_SIZE;
    for va in [PAGE_SIZE, top] {
        alloc(&mut sim, t, va);
    }
    let (pages, calls) = walk(&mut sim, t, SPACE, 0, USER_TOP);
    let addrs: Vec<u64> = pages.iter().map(|p| p.addr).collect();
    assert_eq!(addrs, [PAGE_SIZE, CONSOLE, IPC_BUFFER, top]);
    // Tables met: the two leaves (512 entries each), two level-2 and level-3 tables, the root.
    assert!(calls <= 8, "{calls} calls");
    let (pages, _) = walk(&mut sim, t, SPACE, top, USER_TOP);
    assert_eq!(pages.len(), 1, "a range ending at USER_TOP");
}

#[test]
fn one_call_examines_a_bounded_number_of_entries() {
    let mut sim = Sim::new();
    let t = sim.task();
    // Two last-level tables, nearly empty: 1,021 entries between the pages.
    let (low, high) = (0x4000_1000, 0x4000_0000 + 1023 * PAGE_SIZE);
    alloc(&mut sim, t, low);
    alloc(&mut sim, t, high);
    let from = low + PAGE_SIZE;
    let (pages, next) = list(&mut sim, t, SPACE, from, USER_TOP);
    assert_eq!(
        (pages.len(), next),
        (0, from + LIST_BUDGET as u64 * PAGE_SIZE)
    );
    let (pages, _) = list(&mut sim, t, SPACE, next, USER_TOP);
    assert_eq!(pages[0].addr, high);
    // An empty range (no table at all below 512 GiB... past the first) is skipped in one call.
    let (pages, next) = list(&mut sim, t, SPACE, 1 << 39, 1 << 46);
    assert_eq!((pages.len(), next), (0, 1 << 46));
}

#[test]
fn an_empty_range_lists_nothing() {
    let mut sim = Sim::new();
    let t = sim.task();
    for at in [0, CONSOLE, USER_TOP] {
        assert_eq!(list(&mut sim, t, SPACE, at, at), (vec![], at));
    }
}

#[test]
fn bad_ranges_are_refused() {
    let mut sim = Sim::new();
    let t = sim.task();
    for (start, end) in [
        (0x1001, 0x2000),
        (0x1000, 0x2001),
        (0x2000, 0x1000),
        (0, USER_TOP + PAGE_SIZE),
        (0, USER_END),
        (USER_END, USER_END + PAGE_SIZE),
        (0xffff_8000_0000_0000, 0xffff_8000_0001_0000),
        (0, !(PAGE_SIZE - 1)),
    ] {
        let args = [SPACE, start, end, 0, 0, 0];
        sim.fails(t, Sysnum::AsPages, args, SysError::BadAddress);
    }
}

#[test]
fn listing_needs_a_live_space_with_read_and_an_ipc_buffer() {
    let mut sim = Sim::new();
    let (t, other) = (sim.task(), sim.task());
    let args = |slot| [slot, 0, USER_TOP, 0, 0, 0];
    sim.fails(t, Sysnum::AsPages, args(POOL), SysError::WrongKind);
    sim.fails(t, Sysnum::AsPages, args(FREE), SysError::EmptySlot);
    sim.share(other, SPACE, t, FREE, Rights::MAP | Rights::CONTROL);
    sim.fails(t, Sysnum::AsPages, args(FREE), SysError::MissingRights);
    sim.share(other, SPACE, t, FREE + 1, Rights::READ);
    let (pages, _) = walk(&mut sim, t, FREE + 1, 0, USER_TOP);
    assert_eq!(pages.len(), 2, "another task's console page and IPC buffer");
    // A space destroyed: its capabilities are stale.
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE + 2, 0, 0, 0, 0]);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE + 2, FREE + 3, Rights::READ.bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::AsDestroy, [FREE + 2, 0, 0, 0, 0, 0]);
    sim.fails(t, Sysnum::AsPages, args(FREE + 3), SysError::StaleCap);
    // No IPC buffer: nothing to write into.
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    sim.ok(t, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
    sim.fails(t, Sysnum::AsPages, args(SPACE), SysError::NoIpcBuffer);
    sim.ok(t, Sysnum::FrameFree, [POOL, buffer, 0, 0, 0, 0]);
    assert!(sim.audit());
}
