//! Frames that come and go with their mappings: `AsAlloc`, `AsQuery`'s map count, `AsUnmap` with
//! `RELEASE`, and `AsDestroy` giving back what only it mapped.
use super::*;
use abi::layout::{CONSOLE, USER_TOP};
use abi::space::UnmapFlags;

const W: u64 = PageRights::WRITE.bits();
const RELEASE: u64 = UnmapFlags::RELEASE.bits();

fn census(sim: &Sim) -> crate::mem::frames::Census {
    let (c, consistent) = sim.k.frames.census();
    assert!(consistent);
    c
}

/// Frames from the pool until it is empty.
fn drain(sim: &mut Sim, t: u16) -> Vec<u64> {
    let mut taken = Vec::new();
    for _ in 0..512 {
        match sim.syscall(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]) {
            out if out.result().is_ok() => taken.push(out.regs.rdi),
            out => {
                assert_eq!(out.result(), Err(SysError::OutOfMemory));
                return taken;
            }
        }
    }
    panic!("the pool never ran dry");
}

fn query(sim: &mut Sim, t: u16, slot: u64, vaddr: u64) -> (u64, u64, u64) {
    let r = sim.ok(t, Sysnum::AsQuery, [slot, vaddr, 0, 0, 0, 0]);
    (r.rdi, r.rsi, r.rdx)
}

#[test]
fn alloc_maps_a_zeroed_frame_with_the_rights_asked() {
    let mut sim = Sim::new();
    let t = sim.task();
    for f in 0..512 {
        if sim.k.frames.state(f) == Some(FrameState::Free) {
            phys::write(f, 0, &[0xAA; 4096]);
        }
    }
    let x = PageRights::EXECUTE.bits();
    let frame = sim
        .ok(t, Sysnum::AsAlloc, [SPACE, POOL, 0x40_0000, x, 0, 0])
        .rdi;
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000), (frame, x, 1));
    let mut bytes = [1u8; 4096];
    phys::read(frame, 0, &mut bytes);
    assert!(bytes.iter().all(|&b| b == 0), "zeroed");
    assert!(sim.audit());
}

#[test]
fn alloc_refuses_what_map_refuses_before_taking_a_frame() {
    let mut sim = Sim::new();
    let t = sim.task();
    let free = census(&sim).free;
    for vaddr in [USER_TOP, 0x40_0008, 0xffff_8000_0000_0000] {
        let a = [SPACE, POOL, vaddr, W, 0, 0];
        sim.fails(t, Sysnum::AsAlloc, a, SysError::BadAddress);
    }
    let a = [SPACE, POOL, 0x40_0000, 1 << 5, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::InvalidArgument);
    let a = [SPACE, POOL, CONSOLE, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::AlreadyMapped);
    let a = [POOL, POOL, 0x40_0000, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::WrongKind);
    sim.share(t, SPACE, t, FREE, Rights::READ);
    sim.share(t, POOL, t, FREE + 1, Rights::READ);
    let a = [FREE, POOL, 0x40_0000, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::MissingRights);
    let a = [SPACE, FREE + 1, 0x40_0000, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::MissingRights);
    assert_eq!(census(&sim).free, free, "no frame taken");
    // With the pool empty, an occupied address is still AlreadyMapped.
    drain(&mut sim, t);
    let a = [SPACE, POOL, CONSOLE, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::AlreadyMapped);
    let a = [SPACE, POOL, 0x1000, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::OutOfMemory);
    assert!(sim.audit());
}

#[test]
fn alloc_out_of_memory_for_tables_or_the_frame_takes_no_frame() {
    let mut sim = Sim::new();
    let t = sim.task();
    let taken = drain(&mut sim, t);
    // Two frames back: two of the three tables a new 512 GiB region needs.
    for &f in &taken[..2] {
        sim.ok(t, Sysnum::FrameFree, [POOL, f, 0, 0, 0, 0]);
    }
    let before = census(&sim);
    let a = [SPACE, POOL, 0x100_0000_0000, W, 0, 0];
    sim.fails(t, Sysnum::AsAlloc, a, SysError::OutOfMemory);
    let after = census(&sim);
    assert_eq!(
        (after.page_table, after.user),
        (before.page_table + 2, before.user)
    );
    assert!(sim.audit(), "the tables made are the space's");
    // One more: the last table; then none for the frame itself.
    sim.ok(t, Sysnum::FrameFree, [POOL, taken[2], 0, 0, 0, 0]);
    sim.fails(t, Sysnum::AsAlloc, a, SysError::OutOfMemory);
    assert_eq!(
        census(&sim).user,
        before.user - 1,
        "taken[2] is a table now"
    );
    sim.ok(t, Sysnum::FrameFree, [POOL, taken[3], 0, 0, 0, 0]);
    assert_eq!(sim.ok(t, Sysnum::AsAlloc, a).rdi, taken[3]);
    assert!(sim.audit());
}

