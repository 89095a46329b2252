//! Device-frame capabilities (`DeviceFramesCreate`, `AsMapDevice`): every decode error, and device
//! pages that are never counted, shared, copied or freed as user frames, and leave nothing behind.
use super::*;
use crate::mem::device::DeviceMemory;
use abi::device::FRAMEBUFFER;
use abi::layout::CONSOLE;
use abi::space::{ShareMode, UnmapFlags};

/// The device-frame capability's slot.
const D: u64 = FREE;
/// A second space of the same task.
const OTHER: u64 = FREE + 1;
const W: u64 = PageRights::WRITE.bits();
/// Where the tests map the device.
const AT: u64 = 0x4000_0000;
/// The fake framebuffer: 8 frames beyond the 512 of the Sim's frame table, as a real one lies
/// beyond RAM.
const FIRST: u64 = 4096;
const GEOMETRY: [u64; 6] = [64, 32, 64, 4, 1, 8];

fn with_framebuffer(first: u64) -> Sim {
    let mut sim = Sim::new();
    let geometry = GEOMETRY;
    sim.k.framebuffer = Some(DeviceMemory { first, geometry });
    sim
}

fn create(sim: &mut Sim, t: u16) -> SavedRegs {
    sim.ok(
        t,
        Sysnum::DeviceFramesCreate,
        [SYSTEM, FRAMEBUFFER, D, 0, 0, 0],
    )
}

fn map(sim: &mut Sim, t: u16, page: u64) -> Out {
    let vaddr = AT + page * 4096;
    sim.syscall(t, Sysnum::AsMapDevice, [D, SPACE, vaddr, page, W, 0])
}

fn census(sim: &Sim) -> crate::mem::frames::Census {
    sim.k.frames.census().0
}

#[test]
fn device_frames_create_checks_authority_device_and_slot() {
    use SysError::*;
    let create_call = Sysnum::DeviceFramesCreate;
    let mut none = Sim::new();
    let t = none.task();
    let no_device = [SYSTEM, FRAMEBUFFER, D, 0, 0, 0];
    none.fails(t, create_call, no_device, NotMapped);
    drop(none); // (one Sim at a time: each holds the physical memory)

    let mut sim = with_framebuffer(FIRST);
    let t = sim.task();
    sim.fails(t, create_call, [POOL, FRAMEBUFFER, D, 0, 0, 0], WrongKind);
    sim.share(t, SYSTEM, t, FREE + 5, Rights::all() - Rights::DEVICE);
    let weak = [FREE + 5, FRAMEBUFFER, D, 0, 0, 0];
    sim.fails(t, create_call, weak, MissingRights);
    for device in [1, u64::MAX] {
        let other = [SYSTEM, device, D, 0, 0, 0];
        sim.fails(t, create_call, other, InvalidArgument);
    }
    let taken = [SYSTEM, FRAMEBUFFER, POOL, 0, 0, 0];
    sim.fails(t, create_call, taken, SlotOccupied);
    let r = create(&mut sim, t);
    assert_eq!([r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9], GEOMETRY);
    assert!(sim.audit());
}

/// A Sim whose frames from 500 on are not RAM (unusable, as firmware's or a device's below the
/// top of RAM), with the framebuffer at `first`.
fn with_unusable_top(first: u64) -> Sim {
    let mut sim = with_framebuffer(first);
    let states = Box::leak(vec![FrameState::Unusable; 512].into_boxed_slice());
    let free = Box::leak(vec![0u32; 512].into_boxed_slice());
    sim.k.frames = crate::mem::frames::FrameTable::new(states, free);
    for frame in (0..500).rev() {
        sim.k.frames.add_free(frame);
    }
    sim.k.kernel_root = sim.k.frames.alloc(FrameState::Kernel).unwrap();
    sim.k.console_frame = sim.k.frames.alloc(FrameState::Kernel).unwrap();
    sim
}

