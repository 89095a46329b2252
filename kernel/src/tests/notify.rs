//! Notifications: signal, wait, poll; their decode errors; destroy and reclaim; the census.
use super::*;
use crate::obj::notification::MAX_NOTIFICATIONS;

pub const N: u64 = FREE;

/// A notification with all rights in `slot` of `t`, made by the syscall.
pub fn create(sim: &mut Sim, t: u16, slot: u64) {
    sim.ok(t, Sysnum::NotificationCreate, [POOL, slot, 0, 0, 0, 0]);
}

/// `t` mints a copy of its `N` with `rights` and `badge` (0: an unbadged copy) into `to`'s `dst`.
pub fn give(sim: &mut Sim, t: u16, to: u16, dst: u64, rights: Rights, badge: u64) {
    if badge == 0 {
        return sim.share(t, N, to, dst, rights);
    }
    sim.ok(t, Sysnum::CapMint, [N, N + 9, rights.bits(), badge, 0, 0]);
    sim.share(t, N + 9, to, dst, Rights::all());
    sim.ok(t, Sysnum::CapDelete, [N + 9, 0, 0, 0, 0, 0]);
}

pub fn signal(sim: &mut Sim, t: u16, slot: u64) {
    sim.ok(t, Sysnum::Signal, [slot, 0, 0, 0, 0, 0]);
}

fn poll(sim: &mut Sim, t: u16) -> u64 {
    sim.ok(t, Sysnum::Poll, [N, 0, 0, 0, 0, 0]).rdi
}

fn wait(sim: &mut Sim, t: u16) -> Out {
    sim.syscall(t, Sysnum::Wait, [N, 0, 0, 0, 0, 0])
}

fn waiting(sim: &Sim, t: u16) -> bool {
    matches!(sim.state(t), State::Waiting { .. })
}

/// Woken (or returned) with `rax` 0 and these bits.
fn got(sim: &mut Sim, t: u16, bits: u64) {
    let r = sim.regs(t);
    assert_eq!((sim.state(t), r.rax, r.rdi), (State::Ready, 0, bits));
}

#[test]
fn signals_or_their_badges_and_wait_or_poll_takes_them_all() {
    let mut sim = Sim::new();
    let (w, s) = (sim.task(), sim.task());
    create(&mut sim, w, N);
    give(&mut sim, w, s, N, Rights::SEND, 0b100);
    give(&mut sim, w, s, N + 1, Rights::SEND, 0b001);
    assert_eq!(poll(&mut sim, w), 0, "nothing signalled");
    signal(&mut sim, s, N);
    signal(&mut sim, s, N + 1);
    signal(&mut sim, s, N);
    wait(&mut sim, w);
    got(&mut sim, w, 0b101);
    assert_eq!(poll(&mut sim, w), 0, "taken: cleared");
    signal(&mut sim, w, N);
    assert_eq!(poll(&mut sim, w), 1, "an unbadged capability signals bit 0");
    assert!(sim.audit());
}

#[test]
fn a_signal_wakes_one_waiter_in_order_and_the_next_signal_the_next() {
    let mut sim = Sim::new();
    let (a, b, s) = (sim.task(), sim.task(), sim.task());
    create(&mut sim, a, N);
    give(&mut sim, a, b, N, Rights::RECEIVE, 0);
    give(&mut sim, a, s, N, Rights::SEND, 8);
    wait(&mut sim, a);
    wait(&mut sim, b);
    assert!(waiting(&sim, a) && waiting(&sim, b));
    // What a debugger or the viewer sees: b waits on notification 0.
    sim.share(b, SELF, s, FREE + 3, Rights::READ);
    let r = sim.ok(s, Sysnum::TaskCaps, [FREE + 3, 0, 0, 0, 0, 0]);
    assert_eq!((r.rsi, r.rdx), (abi::inspect::Activity::Waiting.raw(), 0));
    signal(&mut sim, s, N);
    got(&mut sim, a, 8);
    assert!(waiting(&sim, b), "one signal, one waiter");
    signal(&mut sim, s, N);
    got(&mut sim, b, 8);
    assert_eq!(poll(&mut sim, a), 0, "the bits went to the waiters");
    assert!(sim.audit());
}

