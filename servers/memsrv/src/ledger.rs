//! The server's books: the process records, the jobs, and how much memory each has been promised
//! (committed). Everything here is a decision on numbers the server keeps — no kernel call — so it
//! runs in host tests (`cargo test -p memsrv --lib`); the program's glue makes the kernel calls
//! these decisions ask for (`lifecycle.rs`, `fork.rs`, `spawn.rs`, `requests.rs`).
use crate::jobs::{Jobs, INIT_RESERVED, JOB_LIVE, JOB_RECORDS, MAX_LIVE};
use crate::procs::{State, Table};
use userlib::abi::memsrv::{MemError, INIT_PID};

/// Frames kept back from what jobs may be charged with: for the server's own needs (its heap of
/// records, its page tables, the scratch window), a quarter for stack pages touched by processes
/// already at their quota, and what init and the servers it runs take from the pool. A sixteenth
/// of the pool, at least this many.
pub const MIN_RESERVE: u64 = 512;

pub struct Ledger {
    pub procs: Table,
    pub jobs: Jobs,
    /// Frames any one job may be charged with: half of `limit`.
    pub quota: u64,
    /// Frames all jobs together may be charged with (the pool minus the reserve).
    pub limit: u64,
    pub reserve: u64,
    /// Frames charged to all jobs together.
    pub charged: u64,
}

impl Ledger {
    /// The books of a server given a pool of `pool_frames` free frames.
    pub fn new(pool_frames: u64) -> Ledger {
        let reserve = (pool_frames / 16).max(MIN_RESERVE);
        let limit = pool_frames.saturating_sub(reserve);
        Ledger {
            procs: Table::new(),
            jobs: Jobs::new(),
            quota: limit / 2,
            limit,
            reserve,
            charged: 0,
        }
    }

    /// Whether `pid` is a live process (init included): only those make requests.
    pub fn is_live(&self, pid: u64) -> bool {
        self.procs
            .get(pid)
            .is_some_and(|p| matches!(p.state, State::Live(_)))
    }

    /// Whether a new process may start: in `parent`'s job (a fork, or a spawn by a process), or
    /// as a new job (`Spawn` by init). Returns its job (0: a new one, numbered by its pid).
    pub fn admit(&self, parent: u64) -> Result<u64, MemError> {
        let live = self.procs.live_count();
        if parent == INIT_PID {
            return if live < MAX_LIVE {
                Ok(0)
            } else {
                Err(MemError::TooManyProcesses)
            };
        }
        let job = self.procs.get(parent).ok_or(MemError::BadRequest)?.job;
        let j = self.jobs.get(job).ok_or(MemError::BadRequest)?;
        if live >= MAX_LIVE - INIT_RESERVED || j.live >= JOB_LIVE || j.records >= JOB_RECORDS {
            return Err(MemError::TooManyProcesses);
        }
        Ok(job)
    }

    /// Counts a record just added (`Table::add`) to its job, opening the job if it is new.
    pub fn join(&mut self, pid: u64) -> Result<(), MemError> {
        let job = self.procs.get(pid).ok_or(MemError::BadRequest)?.job;
        if job == pid {
            self.jobs.open(job)?;
        }
        let j = self.jobs.get_mut(job).ok_or(MemError::BadRequest)?;
        j.live += 1;
        j.records += 1;
        Ok(())
    }

    /// Commits `frames` to `pid` for something it asked for (`page_alloc`, `sbrk`, `fork`,
    /// `spawn`), if its job's quota and the pool (less the reserve) allow. Commitment is strict
    /// accounting, as Linux's `overcommit_memory=2`: a process is charged for every page it may
    /// have privately and writably mapped (a page shared copy-on-write is committed to every
    /// sharer) and for the page tables that map them, so a write never finds memory missing and
    /// fork fails up front when it could not be honoured.
    #[inline]
    pub fn charge(&mut self, pid: u64, frames: u64) -> Result<(), MemError> {
        let job = self.procs.get(pid).ok_or(MemError::NoChild)?.job;
        let j = self.jobs.get(job).ok_or(MemError::NoChild)?;
        if j.charged + frames > self.quota || self.charged + frames > self.limit {
            return Err(MemError::OutOfMemory);
        }
        self.charge_fault(pid, frames)
    }

    /// Commits `frames` to `pid` for a stack page it touched. The quota does not apply, and it
    /// may use a quarter of the reserve: a process that was refused memory must still be able to
    /// call a function. The stack's size bounds it.
    #[inline]
    pub fn charge_fault(&mut self, pid: u64, frames: u64) -> Result<(), MemError> {
        if self.charged + frames > self.limit + self.reserve / 4 {
            return Err(MemError::OutOfMemory);
        }
        let p = self.procs.get_mut(pid).ok_or(MemError::NoChild)?;
        let j = self.jobs.get_mut(p.job).ok_or(MemError::NoChild)?;
        p.charged += frames;
        j.charged += frames;
        self.charged += frames;
        Ok(())
    }

    /// Takes back a charge made for something that then failed or was given back, or for a
    /// process that ended.
    #[inline]
    pub fn uncharge(&mut self, pid: u64, frames: u64) {
        let Some(p) = self.procs.get_mut(pid) else {
            return;
        };
        let frames = frames.min(p.charged);
        p.charged -= frames;
        if let Some(j) = self.jobs.get_mut(p.job) {
            j.charged -= frames.min(j.charged);
        }
        self.charged -= frames;
    }
}