#[test]
fn device_memory_the_frame_table_calls_ram_is_refused() {
    let call = [SYSTEM, FRAMEBUFFER, D, 0, 0, 0];
    // Over frames of RAM (free, the kernel's, page tables, or partly): never handed out.
    for first in [0, 250, 496] {
        let mut sim = with_unusable_top(first);
        let t = sim.task();
        sim.fails(t, Sysnum::DeviceFramesCreate, call, SysError::BadFrame);
        assert!(sim.audit());
    }
    // Unusable frames inside the table are not RAM: handed out, mapped, audited.
    let mut sim = with_unusable_top(504);
    let t = sim.task();
    create(&mut sim, t);
    assert_eq!(map(&mut sim, t, 7).result(), Ok(()));
    assert_eq!(sim.frame_at(t, AT + 7 * 4096), Some(511));
    assert_eq!(sim.k.frames.state(511), Some(FrameState::Unusable));
    assert!(sim.audit());
}

#[test]
fn as_map_device_checks_every_argument() {
    use SysError::*;
    let mut sim = with_framebuffer(FIRST);
    let t = sim.task();
    create(&mut sim, t);
    let call = Sysnum::AsMapDevice;
    let x = PageRights::EXECUTE.bits();
    for (args, error) in [
        ([SPACE, SPACE, AT, 0, W, 0], WrongKind),
        ([D, D, AT, 0, W, 0], WrongKind),
        ([D, SPACE, AT, 8, W, 0], InvalidArgument),
        ([D, SPACE, AT, u64::MAX, W, 0], InvalidArgument),
        ([D, SPACE, AT, 0, x, 0], InvalidArgument),
        ([D, SPACE, AT, 0, 1 << 9, 0], InvalidArgument),
        ([D, SPACE, AT + 1, 0, W, 0], BadAddress),
        ([D, SPACE, USER_END_PAGE, 0, W, 0], BadAddress),
        ([D, SPACE, u64::MAX & !0xfff, 0, W, 0], BadAddress),
        ([D, SPACE, CONSOLE, 0, W, 0], AlreadyMapped),
        ([D, SPACE, IPC_BUFFER, 0, W, 0], AlreadyMapped),
        ([D, 64, AT, 0, W, 0], InvalidSlot),
    ] {
        sim.fails(t, call, args, error);
    }
    sim.share(t, D, t, FREE + 5, Rights::all() - Rights::MAP);
    sim.fails(t, call, [FREE + 5, SPACE, AT, 0, W, 0], MissingRights);
    sim.share(t, SPACE, t, FREE + 6, Rights::all() - Rights::MAP);
    sim.fails(t, call, [D, FREE + 6, AT, 0, W, 0], MissingRights);
    assert_eq!(map(&mut sim, t, 7).result(), Ok(()));
    assert_eq!(map(&mut sim, t, 7).result(), Err(AlreadyMapped));
    // Never made executable afterwards either.
    let device_page = AT + 7 * 4096;
    sim.fails(
        t,
        Sysnum::AsProtect,
        [SPACE, device_page, x | W, 0, 0, 0],
        InvalidArgument,
    );
    sim.ok(t, Sysnum::AsProtect, [SPACE, device_page, 0, 0, 0, 0]);
    assert!(sim.audit());
}

/// The last page-aligned address of the lower half: `USER_TOP` itself is never mapped.
const USER_END_PAGE: u64 = abi::layout::USER_TOP;

