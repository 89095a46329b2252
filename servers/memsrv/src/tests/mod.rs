//! Host tests of the memory server's decisions: every rule of the books, pinned at its
//! boundaries (`make mutants` checks that changing any of them fails a test).
mod args;
mod commit;
mod decode;
mod ending;
mod layout;
mod limits;
mod records;
mod tables;

use crate::ledger::Ledger;
use crate::regions::Regions;
use crate::tables::Tables;
use userlib::abi::memsrv::INIT_PID;

/// A pool of 64 MiB: a reserve of 1024 frames, 15360 for jobs, 7680 for any one job.
const POOL: u64 = 16384;

fn ledger() -> Ledger {
    Ledger::new(POOL)
}

/// A program init starts (a new job), committed `frames`; its pid.
fn spawn(l: &mut Ledger, frames: u64) -> u64 {
    spawn_with(l, Regions::default(), frames)
}

fn spawn_with(l: &mut Ledger, regions: Regions, frames: u64) -> u64 {
    let job = l.admit(INIT_PID).expect("init may start a program");
    let child = l
        .add_child(INIT_PID, job, b"prog", regions, Tables::new(), frames)
        .expect("a record");
    assert!(child.committed);
    child.pid
}

/// A fork of `parent`; the child's pid.
fn fork(l: &mut Ledger, parent: u64) -> u64 {
    let (_, child) = l.fork_child(parent).expect("a fork");
    assert!(child.committed);
    child.pid
}

/// What a job is charged with, and its live processes and records.
fn job(l: &Ledger, job: u64) -> (u64, u32, u32) {
    let j = l.jobs.get(job).expect("a job");
    (j.charged, j.live, j.records)
}

fn charged(l: &Ledger, pid: u64) -> u64 {
    l.procs.get(pid).expect("a record").charged
}
