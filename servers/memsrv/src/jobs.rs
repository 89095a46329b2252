//! Jobs (after Zircon's): every program init starts is a job, and every process it forks or
//! spawns, and theirs, belongs to that job. A job's processes share one memory quota, one bound
//! on live processes and one on records (zombies included), so a program cannot escape its limits
//! by forking: a parent and its children together get what one program gets. What no job may
//! take — the reserve of memory, the process slots only init may fill — keeps the system
//! servers able to work and init able to start the next program.
//!
//! The accounting is strict (`Ledger::charge`, `ledger.rs`): every frame a process may cause to be used is committed
//! before it is used — its pages and the page tables to map them (`tables.rs`) — so a page it was
//! promised never fails on touch, and what one job takes is bounded by its quota.
use crate::map::Map;
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
        Jobs {
            jobs: Map::default(),
        }
    }

    #[inline]
    pub fn get(&self, job: u64) -> Option<&Job> {
        self.jobs.get(&job)
    }

    #[inline]
    pub fn get_mut(&mut self, job: u64) -> Option<&mut Job> {
        self.jobs.get_mut(&job)
    }

    /// A new job, or `OutOfMemory` if the server's heap cannot hold it.
    pub fn open(&mut self, job: u64) -> Result<(), MemError> {
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
