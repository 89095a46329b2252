//! The kernel's state, the run queues and task lifecycle (start, stop, destroy).
//!
//! There is one `Kernel`, behind one lock (`crate::entry`): the CPU that holds it is `this`. Each
//! CPU has its own run queue; the CPU-local state of the holder (`current`, `entered`,
//! `active_root`, `segments`) is in `Kernel`'s own fields, which every entry uses, and the other
//! CPUs' in `cpus` (`views`).
mod cpus;
mod idle;
pub mod remote;
mod switch;

pub use cpus::{unqueue, Cpu, View};

use crate::arch::percpu::MAX_CPUS;
use crate::arch::trap::SavedRegs;
use crate::mem::device::DeviceMemory;
use crate::mem::frames::FrameTable;
use crate::obj::endpoint::{Endpoint, MAX_ENDPOINTS};
use crate::obj::irq::{IrqHandler, MAX_IRQ_LINES};
use crate::obj::notification::{Notification, MAX_NOTIFICATIONS};
use crate::obj::space::{Space, MAX_SPACES};
use crate::obj::table::ObjTable;
use crate::obj::task::{SendKind, State, Task, MAX_TASKS};
use abi::inspect::Activity;
use abi::{task_id, SysError};

/// No task (for `Kernel::entered`).
pub const NO_TASK: u16 = u16::MAX;

pub type Tasks = ObjTable<Task, MAX_TASKS>;
pub type Spaces = ObjTable<Space, MAX_SPACES>;

pub struct Kernel {
    pub frames: FrameTable,
    pub tasks: Tasks,
    pub spaces: Spaces,
    pub endpoints: ObjTable<Endpoint, MAX_ENDPOINTS>,
    pub notifications: ObjTable<Notification, MAX_NOTIFICATIONS>,
    /// Interrupt handlers, indexed by line.
    pub irq_handlers: ObjTable<IrqHandler, MAX_IRQ_LINES>,
    /// Interrupts that fired on a line without a live notification bound (the line stays masked).
    pub irqs_dropped: u64,
    /// The CPU that holds the kernel (its index; `this_bit` is `1 << this`).
    pub this: usize,
    pub this_bit: u8,
    /// The CPUs that run (`1 << count` - 1).
    pub online: u8,
    /// The idle CPU zeroing free frames, if one is.
    pub zeroing: Option<usize>,
    /// The other CPUs whose TLB must be flushed before the kernel is left (`remote::shootdown`).
    pub flush_on: u8,
    /// Each CPU's run queue, and the other CPUs' local state (the holder's is below).
    pub cpus: [Cpu; MAX_CPUS],
    /// The task whose registers the next return to user mode restores (on this CPU).
    pub current: Option<u16>,
    /// The boot page table: the kernel half every address space shares.
    pub kernel_root: u64,
    /// The console page, mapped into every address space.
    pub console_frame: u64,
    /// The framebuffer's memory, if the bootloader reported one (`DeviceFramesCreate`).
    pub framebuffer: Option<DeviceMemory>,
    /// The top-level table CR3 holds.
    pub active_root: u64,
    /// The task whose save area TSS.RSP0 points at, or `NO_TASK` (a plain index: this is
    /// compared on every switch).
    pub entered: u16,
    /// The data segment selectors the kernel last loaded (see `Kernel::enter`).
    pub segments: u64,
    /// Timer ticks since boot, as of the last tick the kernel handled.
    pub now: u64,
    /// No receive times out before this tick (`u64::MAX`: none waits with a timeout).
    pub next_wake: u64,
}

impl Kernel {
    pub const fn new() -> Kernel {
        Kernel {
            frames: FrameTable::empty(),
            tasks: ObjTable::new(),
            spaces: ObjTable::new(),
            endpoints: ObjTable::new(),
            notifications: ObjTable::new(),
            irq_handlers: ObjTable::new(),
            irqs_dropped: 0,
            this: 0,
            this_bit: 1,
            online: 1,
            flush_on: 0,
            zeroing: None,
            cpus: [const { Cpu::new() }; MAX_CPUS],
            current: None,
            kernel_root: 0,
            console_frame: 0,
            framebuffer: None,
            active_root: 0,
            entered: NO_TASK,
            segments: 0,
            now: 0,
            next_wake: u64::MAX,
        }
    }

    /// A live task by index. Indices held in kernel state always name live tasks.
    pub fn task(&mut self, index: u16) -> &mut Task {
        let task = self.tasks.at_mut(index);
        task.expect("kernel state names a dead task")
    }

    pub fn regs(&mut self, index: u16) -> &mut SavedRegs {
        &mut self.task(index).regs
    }