#[test]
fn device_pages_are_never_counted_shared_copied_or_freed() {
    let mut sim = with_framebuffer(FIRST);
    let t = sim.task();
    create(&mut sim, t);
    let before = census(&sim);
    for page in 0..8 {
        assert_eq!(map(&mut sim, t, page).result(), Ok(()));
    }
    assert_eq!(sim.frame_at(t, AT + 3 * 4096), Some(FIRST + 3));
    let q = sim.ok(t, Sysnum::AsQuery, [SPACE, AT, 0, 0, 0, 0]);
    assert_eq!((q.rdi, q.rdx), (FIRST, 0), "the frame, no map count");
    let after = census(&sim);
    let tables = 2; // (the level-2 and last-level tables for `AT`)
    assert_eq!(
        (after.user, after.free + tables),
        (before.user, before.free)
    );
    assert!(sim.audit(), "device pages pass the audit");

    // Not a frame of the pool: no `AsMap`, no `FrameFree`, no copy.
    sim.fails(
        t,
        Sysnum::AsMap,
        [SPACE, POOL, FIRST, 0x40_0000, W, 0],
        SysError::BadFrame,
    );
    sim.fails(
        t,
        Sysnum::FrameFree,
        [POOL, FIRST, 0, 0, 0, 0],
        SysError::BadFrame,
    );
    let copy = [SPACE, POOL, AT, W, 0, 0];
    sim.fails(t, Sysnum::AsCopy, copy, SysError::BadFrame);
    // Shared or copied into another space: skipped.
    sim.ok(t, Sysnum::AsCreate, [POOL, OTHER, 0, 0, 0, 0]);
    let modes = [
        ShareMode::COPY_ON_WRITE,
        ShareMode::EAGER,
        ShareMode::COPY_ON_WRITE_TABLES,
    ];
    for mode in modes {
        // (The whole 2 MiB: a table of device pages is not shared whole either.)
        let share = [SPACE, OTHER, AT, AT + 0x20_0000, mode.to_word(), POOL];
        sim.ok(t, Sysnum::AsShare, share);
        let listed = sim.ok(t, Sysnum::AsPages, [OTHER, AT, AT + 8 * 4096, 0, 0, 0]);
        assert_eq!(listed.rdi, 0, "nothing shared");
    }
    // Unmapped (even asking for the frame's release): dropped, nothing freed.
    let release = UnmapFlags::RELEASE.bits();
    let unmapped = sim.ok(t, Sysnum::AsUnmap, [SPACE, AT, release, 0, 0, 0]);
    assert_eq!(unmapped.rdi, FIRST);
    assert_eq!(sim.k.frames.state(FIRST), None);
    assert!(sim.audit());
    let free_before = census(&sim).free;
    sim.ok(t, Sysnum::AsDestroy, [OTHER, 0, 0, 0, 0, 0]);
    let freed = census(&sim).free - free_before;
    assert_eq!(
        freed, 4,
        "its root and the console's tables: nothing was shared into it"
    );
    assert!(sim.audit());
}

#[test]
fn a_space_destroyed_with_device_pages_mapped_gives_back_exactly_its_tables() {
    let mut sim = with_framebuffer(FIRST);
    let t = sim.task();
    create(&mut sim, t);
    let before = census(&sim);
    sim.ok(t, Sysnum::AsCreate, [POOL, OTHER, 0, 0, 0, 0]);
    for page in 0..8 {
        let args = [D, OTHER, AT + page * 4096, page, W, 0];
        sim.ok(t, Sysnum::AsMapDevice, args);
    }
    let mid = census(&sim);
    assert_eq!(mid.user, before.user);
    assert_eq!(
        mid.page_table,
        before.page_table + 6,
        "the root, the console's three tables, two for the device"
    );
    assert!(sim.audit());
    sim.ok(t, Sysnum::AsDestroy, [OTHER, 0, 0, 0, 0, 0]);
    assert_eq!(census(&sim), before);
    assert!(sim.audit());
    // The capability outlives the space; deleting it changes nothing either.
    sim.ok(t, Sysnum::CapDelete, [D, 0, 0, 0, 0, 0]);
    assert_eq!(census(&sim), before);
    assert!(sim.audit());
}

#[test]
fn the_audit_refuses_a_mapping_outside_ram_beyond_the_device() {
    let mut sim = with_framebuffer(FIRST);
    let t = sim.task();
    create(&mut sim, t);
    assert_eq!(map(&mut sim, t, 0).result(), Ok(()));
    assert!(sim.audit());
    // The same mapping, were the kernel to forget the device: caught.
    sim.k.framebuffer = None;
    assert!(!sim.k.audit_frames());
}
