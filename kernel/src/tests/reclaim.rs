//! Teardown: what happens to the tasks waiting on an object that goes, how deep a teardown can
//! reach, and what the object audit accepts and rejects.
use super::*;
use crate::obj::endpoint::MAX_ENDPOINTS;
use crate::obj::space::MAX_SPACES;
use crate::obj::task::MAX_TASKS;
use crate::sched::NO_TASK;

fn live(sim: &Sim) -> (u64, u64, u64) {
    (
        sim.k.tasks.live(),
        sim.k.spaces.live(),
        sim.k.endpoints.live(),
    )
}

/// A supervisor `c` holding task `t` in `FREE` and `t`'s fault endpoint in `FREE + 1`.
fn supervised(sim: &mut Sim) -> (u16, u16) {
    let (c, t) = (sim.task(), sim.task());
    sim.share(t, SELF, c, FREE, Rights::all());
    sim.endpoint(c, FREE + 1);
    sim.ok(c, Sysnum::TaskSetFault, [FREE, FREE + 1, 0, 0, 0, 0]);
    (c, t)
}

/// `t` takes a general-protection fault with `rax` = 0x1234.
fn fault(sim: &mut Sim, t: u16) {
    let r = &mut sim.k.task(t).regs;
    (r.rax, r.vector) = (0x1234, 13);
    sim.k.current = Some(t);
    sim.k.user_exception(t, 0);
}

