//! Capability operations: rights only shrink, badges are fixed, misuse gets a precise error.
use super::*;

const ALL: u64 = Rights::all().bits();

#[test]
fn copies_never_gain_rights() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.endpoint(t, FREE);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 1, Rights::SEND.bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::CapCopy, [FREE + 1, FREE + 2, ALL, 0, 0, 0]);
    let r = sim.ok(t, Sysnum::CapInfo, [FREE + 2, 0, 0, 0, 0, 0]);
    assert_eq!(
        (r.rdi, r.rsi),
        (CapKind::Endpoint.raw(), Rights::SEND.bits())
    );
    sim.fails(
        t,
        Sysnum::Recv,
        [FREE + 2, 0, 0, 0, 0, 0],
        SysError::MissingRights,
    );
    sim.fails(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 3, 1 << 40, 0, 0, 0],
        SysError::InvalidArgument,
    );
}

#[test]
fn badges_are_given_once() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.endpoint(t, FREE);
    sim.ok(t, Sysnum::CapMint, [FREE, FREE + 1, ALL, 7, 0, 0]);
    assert_eq!(sim.ok(t, Sysnum::CapInfo, [FREE + 1, 0, 0, 0, 0, 0]).rdx, 7);
    sim.fails(
        t,
        Sysnum::CapMint,
        [FREE + 1, FREE + 2, ALL, 8, 0, 0],
        SysError::InvalidArgument,
    );
    sim.fails(
        t,
        Sysnum::CapMint,
        [FREE, FREE + 2, ALL, 0, 0, 0],
        SysError::InvalidArgument,
    );
    sim.fails(
        t,
        Sysnum::CapMint,
        [SELF, FREE + 2, ALL, 1, 0, 0],
        SysError::WrongKind,
    );
}

#[test]
fn giving_a_capability_honours_the_mask() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    sim.share(b, SELF, a, FREE, Rights::all());
    sim.endpoint(a, FREE + 1);
    let give = [FREE, FREE + 1, 20, Rights::SEND.bits(), 0, 0];
    sim.ok(a, Sysnum::TaskGiveCap, give);
    assert_eq!(sim.k.task(b).caps.get(20).unwrap().rights, Rights::SEND);
    sim.fails(a, Sysnum::TaskGiveCap, give, SysError::SlotOccupied);
    let weak = [FREE, FREE + 1, 21, 0, 0, 0];
    sim.ok(
        a,
        Sysnum::CapCopy,
        [FREE, FREE + 2, Rights::READ.bits(), 0, 0, 0],
    );
    sim.fails(
        a,
        Sysnum::TaskGiveCap,
        [FREE + 2, FREE + 1, 21, 0, 0, 0],
        SysError::MissingRights,
    );
    sim.ok(a, Sysnum::TaskGiveCap, weak);
    assert!(sim.audit());
}

#[test]
fn misuse_gets_precise_errors() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.endpoint(t, FREE);
    let cases: [(Sysnum, [u64; 6], SysError); 10] = [
        (Sysnum::Send, [FREE + 1, 0, 0, 0, 0, 0], SysError::EmptySlot),
        (Sysnum::Send, [64, 0, 0, 0, 0, 0], SysError::InvalidSlot),
        (
            Sysnum::Send,
            [u64::MAX, 0, 0, 0, 0, 0],
            SysError::InvalidSlot,
        ),
        (Sysnum::Send, [SELF, 0, 0, 0, 0, 0], SysError::WrongKind),
        (
            Sysnum::FrameAlloc,
            [FREE, 0, 0, 0, 0, 0],
            SysError::WrongKind,
        ),
        (Sysnum::AsMap, [POOL, POOL, 0, 0, 0, 0], SysError::WrongKind),
        (
            Sysnum::CapCopy,
            [FREE, FREE, ALL, 0, 0, 0],
            SysError::SlotOccupied,
        ),
        (
            Sysnum::CapDelete,
            [FREE + 5, 0, 0, 0, 0, 0],
            SysError::EmptySlot,
        ),
        (Sysnum::Shutdown, [POOL, 0, 0, 0, 0, 0], SysError::WrongKind),
        (
            Sysnum::Shutdown,
            [SYSTEM, 7, 0, 0, 0, 0],
            SysError::InvalidArgument,
        ),
    ];
    for (num, args, error) in cases {
        sim.fails(t, num, args, error);
    }
    // The first number past the last syscall, and others no syscall has.
    let past = Sysnum::ALL.iter().map(|n| n.raw()).max().unwrap() + 1;
    for raw in [past, 99, u64::MAX, 1 << 32] {
        let out = sim.syscall_r12(t, raw, [0; 6], 0);
        assert_eq!(out.result(), Err(SysError::UnknownSyscall));
    }
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 1, Rights::SEND.bits(), 0, 0, 0],
    );
    let weak = [
        (Sysnum::Recv, [FREE + 1, 0, 0, 0, 0, 0]),
        (Sysnum::EndpointDestroy, [FREE + 1, 0, 0, 0, 0, 0]),
    ];
    for (num, args) in weak {
        sim.fails(t, num, args, SysError::MissingRights);
    }
}