#[test]
fn query_counts_the_mappings_of_a_user_frame_and_none_of_the_console() {
    let mut sim = Sim::new();
    let (t, u) = (sim.task(), sim.task());
    sim.share(u, SPACE, t, FREE, Rights::all());
    let f = sim
        .ok(t, Sysnum::AsAlloc, [SPACE, POOL, 0x40_0000, W, 0, 0])
        .rdi;
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000).2, 1);
    sim.ok(t, Sysnum::AsMap, [FREE, POOL, f, 0x50_0000, 0, 0]);
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x60_0000, 0, 0]);
    assert_eq!(query(&mut sim, t, SPACE, 0x40_0000), (f, W, 3));
    assert_eq!(query(&mut sim, t, FREE, 0x50_0000), (f, 0, 3));
    let console = sim.k.console_frame;
    assert_eq!(query(&mut sim, t, SPACE, CONSOLE), (console, W, 0));
}

#[test]
fn unmap_with_release_frees_the_frame_with_its_last_mapping() {
    let mut sim = Sim::new();
    let t = sim.task();
    let f = sim
        .ok(t, Sysnum::AsAlloc, [SPACE, POOL, 0x40_0000, W, 0, 0])
        .rdi;
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_1000, W, 0]);
    let bad = [SPACE, 0x40_0000, 2, 0, 0, 0];
    sim.fails(t, Sysnum::AsUnmap, bad, SysError::InvalidArgument);
    let bad = [SPACE, 0x40_0000, RELEASE | 1 << 63, 0, 0, 0];
    sim.fails(t, Sysnum::AsUnmap, bad, SysError::InvalidArgument);
    assert_eq!(
        query(&mut sim, t, SPACE, 0x40_0000).2,
        2,
        "nothing unmapped"
    );
    let r = sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x40_0000, RELEASE, 0, 0, 0]);
    assert_eq!(r.rdi, f);
    assert_eq!(sim.k.frames.state(f), Some(FrameState::User { maps: 1 }));
    let r = sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x40_1000, RELEASE, 0, 0, 0]);
    assert_eq!((r.rdi, sim.k.frames.state(f)), (f, Some(FrameState::Free)));
    sim.fails(
        t,
        Sysnum::FrameFree,
        [POOL, f, 0, 0, 0, 0],
        SysError::BadFrame,
    );
    // Without the flag the frame stays the pool holder's.
    let g = sim
        .ok(t, Sysnum::AsAlloc, [SPACE, POOL, 0x40_0000, W, 0, 0])
        .rdi;
    sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x40_0000, 0, 0, 0, 0]);
    assert_eq!(sim.k.frames.state(g), Some(FrameState::User { maps: 0 }));
    // The console page is kernel data: releasing its mapping frees nothing.
    sim.ok(t, Sysnum::AsUnmap, [SPACE, CONSOLE, RELEASE, 0, 0, 0]);
    assert_eq!(
        sim.k.frames.state(sim.k.console_frame),
        Some(FrameState::Kernel)
    );
    assert!(sim.audit());
}

#[test]
fn destroying_a_space_releases_the_frames_only_it_mapped() {
    let mut sim = Sim::new();
    let t = sim.task();
    let before = census(&sim);
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE, 0, 0, 0, 0]);
    let mut own = Vec::new();
    for i in 0..40 {
        let a = [FREE, POOL, 0x40_0000 + i * 0x20_0000, W, 0, 0];
        own.push(sim.ok(t, Sysnum::AsAlloc, a).rdi);
    }
    // One frame also mapped in t's space, one unmapped but kept by the pool holder.
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, own[0], 0x40_0000, W, 0]);
    let kept = sim.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi;
    sim.ok(t, Sysnum::AsDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(
        sim.k.frames.state(own[0]),
        Some(FrameState::User { maps: 1 })
    );
    for &f in &own[1..] {
        assert_eq!(sim.k.frames.state(f), Some(FrameState::Free));
        sim.fails(
            t,
            Sysnum::FrameFree,
            [POOL, f, 0, 0, 0, 0],
            SysError::BadFrame,
        );
    }
    assert_eq!(sim.k.frames.state(kept), Some(FrameState::User { maps: 0 }));
    let after = census(&sim);
    assert_eq!(after.user, before.user + 2);
    assert_eq!(
        after.page_table,
        before.page_table + 1,
        "t's tables at 0x40_0000"
    );
    assert!(sim.audit());
    // A space reclaimed with its last capability releases the same way.
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE + 1, 0, 0, 0, 0]);
    let f = sim
        .ok(t, Sysnum::AsAlloc, [FREE + 1, POOL, 0x1000, W, 0, 0])
        .rdi;
    sim.ok(t, Sysnum::CapDelete, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(sim.k.frames.state(f), Some(FrameState::Free));
    assert_eq!(census(&sim).user, after.user);
    assert!(sim.audit());
}