#[test]
fn an_exit_notice_that_can_no_longer_be_delivered_still_ends_the_task() {
    let mut sim = Sim::new();
    let (c, t) = supervised(&mut sim);
    sim.syscall(t, Sysnum::Exit, [5, 0, 0, 0, 0, 0]);
    assert!(matches!(sim.state(t), State::Sending { .. }), "queued");
    sim.ok(c, Sysnum::EndpointDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    assert!(sim.k.tasks.at(t).is_none(), "it wanted to end anyway");
    assert_eq!(live(&sim), (1, 1, 0));
    assert!(sim.audit());
}

#[test]
fn a_fault_that_can_no_longer_be_delivered_resumes_the_task_untouched_and_then_kills_it() {
    let mut sim = Sim::new();
    let (c, t) = supervised(&mut sim);
    fault(&mut sim, t);
    assert!(matches!(sim.state(t), State::Sending { .. }), "queued");
    sim.ok(c, Sysnum::EndpointDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        (sim.state(t), sim.regs(t).rax),
        (State::Ready, 0x1234),
        "back at the faulting instruction, its registers untouched"
    );
    // Its fault endpoint is gone: the fault comes again, and the kernel kills it.
    fault(&mut sim, t);
    assert!(sim.k.tasks.at(t).is_none());
    assert!(sim.audit());
}

#[test]
fn without_a_live_fault_endpoint_exit_ends_the_task_at_once() {
    let mut sim = Sim::new();
    let (c, t) = supervised(&mut sim);
    sim.ok(c, Sysnum::EndpointDestroy, [FREE + 1, 0, 0, 0, 0, 0]);
    let out = sim.syscall(t, Sysnum::Exit, [5, 0, 0, 0, 0, 0]);
    assert!(sim.k.tasks.at(t).is_none());
    assert_eq!(out.next, Some(c));
    assert!(sim.audit());
}

#[test]
fn a_fault_endpoint_is_used_only_if_it_can_send() {
    // `TaskSetFault` installs only endpoint capabilities with SEND; the kernel does not trust that
    // anything else it might find there could carry the fault.
    let mut sim = Sim::new();
    let (c, t) = supervised(&mut sim);
    let ep = sim.k.task(c).caps.get(FREE + 1).unwrap();
    assert_eq!(sim.k.fault_endpoint(t), Some((ep.index, 0)));
    sim.k
        .set_fault_endpoint(t, Some(ep.diminished(Rights::RECEIVE)));
    assert_eq!(sim.k.fault_endpoint(t), None);
    let task = Cap::new(CapKind::Task, ep.index, ep.gen, Rights::all());
    sim.k.set_fault_endpoint(t, Some(task));
    assert_eq!(sim.k.fault_endpoint(t), None);
}

#[test]
fn destroying_a_server_wakes_only_its_own_callers() {
    let mut sim = Sim::new();
    let owner = sim.task();
    let (s1, s2, c1, c2) = (sim.task(), sim.task(), sim.task(), sim.task());
    sim.share(s1, SELF, owner, FREE, Rights::all());
    for (s, c) in [(s1, c1), (s2, c2)] {
        sim.endpoint(s, FREE);
        sim.share(s, FREE, c, FREE, Rights::SEND);
        sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
        sim.syscall(c, Sysnum::Call, [FREE, 0, 0, 0, 0, 0]);
    }
    sim.ok(owner, Sysnum::TaskDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(
        (sim.state(c1), sim.regs(c1).rax),
        (State::Ready, SysError::PeerDied.raw())
    );
    let waiting = State::AwaitingReply {
        server: s2,
        fault: false,
    };
    assert_eq!(sim.state(c2), waiting, "the other server's caller waits on");
    sim.syscall_r12(s2, Sysnum::Reply.raw(), [0, 0, 9, 0, 0, 0], sim.id(c2));
    assert_eq!((sim.state(c2), sim.regs(c2).rax), (State::Ready, 0));
    assert!(sim.audit());
}

#[test]
fn a_destroyed_task_is_no_longer_the_entered_one() {
    // The entry code skips reloading CR3 and the save area when it enters the task it entered
    // last; a task reusing a destroyed task's slot must not inherit that.
    let mut sim = Sim::new();
    let (c, t) = supervised(&mut sim);
    let other = sim.task();
    sim.share(other, SELF, c, FREE + 2, Rights::all());
    sim.k.entered = t;
    sim.ok(c, Sysnum::TaskDestroy, [FREE + 2, 0, 0, 0, 0, 0]);
    assert_eq!(sim.k.entered, t, "another task's end changes nothing");
    sim.ok(c, Sysnum::TaskDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(sim.k.entered, NO_TASK);
}

#[test]
fn an_empty_address_space_goes_with_its_last_capability() {
    let mut sim = Sim::new();
    let t = sim.task();
    let before = (live(&sim), sim.k.frames.census().0);
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 1, Rights::all().bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::CapDelete, [FREE, 0, 0, 0, 0, 0]);
    let query = [FREE + 1, abi::layout::CONSOLE, 0, 0, 0, 0];
    sim.ok(t, Sysnum::AsQuery, query);
    assert_eq!(live(&sim).1, 2, "a copy keeps it");
    sim.ok(t, Sysnum::CapDelete, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        (live(&sim), sim.k.frames.census().0),
        before,
        "gone, with its tables"
    );
    assert!(sim.audit());
}

#[test]
fn a_space_with_tasks_is_never_torn_down() {
    let mut sim = Sim::new();
    let t = sim.task();
    let space = sim.k.task(t).space;
    sim.k.destroy(CapKind::AddressSpace, space);
    assert!(sim.k.spaces.at(space).is_some());
    assert!(sim.frame_at(t, abi::layout::IPC_BUFFER).is_some());
    assert!(sim.audit());
}

#[test]
fn the_deepest_teardown_reclaims_everything() {
    // A chain of tasks, each holding the only capabilities to many objects and, in its last slot,
    // to the next task: destroying the first releases them all in one teardown, with the most
    // objects waiting to be finished at once.
    let mut sim = Sim::new();
    let d = sim.task();
    let before = (live(&sim), sim.k.frames.census().0);
    let space = sim.k.task(d).space;
    let regs = sim.k.task(d).regs;
    let chain: Vec<u16> = (0..3)
        .map(|_| sim.k.new_task(space, regs).unwrap().0)
        .collect();
    let mut holders = chain
        .iter()
        .copied()
        .flat_map(|t| (0..63).map(move |s| (t, s)));
    let mut give = |sim: &mut Sim, cap: Cap| {
        let (t, slot) = holders.next().expect("a free slot in the chain");
        sim.k.insert_cap(t, slot, cap).unwrap();
    };
    for _ in 0..MAX_ENDPOINTS {
        let (i, g) = sim.k.endpoints.alloc(Endpoint::new()).unwrap();
        give(&mut sim, Cap::new(CapKind::Endpoint, i, g, Rights::all()));
    }
    for _ in 0..5 {
        let (i, g) = sim.k.new_space().unwrap();
        give(
            &mut sim,
            Cap::new(CapKind::AddressSpace, i, g, Rights::all()),
        );
        let (t, g) = sim.k.new_task(space, regs).unwrap();
        give(&mut sim, Cap::new(CapKind::Task, t, g, Rights::all()));
    }
    for pair in chain.windows(2) {
        let g = sim.k.tasks.gen(pair[1]);
        let cap = Cap::new(CapKind::Task, pair[1], g, Rights::all());
        sim.k.insert_cap(pair[0], 63, cap).unwrap();
    }
    let g = sim.k.tasks.gen(chain[0]);
    sim.k
        .insert_cap(d, FREE, Cap::new(CapKind::Task, chain[0], g, Rights::all()))
        .unwrap();
    assert!(sim.audit());
    sim.ok(d, Sysnum::CapDelete, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((live(&sim), sim.k.frames.census().0), before);
    assert!(sim.audit());
}

#[test]
fn the_audit_accepts_spaces_held_only_by_tasks_or_only_by_capabilities() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::CapDelete, [SPACE, 0, 0, 0, 0, 0]);
    assert!(sim.k.audit_objects(), "a space its task runs in");
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE, 0, 0, 0, 0]);
    assert!(
        sim.k.audit_objects(),
        "and an empty space a capability holds"
    );
}

