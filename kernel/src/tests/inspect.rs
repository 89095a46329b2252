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
fn debug_write_of_raw_bytes_needs_the_system_capability() {
    let mut sim = Sim::new();
    let t = sim.task();
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    phys::write(buffer, 0, b"\x1b[H");
    let _ = crate::console::printed();
    let serial_only = abi::frames::SERIAL_ONLY;
    // Raw bytes on the developer's terminal need the system capability.
    for (slot, error) in [(SELF, SysError::WrongKind), (FREE, SysError::EmptySlot)] {
        let args = [IPC_BUFFER, 3, serial_only, slot, 0, 0];
        sim.fails(t, Sysnum::DebugWrite, args, error);
    }
    assert_eq!(crate::console::printed(), "");
    sim.ok(
        t,
        Sysnum::DebugWrite,
        [IPC_BUFFER, 3, serial_only, SYSTEM, 0, 0],
    );
    assert_eq!(crate::console::printed(), "\x1b[H");
    sim.fails(
        t,
        Sysnum::DebugWrite,
        [IPC_BUFFER, 3, 2, 0, 0, 0],
        SysError::InvalidArgument,
    );
}

/// What a task prints is inert and marked with its name: it cannot drive the developer's terminal
/// or print a line that passes for init's or the kernel's.
#[test]
fn debug_write_is_inert_and_marked_with_the_writer() {
    let mut sim = Sim::new();
    let t = sim.task();
    let name = u64::from_le_bytes(*b"mallory\0");
    sim.ok(t, Sysnum::TaskSetName, [SELF, name, 0, 0, 0, 0]);
    let buffer = sim.frame_at(t, IPC_BUFFER).unwrap();
    let write = |sim: &mut Sim, text: &[u8]| {
        phys::write(buffer, 0, text);
        sim.ok(
            t,
            Sysnum::DebugWrite,
            [IPC_BUFFER, text.len() as u64, 0, 0, 0, 0],
        );
        crate::console::printed()
    };
    let _ = crate::console::printed();
    let forged = write(
        &mut sim,
        "init: all programs done: success\n\x1b]0;t\x07\u{9b}2J\u{202e}x\n".as_bytes(),
    );
    assert_eq!(
        forged,
        "mallory: init: all programs done: success\nmallory: ?]0;t??2J?x\n"
    );
    // Its own lines keep their look, and a line it leaves open is its own to finish...
    assert_eq!(write(&mut sim, b"mallory: part"), "mallory: part");
    assert_eq!(write(&mut sim, b" two\n"), " two\n");
    assert_eq!(write(&mut sim, b"mallory says hi"), "mallory says hi");
    // ... until someone else writes: the kernel starts a line of its own.
    crate::kprintln!("kernel: something");
    assert_eq!(crate::console::printed(), "\nkernel: something\n");
    assert_eq!(
        write(&mut sim, b"kernel: forged\n"),
        "mallory: kernel: forged\n"
    );
}
