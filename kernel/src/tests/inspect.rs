//! What the memory viewer reads: `FrameStates` (the system capability with `READ`), `TaskCaps`
//! (a task capability with `READ`), and `DebugWrite` to the serial port only.
use super::*;
use abi::frames::{FrameView, PER_CALL};
use abi::inspect::{Activity, CapEntry};

/// The frame states `FrameStates` wrote into `t`'s IPC buffer (`count` of them).
fn states(sim: &mut Sim, t: u16, count: usize) -> Vec<FrameView> {
    (0..count)
        .map(|i| FrameView::from_byte(sim.ipc_read(t, i / 8).to_le_bytes()[i % 8]))
        .collect()
}

#[test]
fn frame_states_describe_every_frame_a_byte_each() {
    let mut sim = Sim::new();
    let t = sim.task();
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    let root = sim.k.task(t).root;
    let r = sim.ok(t, Sysnum::FrameStates, [SYSTEM, 0, 0, 0, 0, 0]);
    assert_eq!((r.rdi, r.rsi), (PER_CALL as u64, 512), "512 of 512 frames");
    let all = states(&mut sim, t, PER_CALL);
    assert_eq!(all[buffer as usize], FrameView::User { maps: 1 });
    assert_eq!(all[root as usize], FrameView::PageTable);
    assert_eq!(all[sim.k.console_frame as usize], FrameView::Kernel);
    let census = sim.k.frames.census().0;
    let free = all.iter().filter(|v| **v == FrameView::Free).count();
    assert_eq!(free as u64, census.free);

    // From the middle: the rest, then nothing past the end.
    let r = sim.ok(t, Sysnum::FrameStates, [SYSTEM, 500, 0, 0, 0, 0]);
    assert_eq!(r.rdi, 12);
    let r = sim.ok(t, Sysnum::FrameStates, [SYSTEM, u64::MAX, 0, 0, 0, 0]);
    assert_eq!((r.rdi, r.rsi), (0, 512));
}

#[test]
fn frame_states_need_the_system_capability_with_read() {
    let mut sim = Sim::new();
    let t = sim.task();
    let args = |slot| [slot, 0, 0, 0, 0, 0];
    sim.fails(t, Sysnum::FrameStates, args(POOL), SysError::WrongKind);
    sim.fails(t, Sysnum::FrameStates, args(FREE), SysError::EmptySlot);
    let control = Rights::CONTROL.bits();
    sim.ok(t, Sysnum::CapCopy, [SYSTEM, FREE, control, 0, 0, 0]);
    sim.fails(t, Sysnum::FrameStates, args(FREE), SysError::MissingRights);
    let read = Rights::READ.bits();
    sim.ok(t, Sysnum::CapCopy, [SYSTEM, FREE + 1, read, 0, 0, 0]);
    sim.ok(t, Sysnum::FrameStates, args(FREE + 1));
}

#[test]
fn frame_states_need_an_ipc_buffer() {
    let mut sim = Sim::new();
    let t = sim.task();
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    sim.ok(t, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
    sim.fails(
        t,
        Sysnum::FrameStates,
        [SYSTEM, 0, 0, 0, 0, 0],
        SysError::NoIpcBuffer,
    );
    sim.ok(t, Sysnum::FrameFree, [POOL, buffer, 0, 0, 0, 0]);
    assert!(sim.audit());
}

#[test]
fn task_caps_lists_the_slots_and_what_the_task_waits_on() {
    let mut sim = Sim::new();
    let (t, other) = (sim.task(), sim.task());
    let (endpoint, _) = sim.endpoint(other, FREE);
    sim.share(other, SELF, t, FREE, Rights::READ);
    sim.syscall(other, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    let r = sim.ok(t, Sysnum::TaskCaps, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(r.rdi, 32, "slots 0..32");
    assert_eq!((r.rsi, r.rdx), (Activity::Receiving.raw(), endpoint as u64));
    let slot = |sim: &mut Sim, i: usize| {
        CapEntry::unpack(sim.ipc_read(t, 2 * i), sim.ipc_read(t, 2 * i + 1))
    };
    assert_eq!(slot(&mut sim, POOL as usize).kind, CapKind::FramePool);
    let e = slot(&mut sim, FREE as usize);
    assert_eq!(
        (e.kind, e.index, e.rights),
        (CapKind::Endpoint, endpoint, Rights::all())
    );
    assert_eq!(slot(&mut sim, 0).kind, CapKind::Empty);

    let r = sim.ok(t, Sysnum::TaskCaps, [FREE, 40, 0, 0, 0, 0]);
    assert_eq!(r.rdi, 24, "slots 40..64");
    let r = sim.ok(t, Sysnum::TaskCaps, [FREE, u64::MAX, 0, 0, 0, 0]);
    assert_eq!(r.rdi, 0);
}

#[test]
fn task_caps_needs_read() {
    let mut sim = Sim::new();
    let (t, other) = (sim.task(), sim.task());
    sim.share(other, SELF, t, FREE, Rights::CONTROL);
    let args = [FREE, 0, 0, 0, 0, 0];
    sim.fails(t, Sysnum::TaskCaps, args, SysError::MissingRights);
    sim.fails(
        t,
        Sysnum::TaskCaps,
        [SYSTEM, 0, 0, 0, 0, 0],
        SysError::WrongKind,
    );
}

#[test]
fn debug_write_to_the_serial_port_only_leaves_the_console_alone() {
    let mut sim = Sim::new();
    let t = sim.task();
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    phys::write(buffer, 0, b"\x1b[H");
    let _ = crate::console::printed();
    let serial_only = abi::frames::SERIAL_ONLY;
    sim.ok(t, Sysnum::DebugWrite, [IPC_BUFFER, 3, serial_only, 0, 0, 0]);
    assert_eq!(crate::console::printed(), "\x1b[H");
    sim.fails(
        t,
        Sysnum::DebugWrite,
        [IPC_BUFFER, 3, 2, 0, 0, 0],
        SysError::InvalidArgument,
    );
}