#[test]
fn new_objects_come_with_the_rights_their_maker_needs() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE + 1, 0, 0, 0, 0]);
    sim.ok(t, Sysnum::TaskCreate, [FREE + 1, FREE + 2, 0, 0, 0, 0]);
    let endpoint = Rights::SEND | Rights::RECEIVE | Rights::GRANT | Rights::CONTROL;
    let space = Rights::MAP | Rights::READ | Rights::CONTROL;
    let task = Rights::READ | Rights::CONTROL;
    for (slot, kind, rights) in [
        (FREE, CapKind::Endpoint, endpoint),
        (FREE + 1, CapKind::AddressSpace, space),
        (FREE + 2, CapKind::Task, task),
    ] {
        let r = sim.ok(t, Sysnum::CapInfo, [slot, 0, 0, 0, 0, 0]);
        assert_eq!((r.rdi, r.rsi), (kind.raw(), rights.bits()), "{kind:?}");
    }
}

#[test]
fn shutdown_ends_the_run_with_the_code_asked_for_and_nothing_else() {
    use abi::qemu::ExitCode;
    let mut sim = Sim::new();
    let t = sim.task();
    let success = ExitCode::Success as u64;
    for code in [1 << 32 | success, u64::MAX, ExitCode::KernelPanic as u64] {
        sim.fails(
            t,
            Sysnum::Shutdown,
            [SYSTEM, code, 0, 0, 0, 0],
            SysError::InvalidArgument,
        );
    }
    let shutdown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sim.syscall(t, Sysnum::Shutdown, [SYSTEM, success, 0, 0, 0, 0])
    }));
    let message = *shutdown.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(message, "qemu_exit(Success)");
}

#[test]
fn cap_info_tells_one_object_from_another() {
    // The name service limits names per endpoint object: it needs to know when two capabilities
    // (a copy, a badged copy) name one endpoint, and that a new endpoint in a reused entry is
    // another.
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 1, Rights::SEND.bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::CapMint, [FREE, FREE + 2, ALL, 9, 0, 0]);
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE + 3, 0, 0, 0, 0]);
    let id = |sim: &mut Sim, slot| sim.ok(t, Sysnum::CapInfo, [slot, 0, 0, 0, 0, 0]).r10;
    let first = id(&mut sim, FREE);
    assert_eq!(id(&mut sim, FREE + 1), first);
    assert_eq!(id(&mut sim, FREE + 2), first);
    assert_ne!(id(&mut sim, FREE + 3), first);
    for slot in FREE..FREE + 3 {
        sim.ok(t, Sysnum::CapDelete, [slot, 0, 0, 0, 0, 0]);
    }
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
    let reused = sim.k.task(t).caps.get(FREE).unwrap();
    assert_ne!(
        id(&mut sim, FREE),
        first,
        "entry {} reused, another generation",
        reused.index
    );
}
