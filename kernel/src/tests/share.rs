//! `AsShare` (a range of mappings shared or copied into another space, a bounded piece per call)
//! and `AsCopy` (a mapping replaced by a private copy).
use super::host;
use super::*;
use abi::layout::{CONSOLE, USER_TOP};
use abi::space::ShareMode;

const W: u64 = PageRights::WRITE.bits();
const X: u64 = PageRights::EXECUTE.bits();
const DST: u64 = FREE;
const COW: u64 = ShareMode::COPY_ON_WRITE.to_word();
const EAGER: u64 = ShareMode::EAGER.to_word();

/// A task `t` and a new empty space in its slot `DST`.
fn setup(sim: &mut Sim) -> u16 {
    let t = sim.task();
    sim.ok(t, Sysnum::AsCreate, [POOL, DST, 0, 0, 0, 0]);
    t
}

fn alloc(sim: &mut Sim, t: u16, vaddr: u64, rights: u64) -> u64 {
    sim.ok(t, Sysnum::AsAlloc, [SPACE, POOL, vaddr, rights, 0, 0])
        .rdi
}

fn query(sim: &mut Sim, t: u16, slot: u64, vaddr: u64) -> Option<(u64, u64, u64)> {
    let out = sim.syscall(t, Sysnum::AsQuery, [slot, vaddr, 0, 0, 0, 0]);
    out.result()
        .ok()
        .map(|()| (out.regs.rdi, out.regs.rsi, out.regs.rdx))
}

/// One `AsShare` call; returns where to continue.
fn share(sim: &mut Sim, t: u16, start: u64, end: u64, mode: u64) -> u64 {
    sim.ok(t, Sysnum::AsShare, [SPACE, DST, start, end, mode, POOL])
        .rdi
}

/// `AsShare` until done; returns the number of calls.
fn share_all(sim: &mut Sim, t: u16, start: u64, end: u64, mode: u64) -> usize {
    let (mut at, mut calls) = (start, 0);
    while at < end {
        let next = share(sim, t, at, end, mode);
        assert!(next > at && next <= end, "progress: {at:#x} -> {next:#x}");
        (at, calls) = (next, calls + 1);
    }
    calls
}

fn bytes(frame: u64) -> Vec<u8> {
    let mut b = vec![0; 4096];
    phys::read(frame, 0, &mut b);
    b
}

#[test]
fn copy_on_write_shares_every_user_page_and_takes_write_from_both() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let pages = [
        (0x40_0000, W),
        (0x40_1000, 0),
        (0x40_2000, X),
        (0x80_0000, W | X),
    ];
    let frames: Vec<u64> = pages
        .iter()
        .map(|&(v, r)| alloc(&mut sim, t, v, r))
        .collect();
    share_all(&mut sim, t, 0, USER_TOP, COW);
    for (&(vaddr, rights), &frame) in pages.iter().zip(&frames) {
        let kept = rights & X;
        assert_eq!(query(&mut sim, t, DST, vaddr), Some((frame, kept, 2)));
        assert_eq!(query(&mut sim, t, SPACE, vaddr), Some((frame, kept, 2)));
    }
    // The IPC buffer is a user page too; the console page is not (each space has its own map).
    assert!(query(&mut sim, t, DST, abi::layout::IPC_BUFFER).is_some());
    assert_eq!(query(&mut sim, t, DST, CONSOLE).unwrap().2, 0);
    assert!(sim.audit());
}

#[test]
fn eager_copies_writable_pages_and_shares_the_rest() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let data = alloc(&mut sim, t, 0x40_0000, W);
    let code = alloc(&mut sim, t, 0x40_1000, X);
    phys::write(data, 0, b"private data");
    share_all(&mut sim, t, 0x40_0000, 0x40_2000, EAGER);
    let (copy, rights, maps) = query(&mut sim, t, DST, 0x40_0000).unwrap();
    assert!(copy != data && rights == W && maps == 1);
    assert_eq!(bytes(copy), bytes(data));
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000), Some((data, W, 1)));
    assert_eq!(query(&mut sim, t, DST, 0x40_1000), Some((code, X, 2)));
    assert_eq!(query(&mut sim, t, SPACE, 0x40_1000), Some((code, X, 2)));
    assert!(sim.audit());
}

