//! Capability lifetimes: every capability put into a table (or installed as a fault endpoint) is
//! counted on its object, and an object whose last capability goes away is reclaimed — a task is
//! destroyed, an endpoint or a notification wakes its waiters with `PeerDied`, an address space
//! with no tasks gives back its page tables. Explicit destroys (`TaskDestroy`, `EndpointDestroy`,
//! `NotificationDestroy`, `AsDestroy`) stay: they make the remaining capabilities stale.
//!
//! Destroying one object can release the last capability to others (a task's table holds
//! capabilities), so teardown runs from a work list rather than recursion. An object enters it when
//! its last capability goes, which happens once; a task also when the endpoint its exit notice
//! waits on goes, which happens once too. So the work is bounded by the size of the object tables,
//! tasks counted twice.
use crate::obj::cap::Cap;
use crate::obj::endpoint::MAX_ENDPOINTS;
use crate::obj::irq::MAX_IRQ_LINES;
use crate::obj::notification::MAX_NOTIFICATIONS;
use crate::obj::space::MAX_SPACES;
use crate::obj::task::{SendKind, State, MAX_TASKS};
use crate::sched::{Kernel, NO_TASK};
use abi::{CapKind, SysError};
use heapless::Vec;

#[derive(Clone, Copy, Debug)]
enum Doomed {
    Task(u16),
    Endpoint(u16),
    Space(u16),
    Notification(u16),
    Irq(u16),
}

const WORK: usize = 2 * MAX_TASKS + MAX_ENDPOINTS + MAX_SPACES + MAX_NOTIFICATIONS + MAX_IRQ_LINES;
type Work = Vec<Doomed, WORK>;

impl Kernel {
    /// Puts `cap` into an empty `slot` of `task`'s table, counting it on its object.
    pub fn insert_cap(&mut self, task: u16, slot: u64, cap: Cap) -> Result<(), SysError> {
        self.task(task).caps.insert(slot, cap)?;
        self.count(cap);
        Ok(())
    }

    /// Empties `slot` of `task`'s table; reclaims the object if that was its last capability.
    pub fn delete_cap(&mut self, task: u16, slot: u64) -> Result<(), SysError> {
        let cap = self.task(task).caps.delete(slot)?;
        self.release(cap);
        Ok(())
    }

    /// Installs (or with `None` removes) a task's fault endpoint, which counts as a capability.
    pub fn set_fault_endpoint(&mut self, task: u16, cap: Option<Cap>) {
        if let Some(cap) = cap {
            self.count(cap);
        }
        if let Some(old) = core::mem::replace(&mut self.task(task).fault_endpoint, cap) {
            self.release(old);
        }
    }

    /// Counts one capability fewer on `cap`'s object, reclaiming it if that was the last.
    pub fn release(&mut self, cap: Cap) {
        let mut work = Work::new();
        self.uncount(cap, &mut work);
        self.run(work);
    }

    /// Destroys a task: it leaves every queue, its callers wake with `PeerDied`, its capabilities
    /// go (possibly reclaiming what they named), and every capability to it becomes stale.
    pub fn destroy_task(&mut self, index: u16) {
        self.run(Vec::from_slice(&[Doomed::Task(index)]).unwrap_or_default());
    }

    /// Destroys an endpoint; tasks waiting on it wake with `PeerDied`.
    pub fn destroy_endpoint(&mut self, index: u16) {
        self.run(Vec::from_slice(&[Doomed::Endpoint(index)]).unwrap_or_default());
    }

    /// Destroys a notification; tasks waiting on it wake with `PeerDied`, its task is unbound.
    pub fn destroy_notification(&mut self, index: u16) {
        self.run(Vec::from_slice(&[Doomed::Notification(index)]).unwrap_or_default());
    }

    /// Destroys an address space that no task uses, giving back its page tables.
    pub fn destroy_space(&mut self, index: u16) {
        self.run(Vec::from_slice(&[Doomed::Space(index)]).unwrap_or_default());
    }