    /// Creates a stopped task in a live address space; returns its index and generation.
    pub fn new_task(&mut self, space: u16, regs: SavedRegs) -> Result<(u16, u64), SysError> {
        let s = self.spaces.at_mut(space).ok_or(SysError::StaleCap)?;
        let (index, gen) = self.tasks.alloc(Task::new(space, s.root, regs))?;
        s.tasks += 1;
        self.task(index).id = task_id(index, gen);
        Ok((index, gen))
    }

    /// Makes a task runnable. `first`: it was just woken by IPC from this CPU's running task, which
    /// is about to block or has handed it a reply: it runs next here, if its affinity allows (it
    /// moves to its partner's CPU). Otherwise it goes to the back of the queue of the CPU it last
    /// ran on, or of an idle CPU it may run on, woken if idle (`place`). (The one-CPU case inline:
    /// every wake-up comes here.)
    #[inline]
    pub fn make_ready(&mut self, index: u16, first: bool) {
        self.task(index).state = State::Ready;
        if self.current == Some(index) {
            return;
        }
        if self.online != self.this_bit {
            return self.make_ready_among_cpus(index, first);
        }
        // One CPU: every task may run on it (affinity always includes a running CPU).
        self.task(index).cpu = self.this as u8;
        let queue = &mut self.cpus[self.this].ready;
        let _ = match first {
            true => queue.push_front(index),
            false => queue.push_back(index),
        };
    }

    #[inline(never)]
    fn make_ready_among_cpus(&mut self, index: u16, first: bool) {
        let (this, bit) = (self.this, self.this_bit);
        if self.running_on(index).is_some() {
            return;
        }
        let allowed = self.task(index).affinity & self.online;
        let cpu = match first && allowed & bit != 0 {
            true => this,
            false => self.place(index, allowed),
        };
        self.task(index).cpu = cpu as u8;
        let queue = &mut self.cpus[cpu].ready;
        let _ = match first && cpu == this {
            true => queue.push_front(index),
            false => queue.push_back(index),
        };
        self.wake_cpu(cpu);
    }

    /// Moves the current task to the back of the queue (timer tick, yield).
    pub fn preempt(&mut self) {
        if let Some(c) = self.current.take() {
            if let Some(task) = self.tasks.at_mut(c).filter(|t| t.state == State::Ready) {
                task.cpu = self.this as u8;
                let _ = self.cpus[self.this].ready.push_back(c);
            }
        }
    }

    /// Picks the task to run next: the current one if it can still run, else the next ready one of
    /// this CPU's queue, else one taken from another CPU's queue (`steal`).
    /// (Inlined: most switches keep the current task, which a fault's or a call's handler
    /// already is.)
    #[inline(always)]
    pub fn pick(&mut self) -> Option<u16> {
        let ready = |t: &u16| self.tasks.at(*t).is_some_and(|t| t.state == State::Ready);
        if !self.current.as_ref().is_some_and(ready) {
            self.pick_queued();
        }
        self.current
    }

    #[inline(never)]
    fn pick_queued(&mut self) {
        let tasks = &self.tasks;
        let ready = |t: &u16| tasks.at(*t).is_some_and(|t| t.state == State::Ready);
        let queue = &mut self.cpus[self.this].ready;
        self.current = core::iter::from_fn(|| queue.pop_front()).find(ready);
        if self.current.is_none() {
            self.current = self.steal();
        }
        if let Some(t) = self.current {
            self.task(t).cpu = self.this as u8;
        }
    }

    /// A timer tick: the time is now `now`. Receivers and timed callers whose timeout has passed
    /// wake with `TimedOut` (a scan of the task table, only when the earliest deadline has come).
    pub fn tick(&mut self, now: u64) {
        self.now = now;
        if now < self.next_wake {
            return;
        }
        self.next_wake = u64::MAX;
        for t in 0..MAX_TASKS as u16 {
            let Some(deadline) = self.tasks.at(t).and_then(|t| t.state.deadline()) else {
                continue;
            };
            if deadline > now {
                self.next_wake = self.next_wake.min(deadline);
                continue;
            }
            self.detach(t);
            self.regs(t).rax = SysError::TimedOut.raw();
            self.make_ready(t, false);
        }
    }

    /// Is any task waiting with a timeout (so a tick will wake it)?
    pub fn sleeping(&self) -> bool {
        self.tasks.iter().any(|(_, t)| t.state.deadline().is_some())
    }

