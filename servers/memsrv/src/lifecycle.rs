//! How processes end: `exit` (a kernel notice), being killed (a fault the server cannot resolve,
//! or the parent's `kill`), and `wait`. Ending a process destroys its task, endpoint and address
//! space — the kernel then gives back every frame that loses its last mapping, page tables
//! included — and then the books (`Ledger::end`: the commitment given back, a zombie record left
//! for the parent within the zombie policy, the `wait`s it answers).
use crate::fault::{Fix, PendingMap};
use crate::{Outcome, Server};
use memsrv::ending::{Wakes, KILLED_STATUS};
use userlib::abi::memsrv::{ExitHow, MemError};
use userlib::abi::msg::fault;
use userlib::ipc::Received;
use userlib::layout::CONSOLE;
use userlib::{println, sys, MsgTag};

impl Server {
    /// A notice from the kernel about the process the badge names.
    pub fn notice(&mut self, msg: &Received) -> Outcome {
        let w = msg.msg.words;
        let Some((pid, slots)) = self.ledger.notice_target(msg.badge, w[0]) else {
            // Not a live process, or the kernel's but about a task this process does not own:
            // nothing to do.
            return Outcome::Nothing;
        };
        match msg.label() {
            fault::EXIT => {
                self.end(pid, ExitHow::Exited, w[1] as i64);
                Outcome::Nothing
            }
            fault::PAGE_FAULT => match self.page_fault(pid, slots.space(), w[1], w[2]) {
                Ok(Fix::Resumed) => Outcome::Reply([0; 4]),
                Ok(Fix::MapZeroed { words, stack }) => {
                    self.pending_map = Some(PendingMap {
                        pid,
                        stack,
                        notice: w,
                    });
                    Outcome::MapZeroed(words)
                }
                Err(why) => {
                    self.kill_for_fault(pid, &w, why);
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
                self.end(pid, ExitHow::Killed, KILLED_STATUS);
                Outcome::Nothing
            }
        }
    }

    /// Ends `pid` for the page fault its notice `w` reported, printing `why`.
    pub fn kill_for_fault(&mut self, pid: u64, w: &[u64; 4], why: &str) {
        let (name, access) = (self.name_of(pid), fault::access(w[2]));
        println!(
            "memsrv: {name} (pid {pid}) killed: page fault {access} {:#x} at rip={:#x} ({why})",
            w[1], w[3]
        );
        self.end(pid, ExitHow::Killed, KILLED_STATUS);
    }

    pub fn name_of(&self, pid: u64) -> heapless::String<16> {
        let mut s = heapless::String::new();
        let _ = s.push_str(self.ledger.procs.get(pid).map_or("?", |p| p.name()));
        s
    }

    /// Ends a live process: destroys its kernel objects, then settles the books and answers the
    /// `wait`s that settles.
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) {
        if self.destroy(pid) {
            let wakes = self.ledger.end(pid, how, code);
            answer(wakes);
        }
    }

    /// Destroys the kernel objects of live process `pid` (false if it is not live).
    pub fn destroy(&mut self, pid: u64) -> bool {
        let Some(p) = self.ledger.procs.get(pid) else {
            return false;
        };
        let (Some(slots), named) = (p.slots(), p.named) else {
            return false;
        };
        // The server holds the only capabilities to a process's task and space, so deleting them
        // destroys both (the space once its task is gone: two calls fewer than destroying each).
        let _ = sys::cap_delete(slots.task());
        let _ = sys::endpoint_destroy(slots.own());
        let _ = sys::cap_delete(slots.own());
        if named {
            crate::names::ended(pid); // (the service knew it: it asked for its capability)
        }
        // The page tables its faults' maps built: the kernel's count against the charge.
        if let Ok(m) = sys::as_mapping(slots.space(), CONSOLE) {
            self.tables_built(pid, m.tables);
        }
        let _ = sys::cap_delete(slots.space());
        true
    }

    /// `kill`: ends a live child of the caller (every live child if `pid` is 0), or an orphan of
    /// the job the caller leads, and all their descendants.
    pub fn kill(&mut self, caller: u64, pid: u64) -> Result<(), MemError> {
        if let Some(orphan) = self.ledger.procs.live_orphan_of(caller, pid) {
            self.kill_tree(orphan);
            return Ok(());
        }
        let mut target = self
            .ledger
            .procs
            .live_child(caller, pid)
            .ok_or(MemError::NoChild)?;
        loop {
            self.kill_tree(target);
            match self.ledger.procs.live_child(caller, pid) {
                Some(next) => target = next,
                None => return Ok(()),
            }
        }
    }

    fn kill_tree(&mut self, pid: u64) {
        while let Some(child) = self.ledger.procs.live_child(pid, 0) {
            self.kill_tree(child);
        }
        self.end(pid, ExitHow::Killed, KILLED_STATUS);
    }
}

/// Answers blocked `wait`s.
pub fn answer(wakes: Wakes) {
    for (task, words) in wakes {
        let _ = sys::reply(task, MsgTag::new(0, 4, 0), words);
    }
}