    /// Whether the object a capability names still exists (kinds without an object always do).
    pub fn is_live(&self, cap: &Cap) -> bool {
        match cap.kind {
            CapKind::Endpoint => self.endpoints.get(cap.index, cap.gen).is_ok(),
            CapKind::AddressSpace => self.spaces.get(cap.index, cap.gen).is_ok(),
            CapKind::Task => self.tasks.get(cap.index, cap.gen).is_ok(),
            CapKind::Notification => self.notifications.get(cap.index, cap.gen).is_ok(),
            CapKind::IrqHandler => self.irq_handlers.get(cap.index, cap.gen).is_ok(),
            // Kinds without an object: pool, system, I/O ports, device frames, empty.
            _ => true,
        }
    }

    fn count(&mut self, cap: Cap) {
        match cap.kind {
            CapKind::Task => self.tasks.add_ref(cap.index, cap.gen),
            CapKind::Endpoint => self.endpoints.add_ref(cap.index, cap.gen),
            CapKind::AddressSpace => self.spaces.add_ref(cap.index, cap.gen),
            CapKind::Notification => self.notifications.add_ref(cap.index, cap.gen),
            CapKind::IrqHandler => self.irq_handlers.add_ref(cap.index, cap.gen),
            // Kinds without an object: pool, system, I/O ports, device frames, empty.
            _ => {}
        }
    }

    fn uncount(&mut self, cap: Cap, work: &mut Work) {
        let (i, g) = (cap.index, cap.gen);
        let doomed = match cap.kind {
            CapKind::Task => self.tasks.drop_ref(i, g).then_some(Doomed::Task(i)),
            CapKind::Endpoint => self.endpoints.drop_ref(i, g).then_some(Doomed::Endpoint(i)),
            CapKind::AddressSpace => (self.spaces.drop_ref(i, g)
                && self.spaces.at(i).is_some_and(|s| s.tasks == 0))
            .then_some(Doomed::Space(i)),
            CapKind::Notification => {
                (self.notifications.drop_ref(i, g)).then_some(Doomed::Notification(i))
            }
            CapKind::IrqHandler => self.irq_handlers.drop_ref(i, g).then_some(Doomed::Irq(i)),
            // Kinds without an object: pool, system, I/O ports, device frames, empty.
            _ => None,
        };
        if let Some(d) = doomed {
            // Cannot overflow: see the module docs.
            let _ = work.push(d);
        }
    }

    fn run(&mut self, mut work: Work) {
        while let Some(doomed) = work.pop() {
            match doomed {
                Doomed::Task(i) => self.finish_task(i, &mut work),
                Doomed::Endpoint(i) => self.finish_endpoint(i, &mut work),
                Doomed::Space(i) => self.finish_space(i),
                Doomed::Notification(i) => self.finish_notification(i),
                // The line's last capability went: masked, free for a new handler.
                Doomed::Irq(line) => {
                    crate::irq::mask(line);
                    self.irq_handlers.free(line);
                }
            }
        }
    }

    fn finish_task(&mut self, index: u16, work: &mut Work) {
        if self.tasks.at(index).is_none() {
            return;
        }
        self.detach(index);
        let bound = self.task(index).notification;
        if let Some(n) = bound.and_then(|n| self.notifications.at_mut(n)) {
            n.bound = None;
        }
        if self.entered == index {
            // The slot may be reused by a task in another address space.
            self.entered = NO_TASK;
        }
        let callers: Vec<(u16, bool), MAX_TASKS> = self
            .tasks
            .iter()
            .filter_map(|(i, t)| match t.state.awaits_reply_from() {
                Some((server, fault)) if server == index => Some((i, fault)),
                _ => None,
            })
            .collect();
        for (caller, fault) in callers {
            if !fault {
                self.regs(caller).rax = SysError::PeerDied.raw();
            }
            self.make_ready(caller, false);
        }
        // Freed first, so its capabilities to itself count for nothing.
        let Some(task) = self.tasks.free(index) else {
            return;
        };
        for cap in task.caps.iter().chain(task.fault_endpoint) {
            self.uncount(cap, work);
        }
        if let Some(space) = self.spaces.at_mut(task.space) {
            space.tasks -= 1;
            if space.tasks == 0 && self.spaces.refs(task.space) == 0 {
                let _ = work.push(Doomed::Space(task.space));
            }
        }
    }

