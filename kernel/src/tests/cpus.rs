//! Several CPUs, simulated: the kernel's holder changes with `arrive`, which swaps the CPU-local
//! state, and requests to other CPUs are recorded (`remote::ASKED`) and count as served.
use super::*;
use crate::sched::remote::{ASKED, LEAVE_TASK};
use crate::sched::NO_TASK;
use abi::MsgTag;

/// Two CPUs; task `a` runs on CPU 0 and `b` on CPU 1, and the kernel is held by CPU 0 again.
fn two_running(sim: &mut Sim) -> (u16, u16) {
    sim.k.online = 0b11;
    let (a, b) = (sim.task(), sim.task());
    sim.k.current = Some(a);
    sim.k.cpus[0].ready.clear();
    sim.k.arrive(1);
    sim.k.current = Some(b);
    sim.k.arrive(0);
    ASKED.with(|asked| asked.borrow_mut().clear());
    (a, b)
}

fn asked() -> Vec<(usize, u64)> {
    ASKED.with(|asked| asked.borrow_mut().drain(..).collect())
}

#[test]
fn each_cpu_keeps_its_own_current_task_across_holders() {
    let mut sim = Sim::new();
    let (a, b) = two_running(&mut sim);
    assert_eq!((sim.k.this, sim.k.current), (0, Some(a)));
    sim.k.arrive(1);
    assert_eq!((sim.k.this, sim.k.current), (1, Some(b)));
    assert_eq!(sim.k.running_on(a), Some(0));
    assert_eq!(sim.k.running_on(b), None, "b runs on the holder itself");
}

#[test]
fn a_task_made_ready_goes_to_an_idle_cpu_and_the_other_cpu_takes_it() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    assert_eq!((sim.k.current, sim.queue()), (Some(b), vec![a]));
    sim.k.online = 0b11;
    sim.k.stop(a);
    sim.k.make_ready(a, false);
    assert_eq!(sim.queue(), vec![], "CPU 0 runs b");
    assert_eq!(
        sim.k.cpus[1].ready.iter().copied().collect::<Vec<_>>(),
        vec![a]
    );
    sim.k.arrive(1);
    assert_eq!(sim.k.pick(), Some(a));
    assert_eq!(sim.k.task(a).cpu, 1);
}

#[test]
fn an_idle_cpu_steals_a_queued_task_unless_its_affinity_forbids() {
    let mut sim = Sim::new();
    let (a, b, c) = (sim.task(), sim.task(), sim.task());
    assert_eq!((sim.k.current, sim.queue()), (Some(c), vec![a, b]));
    sim.k.task(a).affinity = 0b01;
    sim.k.online = 0b11;
    sim.k.arrive(1);
    assert_eq!(sim.k.pick(), Some(b), "a may not run on CPU 1");
    sim.k.current = None;
    sim.k.task(b).state = State::Stopped;
    assert_eq!(sim.k.pick(), None);
    sim.k.arrive(0);
    assert_eq!(sim.queue(), vec![a]);
}

