//! The page-table frames of a space, as the calls that may build tables report them (`AsMap`,
//! `AsAlloc`, `AsShare`) and `AsQuery` reads them: the memory server charges processes for their
//! tables by these counts, so they must be exact.
use super::*;
use abi::layout::CONSOLE;
use abi::space::ShareMode;

const W: u64 = PageRights::WRITE.bits();
const DST: u64 = FREE;

/// The space's own count of its table frames (what the calls must report).
fn counted(sim: &mut Sim, t: u16, slot: u64) -> u64 {
    let cap = sim
        .k
        .task(t)
        .caps
        .lookup(slot, CapKind::AddressSpace, Rights::READ);
    let space = sim.k.spaces.at(cap.unwrap().index).unwrap();
    u64::from(space.tables)
}

fn alloc(sim: &mut Sim, t: u16, vaddr: u64) -> u64 {
    sim.ok(t, Sysnum::AsAlloc, [SPACE, POOL, vaddr, W, 0, 0])
        .rsi
}

fn query(sim: &mut Sim, t: u16, slot: u64, vaddr: u64) -> u64 {
    sim.ok(t, Sysnum::AsQuery, [slot, vaddr, 0, 0, 0, 0]).r10
}

#[test]
fn as_alloc_reports_the_tables_it_built() {
    let mut sim = Sim::new();
    let t = sim.task();
    let before = query(&mut sim, t, SPACE, CONSOLE);
    assert_eq!(before, counted(&mut sim, t, SPACE));
    // A page in the same 2 MiB as the console: no table to build.
    assert_eq!(alloc(&mut sim, t, CONSOLE + 0x1000), before);
    // One in another 2 MiB of the same GiB: a last-level table.
    assert_eq!(alloc(&mut sim, t, 0x40_0000), before + 1);
    // One in another GiB: a directory and a last-level table.
    assert_eq!(alloc(&mut sim, t, 0x4000_0000), before + 3);
    // One in another 512 GiB: three tables.
    assert_eq!(alloc(&mut sim, t, 0x80_0000_0000), before + 6);
    assert_eq!(query(&mut sim, t, SPACE, CONSOLE), before + 6);
    assert_eq!(counted(&mut sim, t, SPACE), before + 6);
    // Tables left empty go with the unmap, and the count says so.
    sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x80_0000_0000, 1, 0, 0, 0]);
    assert_eq!(query(&mut sim, t, SPACE, CONSOLE), before + 3);
    assert!(sim.audit());
}

#[test]
fn as_map_reports_the_tables_it_built() {
    let mut sim = Sim::new();
    let t = sim.task();
    let before = counted(&mut sim, t, SPACE);
    let frame = sim.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi;
    let out = sim.ok(t, Sysnum::AsMap, [SPACE, POOL, frame, 0x1_0000_0000, W, 0]);
    assert_eq!(out.rdi, before + 2);
    assert_eq!(counted(&mut sim, t, SPACE), before + 2);
    // A failed map reports nothing new and changes nothing.
    sim.fails(
        t,
        Sysnum::AsMap,
        [SPACE, POOL, frame, 0x1_0000_0000, W, 0],
        SysError::AlreadyMapped,
    );
    assert_eq!(counted(&mut sim, t, SPACE), before + 2);
}

#[test]
fn as_share_reports_the_destinations_tables() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::AsCreate, [POOL, DST, 0, 0, 0, 0]);
    let empty = query(&mut sim, t, DST, CONSOLE);
    for vaddr in [0x40_0000, 0x4000_0000, 0x80_0000_0000] {
        alloc(&mut sim, t, vaddr);
    }
    let cow = ShareMode::COPY_ON_WRITE.to_word();
    let (mut at, mut last) = (0x40_0000, 0);
    while at < 0x100_0000_0000 {
        let out = sim.ok(
            t,
            Sysnum::AsShare,
            [SPACE, DST, at, 0x100_0000_0000, cow, POOL],
        );
        (at, last) = (out.rdi, out.rsi);
        assert_eq!(last, counted(&mut sim, t, DST), "after a call to {at:#x}");
    }
    // The console's tables were there; the three pages needed a table, a directory and a table,
    // and a pointer table, a directory and a table.
    assert_eq!(last, empty + 6);
    assert_eq!(query(&mut sim, t, DST, CONSOLE), last);
    assert!(sim.audit());
}