    fn finish_endpoint(&mut self, index: u16, work: &mut Work) {
        let Some(mut ep) = self.endpoints.free(index) else {
            return;
        };
        // Bounded: the queue holds each task at most once.
        for t in core::iter::from_fn(|| ep.queue.pop_front()).take(MAX_TASKS) {
            let task = self.task(t);
            match (task.state, task.pending.kind) {
                // It wanted to end anyway.
                (State::Sending { .. }, SendKind::Exit) => {
                    task.state = State::Exited;
                    let _ = work.push(Doomed::Task(t));
                    continue;
                }
                // Resumes at the faulting instruction, faults again, and is killed then.
                (State::Sending { .. }, SendKind::Fault) => {}
                _ => task.regs.rax = SysError::PeerDied.raw(),
            }
            self.make_ready(t, false);
        }
    }

    fn finish_notification(&mut self, index: u16) {
        let Some(mut n) = self.notifications.free(index) else {
            return;
        };
        if let Some(b) = n.bound {
            self.task(b).notification = None;
        }
        // Bounded: the queue holds each task at most once.
        for t in core::iter::from_fn(|| n.waiters.pop_front()).take(MAX_TASKS) {
            self.regs(t).rax = SysError::PeerDied.raw();
            self.make_ready(t, false);
        }
    }

    fn finish_space(&mut self, index: u16) {
        if self.spaces.at(index).is_some_and(|s| s.tasks > 0) {
            return;
        }
        if let Some(space) = self.spaces.free(index) {
            let freed = crate::mem::paging::destroy(&mut self.frames, space.root);
            debug_assert_eq!(freed, space.tables);
        }
    }

    /// The frame audit (`mem::audit`) over every address space.
    pub fn audit_frames(&mut self) -> bool {
        let spaces = self.spaces.iter().map(|(_, s)| (s.root, s.tables));
        crate::mem::audit::frames(
            &mut self.frames,
            self.console_frame,
            self.framebuffer,
            spaces,
        )
    }

    /// Checks every live object's reference count against the capabilities that name it.
    pub fn audit_objects(&self) -> bool {
        let mut counts = [[0u32; MAX_ENDPOINTS]; 5];
        let mut tasks_in = [0u32; MAX_SPACES];
        for (_, task) in self.tasks.iter() {
            match tasks_in.get_mut(task.space as usize) {
                Some(n) if self.spaces.at(task.space).is_some() => *n += 1,
                _ => return false,
            }
            for cap in task.caps.iter().chain(task.fault_endpoint) {
                let table = match cap.kind {
                    CapKind::Task => 0,
                    CapKind::Endpoint => 1,
                    CapKind::AddressSpace => 2,
                    CapKind::Notification => 3,
                    CapKind::IrqHandler => 4,
                    _ => continue,
                };
                if self.is_live(&cap) {
                    counts[table][cap.index as usize] += 1;
                }
            }
        }
        // An endpoint nobody holds, or a space with neither tasks nor capabilities, could never be
        // used or reclaimed: a leak. (A task without capabilities still runs: the test kernel's
        // orphans.)
        let endpoint_ok = |i: u16| {
            let refs = self.endpoints.refs(i);
            refs == counts[1][i as usize] && refs > 0
        };
        // Held, and bound both ways or not at all.
        let notification_ok = |i: u16, bound: Option<u16>| {
            let refs = self.notifications.refs(i);
            let back =
                bound.is_none_or(|b| self.tasks.at(b).is_some_and(|t| t.notification == Some(i)));
            refs == counts[3][i as usize] && refs > 0 && back
        };
        let bound_ok = |t: u16, n: Option<u16>| {
            n.is_none_or(|n| self.notifications.at(n).is_some_and(|n| n.bound == Some(t)))
        };
        let space_ok = |i: u16, tasks: u32| {
            let (refs, i) = (self.spaces.refs(i), i as usize);
            refs == counts[2][i] && tasks == tasks_in[i] && (tasks > 0 || refs > 0)
        };
        self.tasks.iter().all(|(i, t)| {
            self.tasks.refs(i) == counts[0][i as usize] && bound_ok(i, t.notification)
        }) && self
            .notifications
            .iter()
            .all(|(i, n)| notification_ok(i, n.bound))
            && self.endpoints.iter().all(|(i, _)| endpoint_ok(i))
            && (self.irq_handlers.iter()).all(|(i, _)| {
                let refs = self.irq_handlers.refs(i);
                refs == counts[4][i as usize] && refs > 0
            })
            && self.spaces.iter().all(|(i, s)| space_ok(i, s.tasks))
    }
}
