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
use crate::obj::endpoint::{TaskQueue, MAX_ENDPOINTS};
use crate::obj::irq::MAX_IRQ_LINES;
use crate::obj::notification::MAX_NOTIFICATIONS;
use crate::obj::space::{Space, MAX_SPACES};
use crate::obj::task::{SendKind, State, MAX_TASKS};
use crate::sched::{Kernel, NO_TASK};
use abi::{CapKind, SysError};
use heapless::Vec;

/// Objects to destroy: each its kind and index.
const WORK: usize = 2 * MAX_TASKS + MAX_ENDPOINTS + MAX_SPACES + MAX_NOTIFICATIONS + MAX_IRQ_LINES;
type Work = Vec<(CapKind, u16), WORK>;

/// `$body` with `$t` borrowing (`[&]` or `[&mut]`) the object table of capability kind `$kind`, or
/// `$none` for the kinds that name no object.
macro_rules! by_kind {
    ([$($borrow:tt)+] $k:expr, $kind:expr, $t:ident => $body:expr, $none:expr) => {
        match $kind {
            CapKind::Task => match $($borrow)+ $k.tasks { $t => $body },
            CapKind::Endpoint => match $($borrow)+ $k.endpoints { $t => $body },
            CapKind::AddressSpace => match $($borrow)+ $k.spaces { $t => $body },
            CapKind::Notification => match $($borrow)+ $k.notifications { $t => $body },
            CapKind::IrqHandler => match $($borrow)+ $k.irq_handlers { $t => $body },
            CapKind::FramePool
            | CapKind::System
            | CapKind::IoPorts
            | CapKind::DeviceFrames
            | CapKind::Empty => $none,
        }
    };
}

