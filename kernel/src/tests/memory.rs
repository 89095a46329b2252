//! Frames and address spaces: which frames and addresses user space may use.
use super::host;
use super::*;
use abi::layout::{CONSOLE, USER_END, USER_TOP};

const W: u64 = PageRights::WRITE.bits();

fn alloc(sim: &mut Sim, t: u16) -> u64 {
    sim.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi
}

#[test]
fn new_frames_are_zeroed() {
    let mut sim = Sim::new();
    let t = sim.task();
    // Scribble over every free frame, as an earlier owner might have.
    let free: Vec<u64> = (0..512)
        .filter(|&f| sim.k.frames.state(f) == Some(FrameState::Free))
        .collect();
    for &f in &free {
        phys::write(f, 0, &[0xAA; 4096]);
    }
    for _ in 0..8 {
        let f = alloc(&mut sim, t);
        let mut bytes = [1u8; 4096];
        phys::read(f, 0, &mut bytes);
        assert!(bytes.iter().all(|&b| b == 0), "frame {f} not zeroed");
    }
}

#[test]
fn only_user_frames_can_be_mapped() {
    let mut sim = Sim::new();
    let t = sim.task();
    let root = sim.k.task(t).root;
    let free = (0..512)
        .find(|&f| sim.k.frames.state(f) == Some(FrameState::Free))
        .unwrap();
    let console = sim.k.console_frame;
    for frame in [console, sim.k.kernel_root, root, free, 512, u64::MAX] {
        let map = [SPACE, POOL, frame, 0x40_0000, W, 0];
        sim.fails(t, Sysnum::AsMap, map, SysError::BadFrame);
    }
    for frame in [console, root, free, 512, u64::MAX] {
        sim.fails(
            t,
            Sysnum::FrameFree,
            [POOL, frame, 0, 0, 0, 0],
            SysError::BadFrame,
        );
    }
    let f = alloc(&mut sim, t);
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_0000, W, 0]);
    sim.fails(
        t,
        Sysnum::FrameFree,
        [POOL, f, 0, 0, 0, 0],
        SysError::FrameInUse,
    );
    assert_eq!(
        sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x40_0000, 0, 0, 0, 0])
            .rdi,
        f
    );
    sim.ok(t, Sysnum::FrameFree, [POOL, f, 0, 0, 0, 0]);
    sim.fails(
        t,
        Sysnum::FrameFree,
        [POOL, f, 0, 0, 0, 0],
        SysError::BadFrame,
    );
    assert!(sim.audit());
}

#[test]
fn kernel_half_top_page_and_misaligned_addresses_are_refused() {
    let mut sim = Sim::new();
    let t = sim.task();
    let f = alloc(&mut sim, t);
    for vaddr in [
        USER_TOP,
        USER_END,
        0xffff_8000_0000_0000,
        0xffff_ffff_8000_0000,
        !0xfff,
        0x40_0008,
    ] {
        sim.fails(
            t,
            Sysnum::AsMap,
            [SPACE, POOL, f, vaddr, W, 0],
            SysError::BadAddress,
        );
        sim.fails(
            t,
            Sysnum::AsUnmap,
            [SPACE, vaddr, 0, 0, 0, 0],
            SysError::BadAddress,
        );
        sim.fails(
            t,
            Sysnum::AsProtect,
            [SPACE, vaddr, W, 0, 0, 0],
            SysError::BadAddress,
        );
        sim.fails(
            t,
            Sysnum::AsQuery,
            [SPACE, vaddr, 0, 0, 0, 0],
            SysError::BadAddress,
        );
    }
    // The last mappable page is just below USER_TOP.
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, USER_TOP - 4096, W, 0]);
    sim.fails(
        t,
        Sysnum::AsMap,
        [SPACE, POOL, f, 0x40_0000, 1 << 5, 0],
        SysError::InvalidArgument,
    );
    sim.ok(t, Sysnum::AsUnmap, [SPACE, USER_TOP - 4096, 0, 0, 0, 0]);
    assert!(sim.audit());
}