#[test]
fn each_operation_needs_its_right_and_a_notification() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    create(&mut sim, a, N);
    give(&mut sim, a, b, N, Rights::SEND, 1);
    give(&mut sim, a, b, N + 1, Rights::RECEIVE, 2);
    sim.endpoint(b, N + 2);
    let e = |slot| [slot, 0, 0, 0, 0, 0];
    for num in [Sysnum::Wait, Sysnum::Poll, Sysnum::NotificationBind] {
        sim.fails(b, num, e(N), SysError::MissingRights);
    }
    sim.fails(b, Sysnum::Signal, e(N + 1), SysError::MissingRights);
    sim.fails(
        b,
        Sysnum::NotificationDestroy,
        e(N),
        SysError::MissingRights,
    );
    sim.fails(b, Sysnum::Signal, e(N + 2), SysError::WrongKind);
    sim.fails(b, Sysnum::Recv, [N + 1, 0, 0, 0, 0, 0], SysError::WrongKind);
    sim.fails(b, Sysnum::Wait, e(N + 3), SysError::EmptySlot);
    sim.fails(b, Sysnum::Poll, e(1 << 40), SysError::InvalidSlot);
    // Creating needs the pool's MAP right and an empty slot.
    let args = |pool, dst| [pool, dst, 0, 0, 0, 0];
    sim.fails(
        a,
        Sysnum::NotificationCreate,
        args(SELF, N + 1),
        SysError::WrongKind,
    );
    sim.fails(
        a,
        Sysnum::NotificationCreate,
        args(POOL, N),
        SysError::SlotOccupied,
    );
    sim.share(a, POOL, b, N + 5, Rights::READ);
    sim.fails(
        b,
        Sysnum::NotificationCreate,
        args(N + 5, N + 6),
        SysError::MissingRights,
    );
    // A badge, once given, is fixed.
    let remint = [N, N + 7, Rights::SEND.bits(), 3, 0, 0];
    sim.fails(b, Sysnum::CapMint, remint, SysError::InvalidArgument);
    assert_eq!(sim.k.notifications.live(), 1, "nothing made");
    assert!(sim.audit());
}

#[test]
fn destroyed_its_waiters_wake_with_peer_died_and_its_capabilities_are_stale() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    create(&mut sim, a, N);
    give(&mut sim, a, b, N, Rights::RECEIVE | Rights::SEND, 0);
    wait(&mut sim, b);
    sim.ok(a, Sysnum::NotificationDestroy, [N, 0, 0, 0, 0, 0]);
    let r = sim.regs(b);
    assert_eq!(
        (sim.state(b), r.rax),
        (State::Ready, SysError::PeerDied.raw())
    );
    for num in [
        Sysnum::Signal,
        Sysnum::Wait,
        Sysnum::Poll,
        Sysnum::NotificationBind,
    ] {
        sim.fails(b, num, [N, 0, 0, 0, 0, 0], SysError::StaleCap);
    }
    sim.fails(
        a,
        Sysnum::NotificationDestroy,
        [N, 0, 0, 0, 0, 0],
        SysError::StaleCap,
    );
    assert_eq!(sim.k.notifications.live(), 0);
    sim.ok(a, Sysnum::CapDelete, [N, 0, 0, 0, 0, 0]);
    sim.ok(b, Sysnum::CapDelete, [N, 0, 0, 0, 0, 0]);
    assert!(sim.audit());
}

#[test]
fn it_goes_with_its_last_capability_waking_its_waiters() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    for _ in 0..3 * MAX_NOTIFICATIONS {
        create(&mut sim, a, N);
        sim.ok(a, Sysnum::CapDelete, [N, 0, 0, 0, 0, 0]);
    }
    assert_eq!(sim.k.notifications.live(), 0, "deleted ones are reclaimed");
    create(&mut sim, a, N);
    give(&mut sim, a, b, N, Rights::RECEIVE, 0);
    sim.ok(a, Sysnum::CapDelete, [N, 0, 0, 0, 0, 0]);
    wait(&mut sim, b);
    assert_eq!(sim.k.notifications.live(), 1, "b's capability keeps it");
    sim.k.delete_cap(b, N).unwrap();
    assert_eq!(sim.k.notifications.live(), 0);
    assert_eq!(sim.regs(b).rax, SysError::PeerDied.raw());
    assert!(sim.audit());
}

#[test]
fn the_table_fills_with_out_of_memory_and_the_census_counts_them() {
    let mut sim = Sim::new();
    let t = sim.task();
    for i in 0..MAX_NOTIFICATIONS as u64 / 2 {
        create(&mut sim, t, 16 + i);
    }
    let census = sim.ok(t, Sysnum::FrameCensus, [SYSTEM, 0, 0, 0, 0, 0]);
    assert_eq!(census.r9 >> 48, MAX_NOTIFICATIONS as u64 / 2);
    assert_eq!(census.r8, 1, "consistent");
    let u = sim.task();
    for i in 0..MAX_NOTIFICATIONS as u64 / 2 {
        create(&mut sim, u, 16 + i);
    }
    let full = [POOL, FREE, 0, 0, 0, 0];
    sim.fails(t, Sysnum::NotificationCreate, full, SysError::OutOfMemory);
    sim.k.destroy(CapKind::Task, u);
    assert_eq!(sim.k.notifications.live(), MAX_NOTIFICATIONS as u64 / 2);
    create(&mut sim, t, FREE);
    assert!(sim.audit());
}

#[test]
fn a_waiter_stopped_or_destroyed_leaves_nothing_behind() {
    let mut sim = Sim::new();
    let (a, b, c) = (sim.task(), sim.task(), sim.task());
    create(&mut sim, a, N);
    give(&mut sim, a, b, N, Rights::RECEIVE, 0);
    give(&mut sim, a, c, N, Rights::RECEIVE, 0);
    wait(&mut sim, b);
    wait(&mut sim, c);
    sim.k.stop(b);
    assert_eq!(sim.regs(b).rax, SysError::Interrupted.raw());
    sim.k.destroy(CapKind::Task, c);
    assert!(sim.k.notifications.at(0).unwrap().waiters.is_empty());
    signal(&mut sim, a, N);
    assert_eq!(poll(&mut sim, a), 1, "nobody took the bits");
    assert!(sim.audit());
}
