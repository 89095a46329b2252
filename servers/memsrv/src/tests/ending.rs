//! How processes end in the books: commitment given back, zombies and the zombie policy,
//! orphans, `wait`, and the rollback of a failed fork or spawn.
use super::{charged, fork, job, ledger, spawn};
use crate::ending::KILLED_STATUS;
use crate::jobs::ZOMBIES_PER_PARENT;
use crate::procs::State;
use crate::Outcome;
use userlib::abi::memsrv::{ExitHow, MemError, INIT_PID};

const EXITED: u64 = ExitHow::Exited as u64;
const KILLED: u64 = ExitHow::Killed as u64;

fn exists(l: &crate::ledger::Ledger, pid: u64) -> bool {
    l.procs.get(pid).is_some()
}

fn zombies(l: &crate::ledger::Ledger, pid: u64) -> u32 {
    l.procs.get(pid).expect("a record").zombies
}

#[test]
fn an_ended_process_gives_back_its_commitment_and_leaves_a_zombie() {
    let mut l = ledger();
    let a = spawn(&mut l, 100);
    let b = fork(&mut l, a);
    assert_eq!(
        (charged(&l, b), job(&l, a), l.charged),
        (100, (200, 2, 2), 200)
    );
    assert!(l.end(b, ExitHow::Exited, 7).is_empty());
    assert_eq!((job(&l, a), l.charged), ((100, 1, 2), 100));
    let p = l.procs.get(b).expect("a zombie");
    assert!(p.is_zombie() && p.slots().is_none());
    assert_eq!(p.charged, 0);
    assert_eq!(zombies(&l, a), 1);
    assert_eq!(l.procs.live_count(), 1);
    assert_eq!(l.wait(a, 50, 0, false), Outcome::Reply([b, 7, EXITED, 0]));
    assert!(!exists(&l, b));
    assert_eq!((job(&l, a), zombies(&l, a)), ((100, 1, 1), 0));
}

#[test]
fn ending_what_is_not_live_changes_nothing() {
    let mut l = ledger();
    let a = spawn(&mut l, 10);
    let b = fork(&mut l, a);
    l.end(b, ExitHow::Exited, 1);
    assert!(l.end(b, ExitHow::Killed, -1).is_empty());
    assert!(l.end(INIT_PID, ExitHow::Killed, -1).is_empty());
    assert!(l.end(99, ExitHow::Killed, -1).is_empty());
    assert_eq!((job(&l, a), zombies(&l, a), l.charged), ((10, 1, 2), 1, 10));
    assert_eq!(l.wait(a, 50, 0, true), Outcome::Reply([b, 1, EXITED, 0]));
}

#[test]
fn a_waiting_parent_is_answered_when_its_child_ends() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    let c = fork(&mut l, a);
    assert_eq!(l.wait(a, 50, c, false), Outcome::Nothing);
    assert_eq!(l.procs.get(a).and_then(|p| p.waiting), Some((50, c)));
    // Not the child it waits for: it stays a zombie.
    assert!(l.end(b, ExitHow::Exited, 3).is_empty());
    let wakes = l.end(c, ExitHow::Killed, KILLED_STATUS);
    assert_eq!(wakes.as_slice(), [(50, [c, u64::MAX, KILLED, 0])]);
    assert_eq!(l.procs.get(a).and_then(|p| p.waiting), None);
    assert!(exists(&l, b) && !exists(&l, c));
    assert_eq!((zombies(&l, a), job(&l, a).2), (1, 2));
    // Any child: the zombie is there.
    assert_eq!(l.wait(a, 51, 0, false), Outcome::Reply([b, 3, EXITED, 0]));
}

#[test]
fn wait_without_children_or_without_blocking() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    assert_eq!(l.wait(a, 50, 0, false), Outcome::Refuse(MemError::NoChild));
    let b = fork(&mut l, a);
    assert_eq!(
        l.wait(a, 50, b + 1, false),
        Outcome::Refuse(MemError::NoChild)
    );
    assert_eq!(
        l.wait(a, 50, b, true),
        Outcome::Refuse(MemError::WouldBlock)
    );
    assert_eq!(
        l.wait(a, 50, 0, true),
        Outcome::Refuse(MemError::WouldBlock)
    );
    assert_eq!(l.procs.get(a).and_then(|p| p.waiting), None);
}

#[test]
fn a_parent_keeps_eight_zombies_and_the_first_to_end_is_dropped() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let children: Vec<u64> = (0..=ZOMBIES_PER_PARENT).map(|_| fork(&mut l, a)).collect();
    // They end last-born first: the oldest zombie is not the lowest pid.
    for (n, &c) in children.iter().rev().enumerate() {
        l.end(c, ExitHow::Exited, n as i64);
        assert!(children.iter().all(|&c| exists(&l, c)) || n == 8);
    }
    assert_eq!(zombies(&l, a), ZOMBIES_PER_PARENT);
    let last = children[children.len() - 1];
    assert!(!exists(&l, last));
    assert!(children[..8].iter().all(|&c| exists(&l, c)));
    assert_eq!(job(&l, a), (0, 1, 9));
    assert_eq!(
        l.wait(a, 50, children[7], false),
        Outcome::Reply([children[7], 1, EXITED, 0])
    );
    assert_eq!(zombies(&l, a), ZOMBIES_PER_PARENT - 1);
}

