//! The run queue: who runs next after a syscall, and how stopping a task takes it out of whatever
//! it waits in.
use super::*;
use abi::MsgTag;

/// A stopped task `z` (index 0 unless tasks were made before) and three ready tasks: after making
/// them, `c` (made last) runs and `a`, `b` wait in that order.
fn three(sim: &mut Sim) -> (u16, u16, u16, u16) {
    let z = sim.task();
    sim.ok(z, Sysnum::TaskStop, [SELF, 0, 0, 0, 0, 0]);
    let (a, b, c) = (sim.task(), sim.task(), sim.task());
    assert_eq!((sim.k.current, sim.queue()), (Some(c), vec![a, b]));
    (z, a, b, c)
}

#[test]
fn a_syscall_that_does_not_block_keeps_the_cpu() {
    let mut sim = Sim::new();
    let (_, a, b, c) = three(&mut sim);
    let out = sim.syscall(c, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]);
    assert_eq!(out.next, Some(c));
    assert_eq!(sim.queue(), vec![a, b], "the others still wait, in order");
}

#[test]
fn yield_hands_the_cpu_to_the_next_ready_task_and_queues_the_caller_last() {
    let mut sim = Sim::new();
    let (_, a, b, c) = three(&mut sim);
    let out = sim.syscall(c, Sysnum::Yield, [0; 6]);
    assert_eq!(out.result(), Ok(()));
    assert_eq!(out.next, Some(a));
    assert_eq!(sim.queue(), vec![b, c]);
}

#[test]
fn a_task_that_blocks_gives_the_cpu_to_the_longest_waiting_one() {
    let mut sim = Sim::new();
    let (_, a, b, c) = three(&mut sim);
    sim.endpoint(c, FREE);
    let out = sim.syscall(c, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(out.next, Some(a));
    assert_eq!(sim.queue(), vec![b]);
    // With nobody left to run, nothing is picked.
    sim.endpoint(a, FREE);
    sim.endpoint(b, FREE);
    sim.syscall(a, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    let out = sim.syscall(b, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((out.next, sim.queue()), (None, vec![]));
}

#[test]
fn a_started_task_queues_behind_the_ready_ones() {
    let mut sim = Sim::new();
    let (z, a, b, c) = three(&mut sim);
    sim.share(z, SELF, c, FREE, Rights::all());
    let out = sim.syscall(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((out.result(), out.next), (Ok(()), Some(c)));
    assert_eq!(sim.queue(), vec![a, b, z]);
    sim.syscall(c, Sysnum::Yield, [0; 6]);
    assert_eq!(sim.queue(), vec![b, z, c]);
}

#[test]
fn a_woken_receiver_runs_before_the_other_ready_tasks() {
    let mut sim = Sim::new();
    let s = sim.task();
    sim.endpoint(s, FREE);
    sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    let (_, a, b, c) = three(&mut sim);
    sim.share(s, FREE, c, FREE, Rights::SEND);
    let out = sim.syscall(c, Sysnum::Send, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(out.next, Some(c), "the sender goes on");
    assert_eq!(sim.queue(), vec![s, a, b], "the receiver is next");
}

#[test]
fn stopping_a_ready_task_takes_it_off_the_queue_and_restarting_queues_it_once() {
    let mut sim = Sim::new();
    let (_, a, b, c) = three(&mut sim);
    sim.share(a, SELF, c, FREE, Rights::all());
    for _ in 0..3 {
        let out = sim.syscall(c, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
        assert_eq!(out.next, Some(c), "the stopper goes on");
        assert_eq!(sim.queue(), vec![b], "the others keep their place");
        sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
        assert_eq!(sim.queue(), vec![b, a]);
        // Round robin: each runs once, and `a` only once.
        sim.ok(c, Sysnum::Yield, [0; 6]);
        sim.ok(b, Sysnum::Yield, [0; 6]);
        assert_eq!((sim.k.current, sim.queue()), (Some(a), vec![c, b]));
        sim.ok(a, Sysnum::Yield, [0; 6]);
        assert_eq!((sim.k.current, sim.queue()), (Some(c), vec![b, a]));
    }
}

#[test]
fn a_stopped_receiver_gets_no_messages() {
    let mut sim = Sim::new();
    let (c, t, s) = (sim.task(), sim.task(), sim.task());
    sim.share(t, SELF, c, FREE, Rights::all());
    sim.endpoint(t, FREE);
    sim.share(t, FREE, s, FREE, Rights::SEND);
    sim.syscall(t, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(c, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    sim.syscall(s, Sysnum::Send, [FREE, MsgTag::new(1, 1, 0).0, 7, 0, 0, 0]);
    assert!(
        matches!(sim.state(s), State::Sending { .. }),
        "nobody receives: the sender waits"
    );
    assert_eq!(sim.state(t), State::Stopped);
    sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(sim.regs(t).rax, SysError::Interrupted.raw());
    // Received again, the message arrives.
    sim.syscall(t, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((sim.regs(t).rax, sim.regs(t).rdx), (0, 7));
    assert_eq!(sim.state(s), State::Ready);
}

#[test]
fn stopping_a_sender_or_a_caller_interrupts_its_syscall() {
    for how in [Sysnum::Send, Sysnum::Call] {
        // Queued on the endpoint (nobody receiving), and, for a call, awaiting the reply.
        for received in [false, true] {
            if how == Sysnum::Send && received {
                continue;
            }
            let mut sim = Sim::new();
            let (c, t, s) = (sim.task(), sim.task(), sim.task());
            sim.share(t, SELF, c, FREE, Rights::all());
            sim.endpoint(s, FREE);
            sim.share(s, FREE, t, FREE, Rights::SEND);
            sim.syscall(t, how, [FREE, 0, 0, 0, 0, 0]);
            if received {
                sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
                assert!(matches!(sim.state(t), State::AwaitingReply { .. }));
            } else {
                assert!(matches!(sim.state(t), State::Sending { .. }));
            }
            sim.ok(c, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
            sim.ok(c, Sysnum::TaskStart, [FREE, 0, 0, 0, 0, 0]);
            assert_eq!(
                (sim.state(t), sim.regs(t).rax),
                (State::Ready, SysError::Interrupted.raw()),
                "{how:?} received: {received}"
            );
            if received {
                let out = sim.syscall_r12(s, Sysnum::Reply.raw(), [0; 6], sim.id(t));
                assert_eq!(out.result(), Err(SysError::NoReplyTarget));
            } else {
                // It left the endpoint's queue: a receiver now waits.
                sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
                assert!(matches!(sim.state(s), State::Receiving { .. }));
            }
            assert!(sim.audit());
        }
    }
}
