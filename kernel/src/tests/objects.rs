//! Object lifetimes: reclaimed with their last capability, never reached through a stale one.
use super::*;
use crate::obj::table::MAX_GEN;

fn live(sim: &Sim) -> (u64, u64, u64) {
    (
        sim.k.tasks.live(),
        sim.k.spaces.live(),
        sim.k.endpoints.live(),
    )
}

#[test]
fn an_endpoint_goes_with_its_last_capability() {
    // Regression: deleted endpoints leaked until the table was full (111 in one run).
    let mut sim = Sim::new();
    let t = sim.task();
    for _ in 0..300 {
        sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
        sim.ok(
            t,
            Sysnum::CapCopy,
            [FREE, FREE + 1, Rights::SEND.bits(), 0, 0, 0],
        );
        sim.ok(t, Sysnum::CapDelete, [FREE, 0, 0, 0, 0, 0]);
        assert_eq!(live(&sim).2, 1, "a copy keeps it");
        sim.ok(t, Sysnum::CapDelete, [FREE + 1, 0, 0, 0, 0, 0]);
        assert_eq!(live(&sim).2, 0);
    }
    assert!(sim.audit());
}

#[test]
fn waiters_on_a_reclaimed_endpoint_wake_with_peer_died() {
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    sim.endpoint(a, FREE);
    sim.share(a, FREE, b, FREE, Rights::RECEIVE);
    sim.syscall(b, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(a, Sysnum::CapDelete, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(live(&sim).2, 1, "b's capability keeps it");
    sim.k.delete_cap(b, FREE).unwrap();
    assert_eq!(live(&sim).2, 0);
    assert_eq!(
        (sim.state(b), sim.regs(b).rax),
        (State::Ready, SysError::PeerDied.raw())
    );
    assert!(sim.audit());
}

#[test]
fn a_task_and_its_space_go_with_the_last_capabilities_and_take_theirs_along() {
    let mut sim = Sim::new();
    let parent = sim.task();
    let before = live(&sim);
    let census_before = sim.k.frames.census().0;
    sim.ok(parent, Sysnum::AsCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(parent, Sysnum::TaskCreate, [FREE, FREE + 1, 0, 0, 0, 0]);
    sim.ok(parent, Sysnum::EndpointCreate, [POOL, FREE + 2, 0, 0, 0, 0]);
    // The child holds the only capability to an endpoint, and to its own space.
    sim.ok(
        parent,
        Sysnum::TaskGiveCap,
        [FREE + 1, FREE + 2, 9, Rights::all().bits(), 0, 0],
    );
    sim.ok(
        parent,
        Sysnum::TaskGiveCap,
        [FREE + 1, FREE, 10, Rights::all().bits(), 0, 0],
    );
    sim.ok(
        parent,
        Sysnum::TaskSetFault,
        [FREE + 1, FREE + 2, 0, 0, 0, 0],
    );
    for slot in [FREE, FREE + 2] {
        sim.ok(parent, Sysnum::CapDelete, [slot, 0, 0, 0, 0, 0]);
    }
    assert_eq!(live(&sim), (before.0 + 1, before.1 + 1, before.2 + 1));
    assert!(sim.audit());
    sim.ok(parent, Sysnum::CapDelete, [FREE + 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        live(&sim),
        before,
        "task, then its endpoint and space, all reclaimed"
    );
    assert_eq!(
        sim.k.frames.census().0,
        census_before,
        "and the space's tables"
    );
    assert!(sim.audit());
}

#[test]
fn a_task_deleting_its_own_last_capability_ends_without_harm() {
    let mut sim = Sim::new();
    let t = sim.task();
    let out = sim.syscall(t, Sysnum::CapDelete, [SELF, 0, 0, 0, 0, 0]);
    assert!(sim.k.tasks.at(t).is_none(), "{out:?}");
    assert_eq!(sim.k.current, None);
    assert_eq!(live(&sim), (0, 0, 0), "its space went with it");
    assert!(sim.audit());
}

#[test]
fn destroying_another_task_can_release_the_callers_last_capability() {
    // A holds no capability to itself; B holds the only one. A destroys B.
    let mut sim = Sim::new();
    let (a, b) = (sim.task(), sim.task());
    sim.share(b, SELF, a, FREE, Rights::all());
    sim.share(a, SELF, b, FREE, Rights::all());
    sim.ok(a, Sysnum::CapDelete, [SELF, 0, 0, 0, 0, 0]);
    sim.syscall(a, Sysnum::TaskDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert!(sim.k.tasks.at(a).is_none() && sim.k.tasks.at(b).is_none());
    assert!(sim.audit());
}

#[test]
fn stale_capabilities_never_reach_a_recycled_object() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
    sim.ok(
        t,
        Sysnum::CapCopy,
        [FREE, FREE + 1, Rights::all().bits(), 0, 0, 0],
    );
    sim.ok(t, Sysnum::EndpointDestroy, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE + 2, 0, 0, 0, 0]);
    let (old, new) = (
        sim.k.task(t).caps.get(FREE).unwrap(),
        sim.k.task(t).caps.get(FREE + 2).unwrap(),
    );
    assert_eq!(old.index, new.index, "the entry was reused");
    for slot in [FREE, FREE + 1] {
        sim.fails(t, Sysnum::Send, [slot, 0, 0, 0, 0, 0], SysError::StaleCap);
        sim.fails(
            t,
            Sysnum::CapInfo,
            [slot, 0, 0, 0, 0, 0],
            SysError::StaleCap,
        );
        sim.ok(t, Sysnum::CapDelete, [slot, 0, 0, 0, 0, 0]);
    }
    assert_eq!(
        live(&sim).2,
        1,
        "deleting stale capabilities does not touch the new endpoint"
    );
    assert!(sim.audit());
}

#[test]
fn generations_retire_instead_of_wrapping() {
    // Regression: 32-bit generations on the lowest free entry wrapped after 2^32 fork/exit cycles.
    let mut sim = Sim::new();
    let t = sim.task();
    sim.k.endpoints.set_gen(0, MAX_GEN - 1);
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
    let old = sim.k.task(t).caps.get(FREE).unwrap();
    assert_eq!((old.index, old.gen), (0, MAX_GEN - 1));
    sim.ok(t, Sysnum::EndpointDestroy, [FREE, 0, 0, 0, 0, 0]);
    sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE + 1, 0, 0, 0, 0]);
    assert_eq!(
        sim.k.task(t).caps.get(FREE + 1).unwrap().index,
        1,
        "entry 0 is retired"
    );
    // Task ids keep the full 48-bit generation.
    sim.k.tasks.set_gen(9, MAX_GEN - 1);
    sim.ok(t, Sysnum::AsCreate, [POOL, FREE + 2, 0, 0, 0, 0]);
    let mut ids = vec![];
    for slot in FREE + 3..FREE + 12 {
        ids.push(
            sim.ok(t, Sysnum::TaskCreate, [FREE + 2, slot, 0, 0, 0, 0])
                .rdi,
        );
    }
    assert!(ids.contains(&(9 | (MAX_GEN - 1) << 16)), "{ids:x?}");
    assert!(sim.audit());
}

#[test]
fn object_tables_run_out_cleanly_and_come_back() {
    let mut sim = Sim::new();
    let holders: Vec<u16> = (0..3).map(|_| sim.task()).collect();
    let before = live(&sim);
    let mut made = 0;
    'fill: for &h in &holders {
        for slot in FREE..64 {
            let out = sim.syscall(h, Sysnum::EndpointCreate, [POOL, slot, 0, 0, 0, 0]);
            match out.result() {
                Ok(()) => made += 1,
                Err(SysError::OutOfMemory) => break 'fill,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(made, crate::obj::endpoint::MAX_ENDPOINTS);
    for &h in &holders {
        for slot in FREE..64 {
            let _ = sim.syscall(h, Sysnum::CapDelete, [slot, 0, 0, 0, 0, 0]);
        }
    }
    assert_eq!(live(&sim), before);
    assert!(sim.audit());
}

#[test]
fn the_audit_catches_a_wrong_reference_count() {
    let mut sim = Sim::new();
    let t = sim.task();
    let (index, gen) = sim.endpoint(t, FREE);
    assert!(sim.audit());
    sim.k.endpoints.add_ref(index, gen);
    assert!(!sim.k.audit_objects());
}

#[test]
fn a_stale_endpoint_capability_reaches_nobody_on_either_path() {
    for fast in [true, false] {
        let mut sim = Sim::new();
        sim.fast = fast;
        let (t, s) = (sim.task(), sim.task());
        sim.ok(t, Sysnum::EndpointCreate, [POOL, FREE, 0, 0, 0, 0]);
        sim.ok(
            t,
            Sysnum::CapCopy,
            [FREE, FREE + 1, Rights::all().bits(), 0, 0, 0],
        );
        sim.ok(t, Sysnum::EndpointDestroy, [FREE, 0, 0, 0, 0, 0]);
        // A new endpoint in the same entry, with a receiver waiting on it.
        sim.endpoint(s, FREE);
        sim.share(s, FREE, t, FREE + 2, Rights::all());
        assert_eq!(
            sim.k.task(t).caps.get(FREE + 1).unwrap().index,
            sim.k.task(t).caps.get(FREE + 2).unwrap().index
        );
        sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
        sim.fails(
            t,
            Sysnum::Call,
            [FREE + 1, 0, 1, 0, 0, 0],
            SysError::StaleCap,
        );
        assert!(
            matches!(sim.state(s), State::Receiving { .. }),
            "fast: {fast}"
        );
        // Nor can a server receive through one.
        sim.syscall(t, Sysnum::Call, [FREE + 2, 0, 2, 0, 0, 0]);
        let caller = sim.id(t);
        let out = sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [FREE, 0, 0, 0, 0, 0], caller);
        assert_eq!(out.next, Some(t));
        sim.share(t, FREE + 1, s, FREE + 1, Rights::all());
        sim.syscall(t, Sysnum::Call, [FREE + 2, 0, 3, 0, 0, 0]);
        let stale = [FREE + 1, 0, 0, 0, 0, 0];
        let out = sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), stale, sim.id(t));
        assert_eq!(out.result(), Err(SysError::StaleCap), "fast: {fast}");
        assert!(matches!(sim.state(t), State::AwaitingReply { .. }));
        assert!(sim.audit());
    }
}

