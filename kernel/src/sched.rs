//! The kernel's state, the run queue and task lifecycle (start, stop, destroy).
//!
//! There is one `Kernel`; the entry code hands it to each entry from user mode (`arch::entry`).
use crate::arch::trap::SavedRegs;
use crate::mem::frames::FrameTable;
use crate::obj::endpoint::{Endpoint, MAX_ENDPOINTS};
use crate::obj::space::{Space, MAX_SPACES};
use crate::obj::table::ObjTable;
use crate::obj::task::{task_id, SendKind, State, Task, MAX_TASKS};
use abi::SysError;
use heapless::Deque;

pub struct Kernel {
    pub frames: FrameTable,
    pub tasks: ObjTable<Task, MAX_TASKS>,
    pub spaces: ObjTable<Space, MAX_SPACES>,
    pub endpoints: ObjTable<Endpoint, MAX_ENDPOINTS>,
    /// Ready tasks other than the current one, in round-robin order.
    pub ready: Deque<u16, MAX_TASKS>,
    /// The task whose registers the next return to user mode restores.
    pub current: Option<u16>,
    /// The boot page table: the kernel half every address space shares.
    pub kernel_root: u64,
    /// The console page, mapped into every address space.
    pub console_frame: u64,
    /// The top-level table CR3 holds.
    pub active_root: u64,
    /// The task whose save area TSS.RSP0 points at.
    pub entered: Option<u16>,
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl Kernel {
    pub const fn new() -> Kernel {
        Kernel {
            frames: FrameTable::empty(),
            tasks: ObjTable::new(),
            spaces: ObjTable::new(),
            endpoints: ObjTable::new(),
            ready: Deque::new(),
            current: None,
            kernel_root: 0,
            console_frame: 0,
            active_root: 0,
            entered: None,
        }
    }

    /// A live task by index. Indices held in kernel state always name live tasks.
    pub fn task(&mut self, index: u16) -> &mut Task {
        self.tasks
            .at_mut(index)
            .expect("kernel state names a dead task")
    }

    pub fn regs(&mut self, index: u16) -> &mut SavedRegs {
        &mut self.task(index).regs
    }

    /// Creates a stopped task in a live address space; returns its index and generation.
    pub fn new_task(&mut self, space: u16, regs: SavedRegs) -> Result<(u16, u32), SysError> {
        let root = self.spaces.at(space).ok_or(SysError::StaleCap)?.root;
        let (index, gen) = self.tasks.alloc(Task::new(space, root, regs))?;
        self.task(index).id = task_id(index, gen);
        if let Some(s) = self.spaces.at_mut(space) {
            s.tasks += 1;
        }
        Ok((index, gen))
    }

    /// Makes a task runnable; `first` puts it at the head of the queue (it was just woken by IPC
    /// from the running task, which is about to block or has handed it a reply).
    pub fn make_ready(&mut self, index: u16, first: bool) {
        self.task(index).state = State::Ready;
        if self.current == Some(index) {
            return;
        }
        let _ = if first {
            self.ready.push_front(index)
        } else {
            self.ready.push_back(index)
        };
    }

    /// Moves the current task to the back of the queue (timer tick, yield).
    pub fn preempt(&mut self) {
        if let Some(c) = self.current.take() {
            if self.tasks.at(c).is_some_and(|t| t.state == State::Ready) {
                let _ = self.ready.push_back(c);
            }
        }
    }

    /// Picks the task to run next: the current one if it can still run, else the next ready one.
    pub fn pick(&mut self) -> Option<u16> {
        if let Some(c) = self.current {
            if self.tasks.at(c).is_some_and(|t| t.state == State::Ready) {
                return Some(c);
            }
        }
        self.current = None;
        while let Some(t) = self.ready.pop_front() {
            if self.tasks.at(t).is_some_and(|t| t.state == State::Ready) {
                self.current = Some(t);
                return Some(t);
            }
        }
        None
    }

    /// Takes a task out of whatever it waits in; returns its old state.
    fn detach(&mut self, index: u16) -> State {
        let state = self.task(index).state;
        match state {
            State::Ready => {
                let n = self.ready.len();
                for _ in 0..n {
                    if let Some(t) = self.ready.pop_front() {
                        if t != index {
                            let _ = self.ready.push_back(t);
                        }
                    }
                }
            }
            State::Sending { endpoint } | State::Receiving { endpoint } => {
                if let Some(ep) = self.endpoints.at_mut(endpoint) {
                    ep.remove(index);
                }
            }
            _ => {}
        }
        if self.current == Some(index) {
            self.current = None;
        }
        state
    }

    /// Stops a task; a syscall it was blocked in returns `Interrupted`.
    pub fn stop(&mut self, index: u16) {
        let old = self.detach(index);
        let t = self.task(index);
        if let State::Sending { .. }
        | State::Receiving { .. }
        | State::AwaitingReply { fault: false, .. } = old
        {
            t.regs.rax = SysError::Interrupted.raw();
        }
        t.state = State::Stopped;
    }

    /// Destroys a task: it leaves every queue, its callers wake with `PeerDied`, its capabilities go,
    /// and every capability to it becomes stale.
    pub fn destroy_task(&mut self, index: u16) {
        self.detach(index);
        if self.entered == Some(index) {
            // The slot may be reused by a task in another address space.
            self.entered = None;
        }
        let callers: heapless::Vec<(u16, bool), MAX_TASKS> = self
            .tasks
            .iter()
            .filter_map(|(i, t)| match t.state {
                State::AwaitingReply { server, fault } if server == index => Some((i, fault)),
                _ => None,
            })
            .collect();
        for (caller, fault) in callers {
            if !fault {
                self.regs(caller).rax = SysError::PeerDied.raw();
            }
            self.make_ready(caller, false);
        }
        if let Some(task) = self.tasks.free(index) {
            if let Some(space) = self.spaces.at_mut(task.space) {
                space.tasks -= 1;
            }
        }
    }

    /// Destroys an endpoint; tasks waiting on it wake with `PeerDied`.
    pub fn destroy_endpoint(&mut self, index: u16) {
        if let Some(mut ep) = self.endpoints.free(index) {
            while let Some(t) = ep.queue.pop_front() {
                let task = self.task(t);
                match (task.state, task.pending.kind) {
                    // It wanted to end anyway.
                    (State::Sending { .. }, SendKind::Exit) => {
                        self.destroy_task(t);
                        continue;
                    }
                    // Resumes at the faulting instruction, faults again, and is killed then.
                    (State::Sending { .. }, SendKind::Fault) => {}
                    _ => task.regs.rax = SysError::PeerDied.raw(),
                }
                self.make_ready(t, false);
            }
        }
    }
}
