//! `CallTimeout`: a call that gives up with `TimedOut` once its ticks pass, whether nobody received
//! it or nobody replied; a late reply then finds nobody awaiting it. Whatever else ends the call
//! (a reply, a stop, the server's end) leaves no timer behind.
use super::*;

const EP: u64 = FREE;

/// `c` calls on `EP` with a timeout of `ticks` (the timeout travels in `r12`).
fn call(sim: &mut Sim, c: u16, ticks: u64, word: u64) -> Out {
    sim.syscall_r12(c, Sysnum::CallTimeout.raw(), [EP, 1, word, 0, 0, 0], ticks)
}

fn timed_out(sim: &Sim, t: u16) -> bool {
    let task = sim.k.tasks.at(t).unwrap();
    task.state == State::Ready && task.regs.rax == SysError::TimedOut.raw()
}

/// A server `s` receiving on `EP` and a client `c` holding a send capability to it.
fn pair() -> (Sim, u16, u16) {
    let mut sim = Sim::new();
    let (s, c) = (sim.task(), sim.task());
    sim.endpoint(s, EP);
    sim.share(s, EP, c, EP, Rights::SEND);
    (sim, s, c)
}

#[test]
fn a_call_nobody_receives_times_out_and_leaves_the_queue() {
    let (mut sim, s, c) = pair();
    sim.k.tick(100);
    call(&mut sim, c, 5, 7);
    assert!(matches!(sim.state(c), State::Sending { deadline: 105, .. }));
    assert_eq!(sim.k.next_wake, 105);
    sim.k.tick(104);
    assert!(matches!(sim.state(c), State::Sending { .. }), "not yet");
    sim.k.tick(105);
    assert!(timed_out(&sim, c));
    assert_eq!(sim.k.next_wake, u64::MAX);
    // Nothing was delivered: the server's receive now waits.
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert!(matches!(sim.state(s), State::Receiving { .. }));
    assert_eq!(sim.regs(c).r12, 5, "r12 is preserved");
    assert!(sim.audit());
}

#[test]
fn a_call_nobody_answers_times_out_and_the_late_reply_finds_nobody() {
    for fast in [true, false] {
        let (mut sim, s, c) = pair();
        sim.fast = fast;
        sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
        call(&mut sim, c, 3, 42);
        assert_eq!(sim.regs(s).rdx, 42, "delivered");
        assert!(matches!(
            sim.state(c),
            State::AwaitingReplyUntil { server, deadline: 3 } if server == s
        ));
        sim.k.tick(3);
        assert!(timed_out(&sim, c));
        // The reply comes late: `Reply` says nobody awaits it; `ReplyRecv` drops it and receives.
        let id = sim.id(c);
        let late = sim.syscall_r12(s, Sysnum::Reply.raw(), [0, 0, 9, 0, 0, 0], id);
        assert_eq!(late.result(), Err(SysError::NoReplyTarget));
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [EP, 0, 9, 0, 0, 0], id);
        assert!(matches!(sim.state(s), State::Receiving { .. }));
        assert_eq!(sim.regs(c).rax, SysError::TimedOut.raw(), "fast: {fast}");
        assert!(sim.audit());
    }
}

#[test]
fn a_reply_in_time_ends_the_timeout_on_either_path() {
    for fast in [true, false] {
        let (mut sim, s, c) = pair();
        sim.fast = fast;
        sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
        call(&mut sim, c, 10, 1);
        let id = sim.id(c);
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [EP, 0, 77, 0, 0, 0], id);
        assert_eq!(
            (sim.state(c), sim.regs(c).rax, sim.regs(c).rdx),
            (State::Ready, 0, 77)
        );
        assert!(!sim.k.sleeping());
        // A later plain call waits for its reply past the old deadline.
        sim.syscall(c, Sysnum::Call, [EP, 0, 2, 0, 0, 0]);
        sim.k.tick(50);
        assert!(
            matches!(sim.state(c), State::AwaitingReply { .. }),
            "fast: {fast}"
        );
        assert!(sim.audit());
    }
}

#[test]
fn a_queued_timed_call_keeps_its_deadline_once_received() {
    let (mut sim, s, c) = pair();
    call(&mut sim, c, 8, 5);
    sim.k.tick(2);
    let out = sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert_eq!(out.regs.rdx, 5);
    assert!(matches!(
        sim.state(c),
        State::AwaitingReplyUntil { deadline: 8, .. }
    ));
    sim.k.tick(8);
    assert!(timed_out(&sim, c));
    assert!(sim.audit());
}

#[test]
fn zero_ticks_waits_forever() {
    let (mut sim, s, c) = pair();
    call(&mut sim, c, 0, 1);
    sim.k.tick(1 << 40);
    assert!(matches!(sim.state(c), State::Sending { deadline: 0, .. }));
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert!(matches!(sim.state(c), State::AwaitingReply { .. }));
    assert!(!sim.k.sleeping());
}

#[test]
fn a_stop_or_the_servers_end_leaves_no_timer() {
    let (mut sim, s, c) = pair();
    let sup = sim.task();
    sim.share(c, SELF, sup, FREE, Rights::all());
    sim.share(s, SELF, sup, FREE + 1, Rights::all());
    call(&mut sim, c, 5, 1);
    sim.ok(sup, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(sim.regs(c).rax, SysError::Interrupted.raw());
    assert!(!sim.k.sleeping());
    sim.ok(sup, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    call(&mut sim, c, 5, 1);
    sim.ok(sup, Sysnum::TaskDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        (sim.state(c), sim.regs(c).rax),
        (State::Ready, SysError::PeerDied.raw())
    );
    assert!(!sim.k.sleeping());
    assert!(sim.audit());
}

#[test]
fn it_checks_what_call_checks() {
    let (mut sim, _s, c) = pair();
    let out = sim.syscall_r12(c, Sysnum::CallTimeout.raw(), [EP + 1, 0, 0, 0, 0, 0], 5);
    assert_eq!(out.result(), Err(SysError::EmptySlot));
    let bad_tag = 1 << 63;
    let out = sim.syscall_r12(c, Sysnum::CallTimeout.raw(), [EP, bad_tag, 0, 0, 0, 0], 5);
    assert_eq!(out.result(), Err(SysError::InvalidArgument));
    assert!(!sim.k.sleeping());
}