#[test]
fn a_caller_at_the_last_generation_of_its_entry_gets_its_reply() {
    // Its id carries the whole 48-bit generation, so the server can name it.
    let mut sim = Sim::new();
    let s = sim.task();
    sim.endpoint(s, FREE);
    let next = sim.k.tasks.iter().count() as u16;
    sim.k.tasks.set_gen(next, MAX_GEN - 1);
    let c = sim.task();
    assert_eq!((c, sim.k.tasks.gen(c)), (next, MAX_GEN - 1));
    assert_eq!(abi::task::split_task_id(sim.id(c)), (c, MAX_GEN - 1));
    sim.share(s, FREE, c, FREE, Rights::SEND);
    sim.syscall(s, Sysnum::Recv, [FREE, 0, 0, 0, 0, 0]);
    sim.syscall(c, Sysnum::Call, [FREE, 0, 0, 0, 0, 0]);
    let caller = sim.regs(s).r12;
    assert_eq!(caller, sim.id(c));
    let out = sim.syscall_r12(s, Sysnum::Reply.raw(), [0, 0, 5, 0, 0, 0], caller);
    assert_eq!(out.result(), Ok(()));
    assert_eq!((sim.state(c), sim.regs(c).rdx), (State::Ready, 5));
}

#[test]
fn the_audit_catches_an_endpoint_nobody_holds() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.endpoint(t, FREE);
    assert!(sim.audit());
    let cap = sim.k.task(t).caps.delete(FREE).unwrap();
    sim.k
        .endpoints
        .drop_ref(cap.index, cap.gen)
        .then_some(())
        .unwrap();
    assert!(
        !sim.k.audit_objects(),
        "a live endpoint without capabilities is a leak"
    );
}
