//! Bound notifications: a bound task's `Recv`/`ReplyRecv` also returns the bits, marked
//! `MsgTag::NOTIFIED`; one binding each way; timeouts and the fast path still hold.
use super::notify::{create, give, signal, N};
use super::*;
use abi::MsgTag;

const EP: u64 = FREE + 1;
const NOTIFIED: u64 = MsgTag::KERNEL | MsgTag::NOTIFIED;

/// A server `s` bound to its notification `N`, serving `EP`; `c` can call `EP` and signal `N`
/// with badge `0b10`.
fn bound_server(sim: &mut Sim) -> (u16, u16) {
    let (s, c) = (sim.task(), sim.task());
    create(sim, s, N);
    sim.ok(s, Sysnum::NotificationBind, [N, 0, 0, 0, 0, 0]);
    sim.endpoint(s, EP);
    sim.share(s, EP, c, EP, Rights::SEND);
    give(sim, s, c, N, Rights::SEND, 0b10);
    (s, c)
}

fn receiving(sim: &Sim, t: u16) -> bool {
    matches!(
        sim.state(t),
        State::Receiving { .. } | State::ReceivingUntil { .. }
    )
}

/// `t` returned from its receive with the notification's `bits`, and nobody to reply to.
fn notified(sim: &mut Sim, t: u16, bits: u64) {
    let r = sim.regs(t);
    assert_eq!(
        (sim.state(t), r.rax, r.rdi, r.rsi),
        (State::Ready, 0, bits, NOTIFIED)
    );
    assert_eq!(r.r12, u64::MAX, "nobody to reply to");
}

#[test]
fn a_signal_ends_the_bound_tasks_receive_and_it_leaves_the_endpoint() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert!(receiving(&sim, s));
    signal(&mut sim, c, N);
    notified(&mut sim, s, 0b10);
    // It left the endpoint: a call now queues.
    sim.syscall(c, Sysnum::Call, [EP, 0, 7, 0, 0, 0]);
    assert!(matches!(sim.state(c), State::Sending { .. }));
    let r = sim.ok(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert_eq!(
        (r.rdx, MsgTag(r.rsi).notified()),
        (7, false),
        "a message, not bits"
    );
    assert!(sim.audit());
}

#[test]
fn bits_signalled_before_the_receive_return_at_once_on_either_path() {
    for fast in [true, false] {
        let mut sim = Sim::new();
        sim.fast = fast;
        let (s, c) = bound_server(&mut sim);
        sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
        sim.syscall(c, Sysnum::Call, [EP, 0, 5, 0, 0, 0]);
        let caller = sim.regs(s).r12;
        let x = sim.task();
        give(&mut sim, s, x, N, Rights::SEND, 0b10);
        signal(&mut sim, x, N);
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [EP, 0, 6, 0, 0, 0], caller);
        notified(&mut sim, s, 0b10);
        assert_eq!(sim.regs(c).rdx, 6, "the reply went (fast path: {fast})");
        let r = sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
        assert!(receiving(&sim, s), "taken once: {r:?}");
        assert!(sim.audit());
    }
}

#[test]
fn bits_come_before_queued_messages() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    signal(&mut sim, c, N);
    sim.syscall(c, Sysnum::Send, [EP, 0, 9, 0, 0, 0]);
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    notified(&mut sim, s, 0b10);
    let r = sim.ok(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert_eq!(r.rdx, 9);
}

#[test]
fn receive_timeouts_still_hold_for_a_bound_task() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    sim.k.tick(10);
    sim.syscall(s, Sysnum::Recv, [EP, 5, 0, 0, 0, 0]);
    sim.k.tick(15);
    assert_eq!(
        sim.regs(s).rax,
        SysError::TimedOut.raw(),
        "no signal: timed out"
    );
    sim.syscall(s, Sysnum::Recv, [EP, 5, 0, 0, 0, 0]);
    signal(&mut sim, c, N);
    notified(&mut sim, s, 0b10);
    sim.k.tick(100);
    assert_eq!(
        sim.regs(s).rax,
        0,
        "the signal ended the wait and its timer"
    );
    assert_eq!(sim.k.next_wake, u64::MAX);
    assert!(sim.audit());
}

#[test]
fn one_binding_each_way() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    let bind = |slot| [slot, 0, 0, 0, 0, 0];
    sim.fails(s, Sysnum::NotificationBind, bind(N), SysError::InUse);
    give(&mut sim, s, c, N + 2, Rights::RECEIVE, 0);
    sim.fails(c, Sysnum::NotificationBind, bind(N + 2), SysError::InUse);
    create(&mut sim, s, N + 3);
    sim.fails(s, Sysnum::NotificationBind, bind(N + 3), SysError::InUse);
    sim.fails(
        c,
        Sysnum::NotificationBind,
        bind(N),
        SysError::MissingRights,
    );
    // Destroyed, the notification frees the task to bind another.
    sim.ok(s, Sysnum::NotificationDestroy, bind(N));
    sim.ok(s, Sysnum::NotificationBind, bind(N + 3));
    assert!(sim.audit());
}

#[test]
fn a_destroyed_bound_task_frees_its_notification() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    give(&mut sim, s, c, N + 2, Rights::RECEIVE, 0);
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    sim.k.destroy(CapKind::Task, s);
    assert!(sim.audit(), "nothing names the dead task");
    signal(&mut sim, c, N);
    sim.ok(c, Sysnum::NotificationBind, [N + 2, 0, 0, 0, 0, 0]);
    sim.endpoint(c, FREE + 5);
    let r = sim.ok(c, Sysnum::Recv, [FREE + 5, 0, 0, 0, 0, 0]);
    assert_eq!(
        (r.rdi, r.rsi),
        (0b10, NOTIFIED),
        "the bits stayed for the next"
    );
}

#[test]
fn a_bound_task_waiting_in_wait_takes_the_bits_there() {
    let mut sim = Sim::new();
    let (s, c) = bound_server(&mut sim);
    sim.syscall(s, Sysnum::Wait, [N, 0, 0, 0, 0, 0]);
    signal(&mut sim, c, N);
    let r = sim.regs(s);
    assert_eq!((sim.state(s), r.rdi, r.rsi), (State::Ready, 0b10, 0));
}
