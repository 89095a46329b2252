//! The books' side of how processes end (the kernel objects are destroyed by the program's
//! `lifecycle.rs` first): the commitment given back, the children dealt with (zombies dropped,
//! live ones adopted by init), a zombie left for the parent within the zombie policy, and the
//! `wait`s this answers. Orphans are init's and leave no zombie.
use crate::jobs::ZOMBIES_PER_PARENT;
use crate::ledger::Ledger;
use crate::procs::{Slots, State};
use crate::Outcome;
use heapless::Vec;
use userlib::abi::memsrv::{ExitHow, MemError, INIT_PID};

/// Blocked `wait`s an end answers (the parent's, and init's for the job's first process): the
/// task to reply to and the reply's words.
pub type Wakes = Vec<(u64, [u64; 4]), 2>;

/// The status `wait` reads for a process that was killed.
pub const KILLED_STATUS: i64 = -1;

impl Ledger {
    /// A kernel notice badged `badge` about task `task`: the process it concerns and its kernel
    /// objects, if it is live and `task` is its own (a notice about another task is not acted
    /// on as the sender's).
    #[inline]
    pub fn notice_target(&self, badge: u64, task: u64) -> Option<(u64, Slots)> {
        let p = self.procs.get(badge)?;
        let slots = p.slots().filter(|_| task == p.task_id)?;
        Some((p.pid, slots))
    }

    /// Ends live process `pid` in the books: gives back what it had committed, deals with its
    /// children, and leaves a zombie for its parent (waking the parent if it waits for it), within
    /// the zombie policy. Returns the `wait`s to answer.
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) -> Wakes {
        let mut wakes = Wakes::new();
        let Some(p) = self.procs.get(pid).filter(|p| p.slots().is_some()) else {
            return wakes;
        };
        let (parent, charged, job, adopted) = (p.parent, p.charged, p.job, p.adopted);
        self.uncharge(pid, charged);
        self.procs.end(pid, how, code);
        if let Some(j) = self.jobs.get_mut(job) {
            j.live -= 1;
        }
        self.orphan_children(pid);
        if parent == 0 || adopted {
            // Nobody waits for it: no zombie.
            self.drop_record(pid);
        } else {
            if let Some(p) = self.procs.get_mut(parent) {
                p.zombies += 1;
            }
            match self.wake(parent, pid) {
                Some(wake) => wakes.extend([wake]),
                None => self.bound_zombies(parent),
            }
        }
        // The last process of a job has ended: init may now collect the job's first process (if
        // that was it, the parent's wake above was init's).
        if self.jobs.get(job).is_some_and(|j| j.live == 0) {
            wakes.extend(self.wake(INIT_PID, job));
        }
        wakes
    }

    /// A spawn or fork of `pid` failed: its record goes with nothing left behind (no zombie,
    /// nothing charged), once the kernel objects made for it are destroyed.
    pub fn abandon(&mut self, pid: u64) -> Wakes {
        if let Some(p) = self.procs.get_mut(pid) {
            p.parent = 0; // no zombie: nobody will wait for it
        }
        self.end(pid, ExitHow::Killed, KILLED_STATUS)
    }

    /// Whether zombie `pid` can be waited for: the programs init starts only once their whole
    /// job has ended (init waits for a program and everything it started, as a shell waits for
    /// a pipeline), every other process at once.
    fn reapable(&self, pid: u64) -> bool {
        let Some(p) = self.procs.get(pid).filter(|p| p.is_zombie()) else {
            return false;
        };
        p.parent != INIT_PID || self.jobs.get(p.job).is_none_or(|j| j.live == 0)
    }

    /// Answers `parent`'s blocked `wait` with zombie `pid`, if it waits for it and may have it.
    fn wake(&mut self, parent: u64, pid: u64) -> Option<(u64, [u64; 4])> {
        let (task, filter) = self.procs.get(parent)?.waiting?;
        if !(filter == 0 || filter == pid) || !self.reapable(pid) {
            return None;
        }
        if let Some(p) = self.procs.get_mut(parent) {
            p.waiting = None;
        }
        Some((task, self.reap(pid)))
    }

    /// The children of an ended process: zombies are dropped (nobody can wait for them now);
    /// live ones are adopted by init, as in Unix, so that someone ends them when the run ends —
    /// but init does not wait for them, so they leave no zombie.
    fn orphan_children(&mut self, pid: u64) {
        let jobs = &mut self.jobs;
        self.procs.drop_where(
            |c| c.parent == pid && c.is_zombie(),
            |c| jobs.record_gone(c.job),
        );
        for c in self.procs.all_mut().filter(|c| c.parent == pid) {
            c.parent = INIT_PID;
            c.adopted = true;
        }
    }

    /// The zombie policy: a parent that never waits keeps at most `ZOMBIES_PER_PARENT` zombies;
    /// past that, the one that ended first is dropped (its status is lost). Init waits for the
    /// programs it starts and adopts orphans without zombies, so it is not bounded.
    fn bound_zombies(&mut self, parent: u64) {
        let Some(p) = self.procs.get(parent) else {
            return;
        };
        if parent == INIT_PID || p.zombies <= ZOMBIES_PER_PARENT {
            return;
        }
        if let Some(oldest) = self.procs.oldest_zombie(parent) {
            self.reap(oldest); // (its status is not wanted)
        }
    }

    fn drop_record(&mut self, pid: u64) {
        if let Some(p) = self.procs.remove(pid) {
            self.jobs.record_gone(p.job);
        }
    }

    /// Removes a zombie; the words `wait` replies with.
    fn reap(&mut self, pid: u64) -> [u64; 4] {
        let parent = self.procs.get(pid).map_or(0, |p| p.parent);
        if let Some(p) = self.procs.get_mut(parent) {
            p.zombies = p.zombies.saturating_sub(1);
        }
        let removed = self.procs.remove(pid);
        if let Some(p) = &removed {
            self.jobs.record_gone(p.job);
        }
        match removed.map(|p| p.state) {
            Some(State::Zombie { how, code, .. }) => [pid, code as u64, how as u64, 0],
            _ => [pid, u64::MAX, ExitHow::Killed as u64, 0],
        }
    }

    /// `wait`: a zombie child now, or block (unless `nohang`) until one ends; `task` is the
    /// caller's, to answer later.
    pub fn wait(&mut self, pid: u64, task: u64, filter: u64, nohang: bool) -> Outcome {
        let mut any = false;
        let mut zombie = None;
        for c in self.procs.children(pid) {
            if filter == 0 || c.pid == filter {
                any = true;
                if self.reapable(c.pid) {
                    zombie = Some(c.pid);
                    break;
                }
            }
        }
        match (zombie, any) {
            (Some(child), _) => Outcome::Reply(self.reap(child)),
            (None, false) => Outcome::Refuse(MemError::NoChild),
            (None, true) if nohang => Outcome::Refuse(MemError::WouldBlock),
            (None, true) => {
                if let Some(p) = self.procs.get_mut(pid) {
                    p.waiting = Some((task, filter));
                }
                Outcome::Nothing
            }
        }
    }
}