#[test]
fn a_space_with_live_tasks_cannot_be_destroyed() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.fails(
        t,
        Sysnum::AsDestroy,
        [SPACE, 0, 0, 0, 0, 0],
        SysError::InUse,
    );
    let other = sim.task();
    sim.ok(other, Sysnum::AsCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(other, Sysnum::TaskCreate, [FREE, FREE + 1, 0, 0, 0, 0]);
    sim.fails(
        other,
        Sysnum::AsDestroy,
        [FREE, 0, 0, 0, 0, 0],
        SysError::InUse,
    );
    sim.ok(other, Sysnum::TaskDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    sim.ok(other, Sysnum::AsDestroy, [FREE, 0, 0, 0, 0, 0]);
    sim.fails(
        other,
        Sysnum::AsQuery,
        [FREE, CONSOLE, 0, 0, 0, 0],
        SysError::StaleCap,
    );
    assert!(sim.audit());
}

#[test]
fn unmapping_gives_back_emptied_tables() {
    let mut sim = Sim::new();
    let t = sim.task();
    let tables = |sim: &Sim| sim.k.frames.census().0.page_table;
    let before = tables(&sim);
    let f = alloc(&mut sim, t);
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x100_0000_0000, W, 0]);
    assert_eq!(tables(&sim), before + 3);
    sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x100_0000_0000, 0, 0, 0, 0]);
    assert_eq!(
        tables(&sim),
        before,
        "a page per 512 GiB costs nothing once unmapped"
    );
    assert!(sim.audit());
}

#[test]
fn query_reports_frame_and_rights() {
    let mut sim = Sim::new();
    let t = sim.task();
    let f = alloc(&mut sim, t);
    let x = PageRights::EXECUTE.bits();
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_0000, x, 0]);
    let r = sim.ok(t, Sysnum::AsQuery, [SPACE, 0x40_0000, 0, 0, 0, 0]);
    assert_eq!((r.rdi, r.rsi), (f, x));
    sim.ok(t, Sysnum::AsProtect, [SPACE, 0x40_0000, W, 0, 0, 0]);
    assert_eq!(
        sim.ok(t, Sysnum::AsQuery, [SPACE, 0x40_0000, 0, 0, 0, 0])
            .rsi,
        W
    );
    sim.fails(
        t,
        Sysnum::AsQuery,
        [SPACE, 0x50_0000, 0, 0, 0, 0],
        SysError::NotMapped,
    );
    sim.fails(
        t,
        Sysnum::AsProtect,
        [SPACE, 0x50_0000, 0, 0, 0, 0],
        SysError::NotMapped,
    );
    sim.fails(
        t,
        Sysnum::AsUnmap,
        [SPACE, 0x50_0000, 0, 0, 0, 0],
        SysError::NotMapped,
    );
}

#[test]
fn debug_write_checks_its_pointer() {
    let mut sim = Sim::new();
    let t = sim.task();
    let f = alloc(&mut sim, t);
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_0000, 0, 0]);
    let write = |sim: &mut Sim, ptr: u64, len: u64| {
        sim.syscall(t, Sysnum::DebugWrite, [ptr, len, 0, 0, 0, 0])
            .result()
    };
    assert_eq!(write(&mut sim, 0x40_0000, 0), Ok(()));
    assert_eq!(write(&mut sim, 0x40_0ff0, 16), Ok(()));
    assert_eq!(
        write(&mut sim, 0x40_0ff0, 17),
        Err(SysError::NotMapped),
        "straddles into nothing"
    );
    assert_eq!(write(&mut sim, 0x50_0000, 1), Err(SysError::NotMapped));
    assert_eq!(
        write(&mut sim, 0xffff_ffff_8000_0000, 8),
        Err(SysError::BadAddress)
    );
    assert_eq!(
        write(&mut sim, 0xffff_8000_0000_0000, 8),
        Err(SysError::BadAddress)
    );
    assert_eq!(write(&mut sim, USER_END - 4, 8), Err(SysError::BadAddress));
    assert_eq!(
        write(&mut sim, u64::MAX - 2, 8),
        Err(SysError::BadAddress),
        "wraps"
    );
    assert_eq!(
        write(&mut sim, 0x40_0000, 4097),
        Err(SysError::InvalidArgument)
    );
    assert_eq!(
        write(&mut sim, 0x40_0000, u64::MAX),
        Err(SysError::InvalidArgument)
    );
}

