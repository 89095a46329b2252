//! Receive timeouts: a receiver wakes with `TimedOut` once its ticks pass, and only then; whatever
//! else ends its wait (a message, a stop, its destruction) leaves no timer behind.
use super::*;

const EP: u64 = FREE;

fn recv(sim: &mut Sim, t: u16, ticks: u64) {
    sim.syscall(t, Sysnum::Recv, [EP, ticks, 0, 0, 0, 0]);
    assert!(receiving(sim, t));
}

fn receiving(sim: &Sim, t: u16) -> bool {
    matches!(
        sim.state(t),
        State::Receiving { .. } | State::ReceivingUntil { .. }
    )
}

fn timed_out(sim: &Sim, t: u16) -> bool {
    let task = sim.k.tasks.at(t).unwrap();
    task.state == State::Ready && task.regs.rax == SysError::TimedOut.raw()
}

#[test]
fn a_receive_times_out_when_its_ticks_have_passed() {
    let mut sim = Sim::new();
    let (s, other) = (sim.task(), sim.task());
    sim.endpoint(s, EP);
    sim.k.tick(100);
    recv(&mut sim, s, 5);
    sim.k.tick(104);
    assert!(receiving(&sim, s), "not yet");
    sim.k.tick(105);
    assert!(timed_out(&sim, s));
    assert!(sim.queue().contains(&s) || sim.k.current == Some(s));
    assert_eq!(sim.k.next_wake, u64::MAX, "nobody else waits");
    // It left the endpoint: a sender now queues rather than delivering to it.
    sim.share(s, EP, other, EP, Rights::SEND);
    sim.syscall(other, Sysnum::Send, [EP, 0, 0, 0, 0, 0]);
    assert!(matches!(sim.state(other), State::Sending { .. }));
    assert!(sim.audit());
}

#[test]
fn no_timeout_or_a_waiting_sender_means_no_timer() {
    let mut sim = Sim::new();
    let (s, c) = (sim.task(), sim.task());
    sim.endpoint(s, EP);
    sim.share(s, EP, c, EP, Rights::SEND);
    recv(&mut sim, s, 0);
    sim.k.tick(1 << 40);
    assert!(receiving(&sim, s), "0 waits forever");
    sim.ok(c, Sysnum::Send, [EP, 0, 7, 0, 0, 0]);
    sim.syscall(c, Sysnum::Send, [EP, 0, 8, 0, 0, 0]);
    let out = sim.syscall(s, Sysnum::Recv, [EP, 3, 0, 0, 0, 0]);
    assert_eq!(
        (out.result(), out.regs.rdx),
        (Ok(()), 8),
        "delivered at once"
    );
    assert_eq!(sim.k.next_wake, u64::MAX);
    // The largest timeout does not overflow.
    recv(&mut sim, s, u64::MAX);
    sim.k.tick(u64::MAX - 1);
    assert!(receiving(&sim, s));
}

#[test]
fn a_message_ends_the_timeout_on_either_path() {
    for fast in [true, false] {
        let mut sim = Sim::new();
        sim.fast = fast;
        let (s, c) = (sim.task(), sim.task());
        sim.endpoint(s, EP);
        sim.share(s, EP, c, EP, Rights::SEND);
        recv(&mut sim, s, 10);
        sim.syscall(c, Sysnum::Call, [EP, 0, 1, 0, 0, 0]);
        assert_eq!(sim.state(s), State::Ready);
        // Reply and wait again, with no timeout: the old deadline must not fire.
        let id = sim.id(c);
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [EP, 0, 0, 0, 0, 0], id);
        assert!(receiving(&sim, s));
        sim.k.tick(50);
        assert!(receiving(&sim, s), "fast: {fast}");
        assert_eq!(sim.regs(c).rax, 0, "the reply arrived");
        assert!(sim.audit());
    }
}

#[test]
fn a_stopped_or_destroyed_sleeper_leaves_no_timer() {
    let mut sim = Sim::new();
    let (sup, s, d) = (sim.task(), sim.task(), sim.task());
    for t in [s, d] {
        sim.endpoint(t, EP);
        recv(&mut sim, t, 5);
    }
    sim.share(s, SELF, sup, FREE, Rights::all());
    sim.share(d, SELF, sup, FREE + 1, Rights::all());
    sim.ok(sup, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(sup, Sysnum::TaskDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    assert!(!sim.k.sleeping());
    sim.k.tick(10);
    assert_eq!(sim.state(s), State::Stopped);
    assert_eq!(sim.regs(s).rax, SysError::Interrupted.raw());
    // Restarted, it is simply ready; a later receive without a timeout waits for good.
    sim.ok(sup, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    recv(&mut sim, s, 0);
    sim.k.tick(20);
    assert!(receiving(&sim, s));
    assert!(sim.audit());
}

#[test]
fn the_earliest_of_several_deadlines_wakes_first() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    sim.endpoint(a, EP);
    sim.share(a, EP, b, EP, Rights::all());
    recv(&mut sim, a, 30);
    recv(&mut sim, b, 10);
    assert!(sim.k.sleeping());
    assert_eq!(sim.k.next_wake, 10);
    sim.k.tick(10);
    assert!(timed_out(&sim, b));
    assert!(receiving(&sim, a));
    assert_eq!(sim.k.next_wake, 30);
    sim.k.tick(31);
    assert!(timed_out(&sim, a));
    assert!(sim.audit());
}