#[test]
fn the_audit_rejects_a_space_nothing_can_reach() {
    let mut sim = Sim::new();
    sim.task();
    sim.k.new_space().unwrap();
    assert!(
        !sim.k.audit_objects(),
        "no tasks and no capabilities: a leak"
    );
}

#[test]
fn the_audit_rejects_wrong_space_counts() {
    let mut sim = Sim::new();
    let t = sim.task();
    let cap = sim.k.task(t).caps.get(SPACE).unwrap();
    sim.k.spaces.add_ref(cap.index, cap.gen);
    assert!(!sim.k.audit_objects(), "one capability too many");
    let _ = sim.k.spaces.drop_ref(cap.index, cap.gen);
    assert!(sim.k.audit_objects());
    sim.k.spaces.at_mut(cap.index).unwrap().tasks += 1;
    assert!(!sim.k.audit_objects(), "one task too many");
}

#[test]
fn the_audit_rejects_a_task_whose_space_is_gone() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::CapDelete, [SPACE, 0, 0, 0, 0, 0]);
    let space = sim.k.task(t).space;
    sim.k.spaces.free(space);
    assert!(!sim.k.audit_objects());
}

#[test]
fn a_teardown_through_queued_exit_notices_reclaims_everything() {
    // Tasks whose exit notices wait on an endpoint are finished when it goes; a task can enter
    // the teardown a second time when its last capability goes too. Here 63 exiting tasks wait on
    // `F`; the last holds the only capability to the one before it, and so on down a chain, and
    // they hold the only capabilities to every endpoint and space there is room for.
    let mut sim = Sim::new();
    let d = sim.task();
    let before = (live(&sim), sim.k.frames.census().0);
    sim.endpoint(d, FREE);
    let f = sim
        .k
        .task(d)
        .caps
        .get(FREE)
        .unwrap()
        .diminished(Rights::SEND);
    let space = sim.k.task(d).space;
    let regs = sim.k.task(d).regs;
    let mut exiting = vec![];
    // (Loops over the tables' sizes, not `has_room`: a broken table must fail, not hang.)
    for _ in sim.k.tasks.live()..MAX_TASKS as u64 {
        let (t, _) = sim.k.new_task(space, regs).unwrap();
        sim.k.set_fault_endpoint(t, Some(f));
        sim.k.make_ready(t, false);
        sim.syscall(t, Sysnum::Exit, [0; 6]);
        assert!(matches!(sim.state(t), State::Sending { .. }));
        exiting.push(t);
    }
    let cap_to = |sim: &Sim, t: u16| Cap::new(CapKind::Task, t, sim.k.tasks.gen(t), Rights::all());
    // The chain: the last four exiting tasks, each holding the next in its last slot.
    let n = exiting.len();
    let chain: Vec<u16> = exiting[n - 4..].iter().rev().copied().collect();
    for pair in chain.windows(2) {
        let cap = cap_to(&sim, pair[1]);
        sim.k.insert_cap(pair[0], 63, cap).unwrap();
    }
    // The rest go into the chain's other slots: the other exiting tasks, then spaces, then
    // endpoints (the objects a full work list would leak).
    let mut leaves: Vec<Cap> = exiting[..n - 4].iter().map(|&t| cap_to(&sim, t)).collect();
    for _ in sim.k.spaces.live()..MAX_SPACES as u64 {
        let (i, g) = sim.k.new_space().unwrap();
        leaves.push(Cap::new(CapKind::AddressSpace, i, g, Rights::all()));
    }
    for _ in sim.k.endpoints.live()..MAX_ENDPOINTS as u64 {
        let (i, g) = sim.k.endpoints.alloc(Endpoint::new()).unwrap();
        leaves.push(Cap::new(CapKind::Endpoint, i, g, Rights::all()));
    }
    let slots = chain.iter().flat_map(|&t| (0..63).map(move |s| (t, s)));
    for ((t, slot), cap) in slots.zip(leaves) {
        sim.k.insert_cap(t, slot, cap).unwrap();
    }
    assert!(sim.audit());
    sim.ok(d, Sysnum::EndpointDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!((live(&sim), sim.k.frames.census().0), before);
    assert!(sim.audit());
}