#[test]
fn the_census_counts_objects_and_audits() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.endpoint(t, FREE);
    let r = sim.ok(t, Sysnum::FrameCensus, [SYSTEM, 0, 0, 0, 0, 0]);
    assert_eq!(r.r8, 1, "consistent");
    assert_eq!(
        r.r9,
        1 | 1 << 16 | 1 << 32,
        "one task, one space, one endpoint"
    );
    let buffer = sim.frame_at(t, abi::layout::IPC_BUFFER).unwrap();
    sim.k.frames.adjust_maps(buffer, 1);
    assert_eq!(
        sim.ok(t, Sysnum::FrameCensus, [SYSTEM, 0, 0, 0, 0, 0]).r8,
        0
    );
    sim.fails(
        t,
        Sysnum::FrameCensus,
        [POOL, 0, 0, 0, 0, 0],
        SysError::WrongKind,
    );
}

#[test]
fn the_audit_catches_a_wrong_count_of_entries_in_a_table() {
    let mut sim = Sim::new();
    let t = sim.task();
    assert!(sim.k.audit_frames());
    let root = sim.k.task(t).root;
    sim.k.frames.adjust_used(root, 1);
    assert!(!sim.k.audit_frames());
    sim.k.frames.adjust_used(root, -1);
    assert!(sim.k.audit_frames());
}

#[test]
fn the_audit_catches_a_mapping_of_a_kernel_frame_other_than_the_console() {
    let mut sim = Sim::new();
    let t = sim.task();
    let (root, index) = (sim.k.task(t).root, sim.k.task(t).space);
    let kernel_root = sim.k.kernel_root;
    let k = &mut *sim.k;
    let space = k.spaces.at_mut(index).unwrap();
    let rights = PageRights::empty();
    map_at(
        &mut k.frames,
        root,
        &mut space.tables,
        0x40_0000,
        kernel_root,
        rights,
    )
    .unwrap();
    assert!(!sim.k.audit_frames());
}

#[test]
fn changing_a_mapping_of_the_running_space_flushes_it_from_the_tlb() {
    let mut sim = Sim::new();
    let (t, other) = (sim.task(), sim.task());
    let f = alloc(&mut sim, t);
    sim.share(other, SPACE, t, FREE, Rights::all());
    sim.k.active_root = sim.k.task(t).root;
    host::take_flushed();
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_0000, W, 0]);
    assert_eq!(host::take_flushed(), [], "a new mapping needs none");
    sim.ok(t, Sysnum::AsProtect, [SPACE, 0x40_0000, 0, 0, 0, 0]);
    assert_eq!(host::take_flushed(), [0x40_0000]);
    sim.ok(t, Sysnum::AsUnmap, [SPACE, 0x40_0000, 0, 0, 0, 0]);
    assert_eq!(host::take_flushed(), [0x40_0000]);
    // Another space's entries are not in the TLB.
    sim.ok(t, Sysnum::AsMap, [FREE, POOL, f, 0x40_0000, W, 0]);
    sim.ok(t, Sysnum::AsProtect, [FREE, 0x40_0000, 0, 0, 0, 0]);
    sim.ok(t, Sysnum::AsUnmap, [FREE, 0x40_0000, 0, 0, 0, 0]);
    assert_eq!(host::take_flushed(), []);
}

#[test]
fn debug_write_takes_up_to_a_page() {
    let mut sim = Sim::new();
    let t = sim.task();
    let f = alloc(&mut sim, t);
    sim.ok(t, Sysnum::AsMap, [SPACE, POOL, f, 0x40_0000, 0, 0]);
    sim.ok(t, Sysnum::DebugWrite, [0x40_0000, 4096, 0, 0, 0, 0]);
    sim.fails(
        t,
        Sysnum::DebugWrite,
        [0x40_0000, 4097, 0, 0, 0, 0],
        SysError::InvalidArgument,
    );
    // Nothing to write, nothing to check.
    sim.ok(t, Sysnum::DebugWrite, [0x50_0000, 0, 0, 0, 0, 0]);
}