#[test]
fn stopping_a_task_that_runs_elsewhere_takes_it_off_that_cpu_first() {
    let mut sim = Sim::new();
    let (a, b) = two_running(&mut sim);
    sim.share(b, SELF, a, FREE, Rights::all());
    // b had entered the kernel by `syscall` (its save area says so): that syscall runs again.
    let rip = sim.k.task(b).regs.rip;
    sim.ok(a, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(asked(), vec![(1, LEAVE_TASK)]);
    assert_eq!(sim.state(b), State::Stopped);
    assert_eq!(
        sim.k.task(b).regs.rip,
        rip - 2,
        "back on its `syscall` instruction"
    );
    sim.k.arrive(1);
    assert_eq!((sim.k.current, sim.k.entered), (None, NO_TASK));
    assert_eq!(sim.k.pick(), None, "stopped: not queued anywhere");
}

#[test]
fn an_affinity_that_excludes_a_tasks_cpu_moves_it() {
    let mut sim = Sim::new();
    let (a, b) = two_running(&mut sim);
    sim.share(b, SELF, a, FREE, Rights::all());
    let r = sim.ok(a, Sysnum::TaskSetAffinity, [FREE, 0b01, 0, 0, 0, 0]);
    assert_eq!((r.rdi, r.rsi), (0b11, 0b01));
    assert_eq!(asked(), vec![(1, LEAVE_TASK)]);
    assert_eq!(
        sim.queue(),
        vec![b],
        "queued on CPU 0, the only one it may use"
    );
    // No CPU that runs, or more than eight bits: refused.
    sim.fails(
        a,
        Sysnum::TaskSetAffinity,
        [FREE, 0b100, 0, 0, 0, 0],
        SysError::InvalidArgument,
    );
    sim.fails(
        a,
        Sysnum::TaskSetAffinity,
        [FREE, 0x100, 0, 0, 0, 0],
        SysError::InvalidArgument,
    );
    // 0 only asks.
    let r = sim.ok(a, Sysnum::TaskSetAffinity, [SELF, 0, 0, 0, 0, 0]);
    assert_eq!((r.rdi, r.rsi), (0b11, 0xFF));
}

#[test]
fn unmapping_in_a_space_another_cpu_runs_flushes_that_cpu_before_the_kernel_is_left() {
    let mut sim = Sim::new();
    let (a, b) = two_running(&mut sim);
    let root_b = sim.k.task(b).root;
    sim.k.cpus[1].view.active_root = root_b;
    // a holds b's space capability: its edits are seen by CPU 1's TLB.
    sim.share(b, SPACE, a, FREE, Rights::all());
    let frame = sim
        .ok(a, Sysnum::AsAlloc, [FREE, POOL, 0x1000_0000, 0b10, 0, 0])
        .rdi;
    assert!(frame > 0);
    sim.ok(a, Sysnum::AsUnmap, [FREE, 0x1000_0000, 1, 0, 0, 0]);
    assert_eq!(sim.k.flush_on, 0b10);
    sim.k.shootdown();
    assert_eq!(asked(), vec![(1, root_b)], "CPU 1 reloads CR3");
    assert_eq!(sim.k.flush_on, 0);
    // A space no other CPU has loaded: nothing to ask.
    sim.ok(a, Sysnum::AsAlloc, [SPACE, POOL, 0x1000_0000, 0b10, 0, 0]);
    sim.ok(a, Sysnum::AsUnmap, [SPACE, 0x1000_0000, 1, 0, 0, 0]);
    assert_eq!(sim.k.flush_on, 0);
}

#[test]
fn the_ipc_fast_path_leaves_a_receiver_pinned_elsewhere_to_the_general_path() {
    let mut sim = Sim::new();
    sim.k.online = 0b11;
    let (client, server) = (sim.task(), sim.task());
    sim.endpoint(server, FREE);
    sim.share(server, FREE, client, FREE, Rights::all());
    sim.k.task(server).affinity = 0b10;
    sim.k.arrive(1);
    sim.syscall(server, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.k.arrive(0);
    let out = sim.syscall(
        client,
        Sysnum::Call,
        [FREE, MsgTag::new(7, 0, 0).0, 0, 0, 0, 0],
    );
    assert_eq!(out.next, None, "the client waits; CPU 0 has nothing else");
    assert_eq!(sim.state(server), State::Ready);
    assert_eq!(
        sim.k.cpus[1].ready.iter().copied().collect::<Vec<_>>(),
        vec![server]
    );
}

#[test]
fn a_preempted_task_that_came_by_the_fast_path_is_taken_out_of_its_queue_when_stopped() {
    let mut sim = Sim::new();
    let (a, b) = two_running(&mut sim);
    sim.share(b, SELF, a, FREE, Rights::all());
    // b came to CPU 1 by an IPC fast path (which does not touch `cpu`), and its tick came.
    sim.k.task(b).cpu = 0;
    sim.k.arrive(1);
    sim.k.preempt();
    assert_eq!(
        sim.k.cpus[1].ready.iter().copied().collect::<Vec<_>>(),
        vec![b]
    );
    sim.k.arrive(0);
    sim.ok(a, Sysnum::TaskStop, [FREE, 0, 0, 0, 0, 0]);
    assert!(sim.k.cpus.iter().all(|c| !c.ready.iter().any(|&t| t == b)));
    sim.k.arrive(1);
    assert_eq!(sim.k.pick(), None, "stopped: CPU 1 must not run it");
}
