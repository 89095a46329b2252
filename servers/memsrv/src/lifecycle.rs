//! How processes end: `exit` (a kernel notice), being killed (a fault the server cannot resolve,
//! or the parent's `kill`), and `wait`. Ending a process destroys its task, endpoint and address
//! space — the kernel then gives back every frame that loses its last mapping, page tables
//! included — and leaves a zombie record until the parent waits; orphans are forgotten.
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

    /// Ends a live process: destroys its kernel objects, orphans its children, and leaves a zombie
    /// for its parent (waking the parent if it waits for it).
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) {
        let Some(p) = self.procs.get(pid) else { return };
        let Some(slots) = p.slots() else { return };
        let (parent, charged) = (p.parent, p.charged);
        let _ = sys::task_destroy(slots.task());
        let _ = sys::cap_delete(slots.task());
        let _ = sys::endpoint_destroy(slots.own());
        let _ = sys::cap_delete(slots.own());
        crate::names::ended(pid);
        match sys::as_destroy(slots.space()) {
            Ok(()) | Err(SysError::EmptySlot) => {} // (a spawn that failed before making it)
            Err(e) => println!("memsrv: cannot destroy the address space of pid {pid}: {e}"),
        }
        let _ = sys::cap_delete(slots.space());
        self.uncharge(pid, charged);
        self.procs.end(pid, how, code);
        // Orphans: zombies are dropped (nobody can wait for them now); live ones are adopted by
        // init, as in Unix, so that someone ends them when the run ends.
        for child in self.procs.pids() {
            let Some(c) = self.procs.get_mut(child) else {
                continue;
            };
            if c.parent != pid {
                continue;
            }
            c.parent = INIT_PID;
            if c.slots().is_none() {
                self.procs.remove(child);
            }
        }
        if parent == 0 {
            self.procs.remove(pid);
            return;
        }
        let waiter = self.procs.get(parent).and_then(|p| p.waiting);
        if let Some((task, filter)) = waiter {
            if filter == 0 || filter == pid {
                if let Some(p) = self.procs.get_mut(parent) {
                    p.waiting = None;
                }
                let words = self.reap(pid);
                let _ = sys::reply(task, MsgTag::new(0, 4, 0), words);
            }
        }
    }

    /// Removes a zombie; the words `wait` replies with.
    fn reap(&mut self, pid: u64) -> [u64; 4] {
        match self.procs.remove(pid).map(|p| p.state) {
            Some(State::Zombie { how, code }) => [pid, code as u64, how as u64, 0],
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
                if c.slots().is_none() {
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
        let targets: heapless::Vec<u64, 32> = self
            .procs
            .children(caller)
            .filter(|p| (pid == 0 || p.pid == pid) && p.slots().is_some())
            .map(|p| p.pid)
            .collect();
        if targets.is_empty() {
            return Err(MemError::NoChild);
        }
        for target in targets {
            self.kill_tree(target);
        }
        Ok(())
    }

    fn kill_tree(&mut self, pid: u64) {
        for child in self.procs.pids() {
            if self
                .procs
                .get(child)
                .is_some_and(|c| c.parent == pid && c.slots().is_some())
            {
                self.kill_tree(child);
            }
        }
        self.end(pid, ExitHow::Killed, -1);
    }
}