#[test]
fn one_call_does_one_leaf_table_or_sixteen_copies() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    for i in 0..40 {
        alloc(&mut sim, t, 0x40_0000 + i * 4096, W);
    }
    alloc(&mut sim, t, 0x60_0000, W);
    let end = 0x80_0000;
    assert_eq!(
        share(&mut sim, t, 0x40_0000, end, EAGER),
        0x40_0000 + 16 * 4096
    );
    assert_eq!(
        share(&mut sim, t, 0x41_0000, end, EAGER),
        0x40_0000 + 32 * 4096
    );
    assert_eq!(
        share(&mut sim, t, 0x42_0000, end, EAGER),
        0x60_0000,
        "the table's end"
    );
    assert_eq!(share(&mut sim, t, 0x60_0000, end, EAGER), end);
    assert!(query(&mut sim, t, DST, 0x60_0000).is_some());
    // Shared pages are no copies: a whole table in one call.
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE + 1, 0, 0, 0, 0]);
    let a = [SPACE, FREE + 1, 0x40_0000, end, COW, POOL];
    assert_eq!(sim.ok(t, Sysnum::AsShare, a).rdi, 0x60_0000);
    assert!(sim.audit());
}

#[test]
fn an_empty_range_takes_a_handful_of_calls() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    alloc(&mut sim, t, 0x1000, W);
    alloc(&mut sim, t, 0x7000_0000_0000, W);
    let calls = share_all(&mut sim, t, 0, USER_TOP, COW);
    assert!(calls <= 4, "{calls} calls");
    assert_eq!(query(&mut sim, t, DST, 0x7000_0000_0000).unwrap().2, 2);
    // Nothing at all to share: one call.
    assert_eq!(
        share(&mut sim, t, 0x100_0000_0000, 0x6000_0000_0000, COW),
        0x6000_0000_0000
    );
    assert!(sim.audit());
}

#[test]
fn share_refuses_bad_ranges_modes_and_capabilities() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let bad_ranges = [
        (0x1001, 0x2000),
        (0x1000, 0x2001),
        (0x2000, 0x2000),
        (0x3000, 0x2000),
        (0x1000, USER_TOP + 4096),
        (USER_TOP, USER_TOP + 4096),
        (0x1000, u64::MAX & !0xfff),
    ];
    for (start, end) in bad_ranges {
        let a = [SPACE, DST, start, end, COW, POOL];
        sim.fails(t, Sysnum::AsShare, a, SysError::BadAddress);
    }
    for mode in [1 << 17, 1 << 2, u64::MAX] {
        let a = [SPACE, DST, 0, 0x1000, mode, POOL];
        sim.fails(t, Sysnum::AsShare, a, SysError::InvalidArgument);
    }
    sim.share(t, SPACE, t, FREE + 1, Rights::all());
    let a = [SPACE, FREE + 1, 0, 0x1000, COW, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::InvalidArgument);
    sim.share(t, SPACE, t, FREE + 2, Rights::READ);
    sim.share(t, POOL, t, FREE + 3, Rights::READ);
    let a = [FREE + 2, DST, 0, 0x1000, COW, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::MissingRights);
    let a = [DST, FREE + 2, 0, 0x1000, COW, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::MissingRights);
    let a = [SPACE, DST, 0, 0x1000, EAGER, FREE + 3];
    sim.fails(t, Sysnum::AsShare, a, SysError::MissingRights);
    // Without copies the pool is not looked at.
    sim.ok(t, Sysnum::AsShare, [SPACE, DST, 0, 0x1000, COW, 99]);
    let a = [SPACE, POOL, 0, 0x1000, COW, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::WrongKind);
    assert!(sim.audit());
}