/// The kinds of capability that name an object (counted on it).
const OBJECTS: [CapKind; 5] = [
    CapKind::Task,
    CapKind::Endpoint,
    CapKind::AddressSpace,
    CapKind::Notification,
    CapKind::IrqHandler,
];

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

    /// Destroys object `index` of `kind`, making every capability to it stale. A task leaves every
    /// queue, its callers wake with `PeerDied` and its capabilities go (possibly reclaiming what
    /// they named); tasks waiting on an endpoint or a notification wake with `PeerDied`, a
    /// notification's task is unbound; an address space (which no task uses) gives back its page
    /// tables.
    pub fn destroy(&mut self, kind: CapKind, index: u16) {
        self.run(Vec::from_slice(&[(kind, index)]).unwrap_or_default());
    }

    /// Whether the object a capability names still exists (kinds without an object always do).
    pub fn is_live(&self, cap: &Cap) -> bool {
        by_kind!([&] self, cap.kind, t => t.get(cap.index, cap.gen).is_ok(), true)
    }

    fn count(&mut self, cap: Cap) {
        by_kind!([&mut] self, cap.kind, t => t.add_ref(cap.index, cap.gen), ())
    }

    fn uncount(&mut self, cap: Cap, work: &mut Work) {
        let (kind, i) = (cap.kind, cap.index);
        let last = by_kind!([&mut] self, kind, t => t.drop_ref(i, cap.gen), false);
        // A space still used by tasks goes with its last task instead.
        let unused =
            kind != CapKind::AddressSpace || self.spaces.at(i).is_some_and(|s| s.tasks == 0);
        if last && unused {
            // Cannot overflow: see the module docs.
            let _ = work.push((kind, i));
        }
    }

    fn run(&mut self, mut work: Work) {
        while let Some((kind, i)) = work.pop() {
            match kind {
                CapKind::Task => self.finish_task(i, &mut work),
                CapKind::Endpoint => self.finish_endpoint(i, &mut work),
                CapKind::AddressSpace => self.finish_space(i),
                CapKind::Notification => self.finish_notification(i, &mut work),
                // The line's last capability went: masked, free for a new handler.
                CapKind::IrqHandler => {
                    crate::irq::mask(i);
                    self.irq_handlers.free(i);
                }
                // Kinds without an object (never queued).
                _ => {}
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
        // Its callers wake: with `PeerDied`, or, a fault, at the faulting instruction (to fault again).
        for caller in 0..MAX_TASKS as u16 {
            let awaits = self.tasks.at(caller).map(|c| c.state.awaits_reply_from());
            let Some((_, fault)) = awaits.flatten().filter(|&(server, _)| server == index) else {
                continue;
            };
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
                let _ = work.push((CapKind::AddressSpace, task.space));
            }
        }
    }

    fn finish_endpoint(&mut self, index: u16, work: &mut Work) {
        if let Some(ep) = self.endpoints.free(index) {
            self.wake_peer_died(ep.queue, work);
        }
    }

    fn finish_notification(&mut self, index: u16, work: &mut Work) {
        let Some(n) = self.notifications.free(index) else {
            return;
        };
        if let Some(b) = n.bound {
            self.task(b).notification = None;
        }
        self.wake_peer_died(n.waiters, work);
    }

    /// Wakes the tasks that waited on an object now gone with `PeerDied`.
    fn wake_peer_died(&mut self, mut queue: TaskQueue, work: &mut Work) {
        // Bounded: the queue holds each task at most once.
        for t in core::iter::from_fn(|| queue.pop_front()).take(MAX_TASKS) {
            let task = self.task(t);
            match (task.state, task.pending.kind) {
                // It wanted to end anyway.
                (State::Sending { .. }, SendKind::Exit) => {
                    task.state = State::Exited;
                    let _ = work.push((CapKind::Task, t));
                    continue;
                }
                // Resumes at the faulting instruction, faults again, and is killed then.
                (State::Sending { .. }, SendKind::Fault) => {}
                _ => task.regs.rax = SysError::PeerDied.raw(),
            }
            self.make_ready(t, false);
        }
    }

    fn finish_space(&mut self, index: u16) {
        if self.spaces.at(index).is_some_and(|s| s.tasks > 0) {
            return;
        }
        if let Some(space) = self.spaces.free(index) {
            self.unload_everywhere(space.root);
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
        // Capabilities found, by kind and object index.
        let mut counts = [[0u32; MAX_ENDPOINTS]; CapKind::IrqHandler as usize + 1];
        let mut tasks_in = [0u32; MAX_SPACES];
        for (_, task) in self.tasks.iter() {
            match tasks_in.get_mut(task.space as usize) {
                Some(n) if self.spaces.at(task.space).is_some() => *n += 1,
                _ => return false,
            }
            for cap in task.caps.iter().chain(task.fault_endpoint) {
                if OBJECTS.contains(&cap.kind) && self.is_live(&cap) {
                    counts[cap.kind as usize][cap.index as usize] += 1;
                }
            }
        }
        // An object nobody holds could never be used or reclaimed: a leak. Except a task (without
        // capabilities it still runs: the test kernel's orphans) and a space its tasks use.
        let exact = |kind: CapKind| {
            let held = |i: u16, refs: u32| refs == counts[kind as usize][i as usize];
            let may_be_unheld = |i: u16| match kind {
                CapKind::Task => true,
                CapKind::AddressSpace => tasks_in[i as usize] > 0,
                _ => false,
            };
            by_kind!([&] self, kind, t => t.iter().all(|(i, _)| {
                held(i, t.refs(i)) && (t.refs(i) > 0 || may_be_unheld(i))
            }), true)
        };
        // Tasks and notifications are bound both ways or not at all.
        let bound_ok = |t: u16, n: Option<u16>| {
            n.is_none_or(|n| self.notifications.at(n).is_some_and(|n| n.bound == Some(t)))
        };
        let back_ok = |n: u16, t: Option<u16>| {
            t.is_none_or(|t| self.tasks.at(t).is_some_and(|t| t.notification == Some(n)))
        };
        let tasks_ok = |(i, s): (u16, &Space)| s.tasks == tasks_in[i as usize];
        OBJECTS.into_iter().all(exact)
            && self.tasks.iter().all(|(i, t)| bound_ok(i, t.notification))
            && self.notifications.iter().all(|(i, n)| back_ok(i, n.bound))
            && self.spaces.iter().all(tasks_ok)
    }
}
