//! Jobs (after Zircon's): every program init starts is a job, and every process it forks or
//! spawns, and theirs, belongs to that job. A job's processes share one memory quota, one bound
//! on live processes and one on records (zombies included), so a program cannot escape its limits
//! by forking: a parent and its children together get what one program gets. What no job may
//! take — the reserve of memory, the process slots only init may fill — keeps the system
//! servers able to work and init able to start the next program.
//!
//! The accounting is strict (`charge`): every frame a process may cause to be used is committed
//! before it is used — its pages and the page tables to map them (`tables.rs`) — so a page it was
//! promised never fails on touch, and what one job takes is bounded by its quota.
use crate::heap::{map, Map};
use crate::{Server, INIT_PID};
use userlib::abi::memsrv::MemError;

/// Live processes at once, all jobs together: the server keeps three capability slots for each
/// (address space, task, endpoint), 48 of its 64 (the first 16 are its own).
pub const MAX_LIVE: usize = 16;
/// Live processes one job may have: however many one job has, others have 4 (and init 2).
pub const JOB_LIVE: u32 = 10;
/// Slots only init's `Spawn` fills: however many processes the jobs running have, init can start
/// this many more programs.
pub const INIT_RESERVED: usize = 2;
/// Zombies one parent keeps (init excepted): when another child ends, the one that ended first is
/// dropped, so a parent that never waits (every WeensyOS program) costs a bounded number of
/// records. A parent that waits loses nothing unless it lets this many pile up.
pub const ZOMBIES_PER_PARENT: u32 = 8;
/// Records one job may have: its live processes, and the zombies each may keep. (Zombies of an
/// ended parent are dropped; live orphans are init's and leave no zombie.)
pub const JOB_RECORDS: u32 = JOB_LIVE * (1 + ZOMBIES_PER_PARENT);

/// One job's share.
#[derive(Clone, Copy, Debug, Default)]
pub struct Job {
    /// Frames committed to its live processes.
    pub charged: u64,
    /// Its live processes.
    pub live: u32,
    /// Its records: live processes and zombies.
    pub records: u32,
}

/// The jobs that have records, by id (the pid of the process init started).
pub struct Jobs {
    jobs: Map<u64, Job>,
}

impl Jobs {
    pub fn new() -> Jobs {
        Jobs { jobs: map() }
    }

    pub fn get(&self, job: u64) -> Option<&Job> {
        self.jobs.get(&job)
    }

    pub fn get_mut(&mut self, job: u64) -> Option<&mut Job> {
        self.jobs.get_mut(&job)
    }

    /// A new job, or `OutOfMemory` if the server's heap cannot hold it.
    fn open(&mut self, job: u64) -> Result<(), MemError> {
        self.jobs
            .try_reserve(1)
            .map_err(|_| MemError::OutOfMemory)?;
        self.jobs.insert(job, Job::default());
        Ok(())
    }

    /// One record of `job` is gone (reaped or dropped); the job goes with its last.
    pub fn record_gone(&mut self, job: u64) {
        if let Some(j) = self.jobs.get_mut(&job) {
            j.records = j.records.saturating_sub(1);
            if j.records == 0 {
                self.jobs.remove(&job);
            }
        }
    }
}

impl Server {
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
