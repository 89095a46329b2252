//! The background jobs: programs started with `&` that the shell has not yet seen end.
use heapless::{String, Vec};
use userlib::abi::memsrv::NAME_MAX;

/// Most background jobs at once (the memory server allows a job ten live processes, the shell
/// among them).
pub const MAX_JOBS: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub pid: u64,
    pub program: String<NAME_MAX>,
}

/// The jobs, oldest first.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Vec<Job, MAX_JOBS>,
}

/// No room for another background job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

impl Jobs {
    /// Whether another job fits (asked before starting one, so none runs unrecorded).
    pub fn has_room(&self) -> bool {
        !self.jobs.is_full()
    }

    /// Records a job started in the background.
    pub fn add(&mut self, pid: u64, program: &str) -> Result<(), Full> {
        let mut name = String::new();
        // (Names come from the memory server's limit; a longer one is cut, not refused.)
        for c in program.chars() {
            if name.push(c).is_err() {
                break;
            }
        }
        self.jobs.push(Job { pid, program: name }).map_err(|_| Full)
    }

    /// The job `pid`, no longer recorded (it ended, or was killed and reaped).
    pub fn remove(&mut self, pid: u64) -> Option<Job> {
        let at = self.jobs.iter().position(|j| j.pid == pid)?;
        Some(self.jobs.remove(at))
    }

    /// The `n`-th job (from 1, oldest first: `kill %n`).
    pub fn nth(&self, n: usize) -> Option<&Job> {
        self.jobs.get(n.checked_sub(1)?)
    }

    pub fn get(&self, pid: u64) -> Option<&Job> {
        self.jobs.iter().find(|j| j.pid == pid)
    }

    /// The pids of the jobs, oldest first (a copy, so the caller may remove while going through).
    pub fn pids(&self) -> Vec<u64, MAX_JOBS> {
        self.jobs.iter().map(|j| j.pid).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}