#[test]
fn init_keeps_every_zombie_it_will_wait_for() {
    let mut l = ledger();
    let programs: Vec<u64> = (0..12).map(|_| spawn(&mut l, 5)).collect();
    for &p in &programs {
        l.end(p, ExitHow::Exited, 0);
    }
    assert!(programs.iter().all(|&p| exists(&l, p)));
    assert_eq!((zombies(&l, INIT_PID), l.charged), (12, 0));
    assert_eq!(
        l.wait(INIT_PID, 9, programs[3], false),
        Outcome::Reply([programs[3], 0, EXITED, 0])
    );
    assert!(l.jobs.get(programs[3]).is_none());
}

#[test]
fn orphans_are_adopted_by_init_and_leave_no_zombie() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    let c = fork(&mut l, b);
    let d = fork(&mut l, b);
    l.end(d, ExitHow::Exited, 0);
    assert_eq!(job(&l, a), (0, 3, 4));
    l.end(b, ExitHow::Exited, 0);
    assert!(!exists(&l, d), "a zombie nobody can wait for is dropped");
    let orphan = l.procs.get(c).expect("live");
    assert_eq!((orphan.parent, orphan.adopted), (INIT_PID, true));
    assert_eq!(job(&l, a), (0, 2, 3));
    // The job's first process may end it (a shell, what its foreground program left running);
    // a process of the job that does not lead it, another job's, or a live child may not.
    assert_eq!(l.procs.live_orphan_of(a, c), Some(c));
    let e = fork(&mut l, a);
    assert_eq!(l.procs.live_orphan_of(e, c), None);
    assert_eq!(l.procs.live_orphan_of(a, e), None, "a child, not an orphan");
    let other = spawn(&mut l, 0);
    assert_eq!(l.procs.live_orphan_of(other, c), None);
    assert_eq!(l.procs.live_orphan_of(a, 0), None);
    l.end(c, ExitHow::Exited, 0);
    assert!(!exists(&l, c));
    assert_eq!(l.procs.live_orphan_of(a, c), None, "no longer live");
    assert_eq!((job(&l, a).1, zombies(&l, INIT_PID)), (2, 0));
}

#[test]
fn init_collects_a_program_once_its_whole_job_has_ended() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    l.end(a, ExitHow::Exited, 4);
    assert_eq!(
        l.wait(INIT_PID, 9, 0, true),
        Outcome::Refuse(MemError::WouldBlock)
    );
    assert_eq!(l.wait(INIT_PID, 9, a, false), Outcome::Nothing);
    let wakes = l.end(b, ExitHow::Exited, 0);
    assert_eq!(wakes.as_slice(), [(9, [a, 4, EXITED, 0])]);
    assert!(l.jobs.get(a).is_none());
    assert_eq!(l.procs.live_count(), 0);
}

#[test]
fn a_program_whose_job_is_done_is_collected_at_once() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    assert_eq!(l.wait(INIT_PID, 9, 0, false), Outcome::Nothing);
    let wakes = l.end(a, ExitHow::Exited, 2);
    assert_eq!(wakes.as_slice(), [(9, [a, 2, EXITED, 0])]);
}

#[test]
fn a_failed_fork_is_rolled_back() {
    let mut l = ledger();
    let a = spawn(&mut l, 5000);
    let (_, child) = l.fork_child(a).expect("a record");
    assert!(!child.committed, "5000 more frames exceed the quota");
    assert_eq!((l.charged, job(&l, a)), (5000, (5000, 2, 2)));
    assert!(l.abandon(child.pid).is_empty());
    assert!(!exists(&l, child.pid));
    assert_eq!(
        (l.charged, job(&l, a), zombies(&l, a)),
        (5000, (5000, 1, 1), 0)
    );
    assert_eq!(l.procs.live_count(), 1);
    // A committed one is rolled back as well.
    let a2 = spawn(&mut l, 10);
    let b = fork(&mut l, a2);
    l.abandon(b);
    assert!(!exists(&l, b));
    assert_eq!(l.charged, 5010);
}

#[test]
fn a_failed_spawn_leaves_nothing() {
    let mut l = ledger();
    let job0 = l.admit(INIT_PID).expect("room");
    let regions = Default::default();
    let tables = crate::tables::Tables::new();
    let child = l
        .add_child(INIT_PID, job0, b"big", regions, tables, l.quota + 1)
        .expect("a record");
    assert!(!child.committed);
    l.abandon(child.pid);
    assert!(!exists(&l, child.pid) && l.jobs.get(child.pid).is_none());
    assert_eq!(
        (l.charged, l.procs.live_count(), zombies(&l, INIT_PID)),
        (0, 0, 0)
    );
}

#[test]
fn a_notice_is_acted_on_only_for_the_senders_own_task() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    l.procs.get_mut(a).expect("live").task_id = 12;
    let slots = l.procs.get(a).and_then(|p| p.slots()).expect("live");
    assert_eq!(l.notice_target(a, 12), Some((a, slots)));
    assert_eq!(l.notice_target(a, 13), None);
    assert_eq!(l.notice_target(99, 12), None);
    assert_eq!(l.notice_target(INIT_PID, u64::MAX), None);
    l.end(a, ExitHow::Exited, 0);
    assert_eq!(l.notice_target(a, 12), None);
    assert!(matches!(
        l.procs.get(a).map(|p| p.state),
        Some(State::Zombie { code: 0, .. })
    ));
}

#[test]
fn only_live_processes_make_requests() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    assert!(l.is_live(a) && l.is_live(INIT_PID));
    l.end(b, ExitHow::Exited, 0);
    assert!(!l.is_live(b) && !l.is_live(99));
}