#[test]
fn share_stops_at_an_occupied_destination_and_when_memory_runs_out() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let first = alloc(&mut sim, t, 0x40_0000, 0);
    alloc(&mut sim, t, 0x40_1000, 0);
    let other = sim.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi;
    sim.ok(t, Sysnum::AsMap, [DST, POOL, other, 0x40_1000, 0, 0]);
    let a = [SPACE, DST, 0x40_0000, 0x40_2000, COW, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::AlreadyMapped);
    assert_eq!(
        query(&mut sim, t, DST, 0x40_0000),
        Some((first, 0, 2)),
        "done so far stays"
    );
    assert!(sim.audit());
    // Copies from an empty pool.
    alloc(&mut sim, t, 0x80_0000, W);
    while sim
        .syscall(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0])
        .result()
        .is_ok()
    {}
    let a = [SPACE, DST, 0x80_0000, 0x80_1000, EAGER, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::OutOfMemory);
    assert!(query(&mut sim, t, DST, 0x80_0000).is_none());
    assert!(sim.audit());
}

#[test]
fn taking_write_from_the_running_space_flushes_its_tlb_entries() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    alloc(&mut sim, t, 0x40_0000, W);
    alloc(&mut sim, t, 0x40_1000, X);
    sim.k.active_root = sim.k.task(t).root;
    host::take_flushed();
    share_all(&mut sim, t, 0x40_0000, 0x40_2000, COW);
    assert_eq!(host::take_flushed(), [0x40_0000], "only rights that shrank");
}

#[test]
fn copy_replaces_a_shared_frame_and_releases_the_last_sharer() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let frame = alloc(&mut sim, t, 0x40_0000, W);
    phys::write(frame, 100, b"shared");
    share_all(&mut sim, t, 0x40_0000, 0x40_1000, COW);
    let a = [DST, POOL, 0x40_0000, W, 0, 0];
    let copy = sim.ok(t, Sysnum::AsCopy, a).rdi;
    assert_eq!(query(&mut sim, t, DST, 0x40_0000), Some((copy, W, 1)));
    assert_eq!(bytes(copy), bytes(frame));
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000), Some((frame, 0, 1)));
    // The last sharer copies too (a server would just protect): the old frame is released.
    sim.k.active_root = sim.k.task(t).root;
    host::take_flushed();
    let again = sim
        .ok(t, Sysnum::AsCopy, [SPACE, POOL, 0x40_0000, X, 0, 0])
        .rdi;
    assert_eq!(host::take_flushed(), [0x40_0000]);
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000), Some((again, X, 1)));
    assert_eq!(sim.k.frames.state(frame), Some(FrameState::Free));
    assert!(sim.audit());
}

#[test]
fn copy_refuses_what_it_cannot_copy() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    alloc(&mut sim, t, 0x40_0000, W);
    let cases = [
        ([SPACE, POOL, 0x50_0000, W, 0, 0], SysError::NotMapped),
        ([SPACE, POOL, CONSOLE, W, 0, 0], SysError::BadFrame),
        ([SPACE, POOL, USER_TOP, W, 0, 0], SysError::BadAddress),
        ([SPACE, POOL, 0x40_0008, W, 0, 0], SysError::BadAddress),
        (
            [SPACE, POOL, 0x40_0000, 1 << 5, 0, 0],
            SysError::InvalidArgument,
        ),
        ([SPACE, SPACE, 0x40_0000, W, 0, 0], SysError::WrongKind),
    ];
    for (a, error) in cases {
        sim.fails(t, Sysnum::AsCopy, a, error);
    }
    while sim
        .syscall(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0])
        .result()
        .is_ok()
    {}
    let a = [SPACE, POOL, 0x40_0000, W, 0, 0];
    sim.fails(t, Sysnum::AsCopy, a, SysError::OutOfMemory);
    assert_eq!(
        query(&mut sim, t, SPACE, 0x40_0000).unwrap().1,
        W,
        "unchanged"
    );
    assert!(sim.audit());
}