    /// Can an interrupt wake a task: is some line bound to a live notification that a task waits
    /// on (in `Wait`, or in `Recv` bound to it)?
    pub fn irq_can_wake(&self) -> bool {
        let waited = |n: &Notification| !n.waiters.is_empty() || n.bound.is_some();
        let target = |line| self.notifications.at(self.irq_target(line)?.0);
        (self.irq_handlers.iter()).any(|(line, _)| target(line).is_some_and(waited))
    }

    /// The live notification interrupt line `line` signals, and its badge.
    pub fn irq_target(&self, line: u16) -> Option<(u16, u64)> {
        let (n, gen, badge) = self.irq_handlers.at(line)?.target?;
        self.notifications.get(n, gen).is_ok().then_some((n, badge))
    }

    /// Takes a task out of whatever it waits in; returns its old state.
    pub(crate) fn detach(&mut self, index: u16) -> State {
        self.stall(index);
        let state = self.task(index).state;
        match state {
            State::Ready => {
                // Not running elsewhere any more (`stall` above); out of every queue (a task
                // queued by `preempt` after a fast-path switch may not be where `cpu` says).
                for cpu in self.cpus.iter_mut() {
                    cpus::unqueue(&mut cpu.ready, index);
                }
            }
            State::Sending { endpoint, .. }
            | State::Receiving { endpoint }
            | State::ReceivingUntil { endpoint, .. } => {
                if let Some(ep) = self.endpoints.at_mut(endpoint) {
                    ep.remove(index);
                }
            }
            State::Waiting { notification } => {
                if let Some(n) = self.notifications.at_mut(notification) {
                    n.waiters.remove(index);
                }
            }
            _ => {}
        }
        if self.current == Some(index) {
            self.current = None;
        }
        state
    }

    /// Stops a task; an IPC syscall it was blocked in returns `Interrupted`. A task stopped while
    /// its fault waited for the handler keeps its registers untouched (`rax` is a live user
    /// register then): restarted, it runs the faulting instruction again.
    pub fn stop(&mut self, index: u16) {
        let old = self.detach(index);
        let t = self.task(index);
        let in_ipc_syscall = match old {
            State::Sending { .. } => matches!(t.pending.kind, SendKind::Send | SendKind::Call),
            State::Receiving { .. } | State::ReceivingUntil { .. } | State::Waiting { .. } => true,
            // A fault's handler has not replied: its registers are the user's.
            _ => old.awaits_reply_from().is_some_and(|(_, fault)| !fault),
        };
        if in_ipc_syscall {
            t.regs.rax = SysError::Interrupted.raw();
        }
        t.state = State::Stopped;
    }

    /// Describes every task, a line each: its name, its state and, for a blocked one, whom it
    /// waits for.
    pub fn report_tasks(&self, mut line: impl FnMut(core::fmt::Arguments)) {
        for (i, t) in self.tasks.iter() {
            let name = t.name();
            match t.state.activity() {
                (Activity::Sending, endpoint) => line(format_args!(
                    "  task {i} ({name}): sending on endpoint {endpoint}, nobody receiving{}",
                    self.receivers_hint(endpoint)
                )),
                (Activity::Receiving, endpoint) => line(format_args!(
                    "  task {i} ({name}): receiving on endpoint {endpoint}, nobody sending"
                )),
                (Activity::AwaitingReply, server) => {
                    let fault = t.state.awaits_reply_from().is_some_and(|(_, fault)| fault);
                    line(format_args!(
                    "  task {i} ({name}): awaiting the reply to its {} from task {server} ({}), \
                     which is {}",
                    if fault { "fault" } else { "call" },
                    self.tasks.at(server).map_or("?", |s| s.name()),
                    self.tasks.at(server).map_or("gone", |s| s.state.activity().0.words()),
                    ))
                }
                (other, _) => line(format_args!("  task {i} ({name}): {}", other.words())),
            }
        }
    }

    /// Which tasks could receive on `endpoint` (they hold a capability with RECEIVE).
    fn receivers_hint(&self, endpoint: u16) -> heapless::String<96> {
        use core::fmt::Write;
        let mut out = heapless::String::new();
        for (i, t) in self.tasks.iter() {
            let receives = t.caps.iter().any(|c| {
                c.kind == abi::CapKind::Endpoint
                    && c.index == endpoint
                    && self.endpoints.get(c.index, c.gen).is_ok()
                    && c.rights.contains(abi::Rights::RECEIVE)
            });
            if receives {
                let sep = [", ", "; it could be task "][out.is_empty() as usize];
                let words = t.state.activity().0.words();
                let _ = write!(out, "{sep}{i} ({}), {words}", t.name());
            }
        }
        out
    }
}
