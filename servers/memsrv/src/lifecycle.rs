//! How processes end: `exit` (a kernel notice), being killed (a fault the server cannot resolve,
//! or the parent's `kill`), and `wait`. Ending a process destroys its task, endpoint and address
//! space — the kernel then gives back every frame that loses its last mapping, page tables
//! included — and leaves a zombie record until the parent waits (or, for a parent that never
//! waits, until it has too many: `bound_zombies`); orphans are init's and leave no zombie.
use crate::jobs::ZOMBIES_PER_PARENT;
use crate::procs::State;
use crate::{Outcome, Server};
use userlib::abi::memsrv::{ExitHow, MemError, INIT_PID};
use userlib::abi::msg::fault;
use userlib::ipc::Received;
use userlib::{println, sys, MsgTag, SysError};

impl Server {
    /// A notice from the kernel about the process the badge names.
    pub fn notice(&mut self, msg: &Received) -> Outcome {
        let w = msg.msg.words;
        let Some(p) = self.procs.get(msg.badge) else {
            return Outcome::Nothing;
        };
        let Some(slots) = p.slots().filter(|_| w[0] == p.task_id) else {
            // The kernel's, but about a task this process does not own: nothing to do.
            return Outcome::Nothing;
        };
        let pid = p.pid;
        match msg.label() {
            fault::EXIT => {
                self.end(pid, ExitHow::Exited, w[1] as i64);
                Outcome::Nothing
            }
            fault::PAGE_FAULT => match self.page_fault(pid, slots.space(), w[1], w[2]) {
                Ok(()) => Outcome::Reply([0; 4]),
                Err(why) => {
                    let (name, access) = (self.name_of(pid), fault::access(w[2]));
                    println!(
                        "memsrv: {name} (pid {pid}) killed: page fault {access} {:#x} at rip={:#x} ({why})",
                        w[1], w[3]
                    );
                    self.end(pid, ExitHow::Killed, -1);
                    Outcome::Nothing
                }
            },
            label => {
                let name = self.name_of(pid);
                if label == fault::EXCEPTION {
                    println!(
                        "memsrv: {name} (pid {pid}) killed: {} (vector {}) error={:#x} at rip={:#x}",
                        fault::vector_name(w[1]),
                        w[1],
                        w[2],
                        w[3]
                    );
                } else if label == fault::IO_PORT {
                    println!(
                        "memsrv: {name} (pid {pid}) killed: in/out to port {:#x} without an I/O-port capability at rip={:#x}",
                        w[1], w[3]
                    );
                } else {
                    println!(
                        "memsrv: {name} (pid {pid}) killed: unknown kernel message {label:#x}"
                    );
                }
                self.end(pid, ExitHow::Killed, -1);
                Outcome::Nothing
            }
        }
    }

    pub fn name_of(&self, pid: u64) -> heapless::String<16> {
        let mut s = heapless::String::new();
        let _ = s.push_str(self.procs.get(pid).map_or("?", |p| p.name()));
        s
    }

    /// Ends a live process: destroys its kernel objects and gives back what it had committed,
    /// deals with its children (zombies dropped, live ones adopted by init), and leaves a zombie
    /// for its parent (waking the parent if it waits for it), within the zombie policy.
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) {
        let Some(p) = self.procs.get(pid) else { return };
        let Some(slots) = p.slots() else { return };
        let (parent, charged, job, adopted, named) =
            (p.parent, p.charged, p.job, p.adopted, p.named);
        let _ = sys::task_destroy(slots.task());
        let _ = sys::cap_delete(slots.task());
        let _ = sys::endpoint_destroy(slots.own());
        let _ = sys::cap_delete(slots.own());
        if named {
            crate::names::ended(pid);
        }
        match sys::as_destroy(slots.space()) {
            Ok(()) | Err(SysError::EmptySlot) => {} // (a spawn that failed before making it)
            Err(e) => println!("memsrv: cannot destroy the address space of pid {pid}: {e}"),
        }
        let _ = sys::cap_delete(slots.space());
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
            if !self.wake(parent, pid) {
                self.bound_zombies(parent);
            }
        }
        // The last process of a job has ended: init may now collect the job's first process.
        if job != pid && self.jobs.get(job).is_some_and(|j| j.live == 0) {
            self.wake(INIT_PID, job);
        }
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

    /// Answers `parent`'s blocked `wait` with zombie `pid`, if it waits for it and may have it;
    /// returns whether it did.
    fn wake(&mut self, parent: u64, pid: u64) -> bool {
        let waiter = self.procs.get(parent).and_then(|p| p.waiting);
        let Some((task, filter)) = waiter else {
            return false;
        };
        if !(filter == 0 || filter == pid) || !self.reapable(pid) {
            return false;
        }
        if let Some(p) = self.procs.get_mut(parent) {
            p.waiting = None;
        }
        let words = self.reap(pid);
        let _ = sys::reply(task, MsgTag::new(0, 4, 0), words);
        true
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
            self.forget(oldest);
        }
    }

    /// Removes a zombie without a `wait` (the zombie policy).
    fn forget(&mut self, pid: u64) {
        let parent = self.procs.get(pid).map_or(0, |p| p.parent);
        if let Some(p) = self.procs.get_mut(parent) {
            p.zombies = p.zombies.saturating_sub(1);
        }
        self.drop_record(pid);
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

    /// `wait`: a zombie child now, or block (unless `nohang`) until one ends.
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

    /// `kill`: ends a live child of the caller (every live child if `pid` is 0) and all their
    /// descendants.
    pub fn kill(&mut self, caller: u64, pid: u64) -> Result<(), MemError> {
        let mut target = self
            .procs
            .live_child(caller, pid)
            .ok_or(MemError::NoChild)?;
        loop {
            self.kill_tree(target);
            match self.procs.live_child(caller, pid) {
                Some(next) => target = next,
                None => return Ok(()),
            }
        }
    }

    fn kill_tree(&mut self, pid: u64) {
        while let Some(child) = self.procs.live_child(pid, 0) {
            self.kill_tree(child);
        }
        self.end(pid, ExitHow::Killed, -1);
    }
}
