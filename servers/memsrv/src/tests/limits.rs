//! The reserve, the quota, and the bounds on live processes and records.
use super::{charged, fork, job, ledger, spawn};
use crate::jobs::{JOB_LIVE, JOB_RECORDS, MAX_LIVE};
use crate::ledger::Ledger;
use userlib::abi::memsrv::{MemError, INIT_PID};

#[test]
fn the_reserve_is_a_sixteenth_of_the_pool_and_at_least_512_frames() {
    let l = Ledger::new(16384);
    assert_eq!(
        (l.reserve, l.limit, l.quota, l.charged),
        (1024, 15360, 7680, 0)
    );
    let l = Ledger::new(4096);
    assert_eq!((l.reserve, l.limit, l.quota), (512, 3584, 1792));
    let l = Ledger::new(8208);
    assert_eq!((l.reserve, l.limit, l.quota), (513, 7695, 3847));
    let l = Ledger::new(100);
    assert_eq!((l.reserve, l.limit, l.quota), (512, 0, 0));
}

#[test]
fn a_job_may_be_charged_up_to_its_quota_and_no_more() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    assert_eq!(l.charge(a, l.quota + 1), Err(MemError::OutOfMemory));
    assert_eq!(l.charge(a, l.quota - 1), Ok(()));
    // A child shares the quota of its job.
    assert_eq!(l.charge(b, 1), Ok(()));
    assert_eq!(l.charge(b, 1), Err(MemError::OutOfMemory));
    assert_eq!(l.charge(a, 1), Err(MemError::OutOfMemory));
    assert_eq!((charged(&l, a), charged(&l, b)), (7679, 1));
    assert_eq!((job(&l, a).0, l.charged), (7680, 7680));
    // Another job has its own.
    let c = spawn(&mut l, 7000);
    assert_eq!((charged(&l, c), l.charged), (7000, 14680));
}

#[test]
fn all_jobs_together_stop_at_the_limit() {
    let mut l = ledger();
    l.quota = l.limit;
    let a = spawn(&mut l, 15000);
    let b = spawn(&mut l, 0);
    assert_eq!(l.charge(b, 361), Err(MemError::OutOfMemory));
    assert_eq!(l.charge(b, 360), Ok(()));
    assert_eq!(l.charged, l.limit);
    assert_eq!(l.charge(a, 1), Err(MemError::OutOfMemory));
}

#[test]
fn a_touched_stack_page_may_use_a_quarter_of_the_reserve() {
    let mut l = ledger();
    let a = spawn(&mut l, 7680);
    let b = spawn(&mut l, 7680);
    assert_eq!(l.charge(b, 1), Err(MemError::OutOfMemory));
    assert_eq!(l.charge_fault(a, 255), Ok(()));
    assert_eq!(l.charge_fault(b, 1), Ok(()));
    assert_eq!(l.charge_fault(b, 1), Err(MemError::OutOfMemory));
    assert_eq!(
        (charged(&l, a), charged(&l, b), l.charged),
        (7935, 7681, 15616)
    );
    assert_eq!(job(&l, a).0, 7935);
    assert_eq!(ledger().charge_fault(99, 1), Err(MemError::NoChild));
    assert_eq!(ledger().charge(99, 1), Err(MemError::NoChild));
}

#[test]
fn uncharging_gives_back_at_most_what_was_charged() {
    let mut l = ledger();
    let a = spawn(&mut l, 50);
    let b = fork(&mut l, a);
    l.uncharge(b, 20);
    assert_eq!((charged(&l, b), job(&l, a).0, l.charged), (30, 80, 80));
    l.uncharge(b, 1000);
    assert_eq!((charged(&l, b), job(&l, a).0, l.charged), (0, 50, 50));
    l.uncharge(99, 10);
    assert_eq!(l.charged, 50);
}

#[test]
fn init_may_fill_every_process_slot() {
    let mut l = ledger();
    for _ in 0..MAX_LIVE {
        spawn(&mut l, 0);
    }
    assert_eq!(l.procs.live_count(), MAX_LIVE);
    assert_eq!(l.admit(INIT_PID), Err(MemError::TooManyProcesses));
}

#[test]
fn a_job_has_at_most_ten_live_processes() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    for _ in 1..JOB_LIVE {
        fork(&mut l, a);
    }
    assert_eq!(job(&l, a), (0, 10, 10));
    assert_eq!(l.admit(a), Err(MemError::TooManyProcesses));
    // Other jobs and init are not held up.
    let b = spawn(&mut l, 0);
    assert_eq!(l.admit(b), Ok(b));
}

#[test]
fn jobs_leave_two_slots_for_init() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    for _ in 1..JOB_LIVE {
        fork(&mut l, a);
    }
    let b = spawn(&mut l, 0);
    fork(&mut l, b);
    fork(&mut l, b);
    assert_eq!(l.procs.live_count(), 13);
    assert_eq!(l.admit(b), Ok(b));
    fork(&mut l, b);
    assert_eq!(l.admit(b), Err(MemError::TooManyProcesses));
    assert_eq!(l.admit(INIT_PID), Ok(0));
}

#[test]
fn a_job_has_a_bounded_number_of_records() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    l.jobs.get_mut(a).expect("a job").records = JOB_RECORDS - 1;
    assert_eq!(l.admit(a), Ok(a));
    l.jobs.get_mut(a).expect("a job").records = JOB_RECORDS;
    assert_eq!(l.admit(a), Err(MemError::TooManyProcesses));
    assert_eq!(JOB_RECORDS, 90);
}

#[test]
fn a_parent_that_is_not_live_cannot_add_processes() {
    let l = ledger();
    assert_eq!(l.admit(7), Err(MemError::BadRequest));
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let b = fork(&mut l, a);
    l.jobs = crate::jobs::Jobs::new();
    assert_eq!(l.admit(a), Err(MemError::BadRequest));
    assert_eq!(l.join(b), Err(MemError::BadRequest));
    assert_eq!(l.join(99), Err(MemError::BadRequest));
    assert_eq!(l.charge(b, 1), Err(MemError::NoChild));
    assert_eq!(l.charge_fault(b, 1), Err(MemError::NoChild));
    // Init's own record is live but it runs nowhere: it cannot fork.
    assert_eq!(
        ledger().fork_child(INIT_PID).map(|_| ()),
        Err(MemError::BadRequest)
    );
}

#[test]
fn joining_counts_a_live_process_and_a_record() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    assert_eq!(job(&l, a), (0, 1, 1));
    let b = fork(&mut l, a);
    assert_eq!(l.procs.get(b).map(|p| p.job), Some(a));
    assert_eq!(job(&l, a), (0, 2, 2));
    assert!(l.jobs.get(b).is_none());
}

#[test]
fn a_job_goes_with_its_last_record() {
    let mut jobs = crate::jobs::Jobs::new();
    jobs.open(5).expect("room");
    jobs.get_mut(5).expect("a job").records = 2;
    jobs.record_gone(5);
    assert_eq!(jobs.get(5).map(|j| j.records), Some(1));
    jobs.record_gone(5);
    assert!(jobs.get(5).is_none());
    jobs.record_gone(5);
    assert!(jobs.get(5).is_none());
}
