//! The CPUs: which one holds the kernel, what each runs, and where a ready task goes.
//!
//! Every entry uses the holder's own CPU-local state (`Kernel::current` and the rest), so it lives
//! in `Kernel`'s fields; when another CPU takes the kernel, `arrive` puts it back in the previous
//! holder's [`View`] and loads the new one's. On one CPU, or while one CPU keeps taking the
//! kernel, that costs a compare.
use super::Kernel;
use crate::obj::task::{State, MAX_TASKS};
use heapless::Deque;

/// A CPU's local state while another CPU holds the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub current: Option<u16>,
    pub entered: u16,
    pub active_root: u64,
    pub segments: u64,
}

pub struct Cpu {
    /// Its local state, as of when it last let go of the kernel (stale while it holds it).
    pub view: View,
    /// Its ready tasks, in round-robin order (its running task is not among them).
    pub ready: Deque<u16, MAX_TASKS>,
}

impl Cpu {
    pub const fn new() -> Cpu {
        Cpu {
            view: View {
                current: None,
                entered: super::NO_TASK,
                active_root: 0,
                segments: 0,
            },
            ready: Deque::new(),
        }
    }
}

impl Kernel {
    /// CPU `cpu` takes the kernel: its local state becomes the kernel's fields.
    #[inline(always)]
    pub fn arrive(&mut self, cpu: usize) {
        if cpu != self.this {
            self.change_holder(cpu);
        }
    }

    #[inline(never)]
    fn change_holder(&mut self, cpu: usize) {
        self.cpus[self.this].view = self.view();
        let v = self.cpus[cpu].view;
        (self.current, self.entered, self.active_root) = (v.current, v.entered, v.active_root);
        self.segments = v.segments;
        (self.this, self.this_bit) = (cpu, 1 << cpu);
    }

    /// The holder's local state.
    fn view(&self) -> View {
        View {
            current: self.current,
            entered: self.entered,
            active_root: self.active_root,
            segments: self.segments,
        }
    }

    /// The other CPUs that run.
    pub fn others(&self) -> impl Iterator<Item = usize> + use<> {
        let (online, this) = (self.online as usize, self.this);
        (0..crate::arch::percpu::MAX_CPUS).filter(move |&c| online & 1 << c != 0 && c != this)
    }

    /// The other CPU running `t`, if any.
    pub fn running_on(&self, t: u16) -> Option<usize> {
        if self.online == self.this_bit {
            return None;
        }
        self.others()
            .find(|&c| self.cpus[c].view.current == Some(t))
    }

    /// The CPU `t` runs on (this one, or another), else the one it is queued on or ran on last.
    pub fn cpu_of(&mut self, t: u16) -> usize {
        match self.current == Some(t) {
            true => self.this,
            false => self.running_on(t).unwrap_or(self.task(t).cpu.into()),
        }
    }

    /// Where a task that became ready goes, among the CPUs in `allowed` (none: the boot CPU): the
    /// CPU it last ran on, unless that one is busy and another allowed one idles.
    pub(super) fn place(&self, t: u16, allowed: u8) -> usize {
        let last = self.tasks.at(t).map_or(0, |t| t.cpu as usize);
        let idle = |c: usize| allowed & 1 << c != 0 && self.idles(c);
        if allowed & 1 << last != 0 && self.idles(last) {
            return last;
        }
        match (0..crate::arch::percpu::MAX_CPUS).find(|&c| idle(c)) {
            Some(c) => c,
            None if allowed & 1 << last != 0 => last,
            None => allowed.trailing_zeros() as usize % 8,
        }
    }

    /// Does CPU `c` run nothing (it idles, or is about to)?
    fn idles(&self, c: usize) -> bool {
        match c == self.this {
            true => self.current.is_none() && self.cpus[c].ready.is_empty(),
            false => self.cpus[c].view.current.is_none() && self.cpus[c].ready.is_empty(),
        }
    }

    /// Wakes CPU `cpu` if it idles, to run what was just queued for it.
    pub(super) fn wake_cpu(&self, cpu: usize) {
        if cpu != self.this && self.cpus[cpu].view.current.is_none() {
            crate::arch::percpu::send_ipi(cpu);
        }
    }

    /// With nothing queued here: the first task another CPU has queued that may run here.
    pub(super) fn steal(&mut self) -> Option<u16> {
        let bit = self.this_bit;
        if self.online == bit {
            return None;
        }
        for c in self.others() {
            let queue = &self.cpus[c].ready;
            let tasks = &self.tasks;
            let movable = |t: &u16| {
                let task = tasks.at(*t);
                task.is_some_and(|t| t.affinity & bit != 0 && t.state == State::Ready)
            };
            if let Some(t) = queue.iter().copied().find(movable) {
                unqueue(&mut self.cpus[c].ready, t);
                return Some(t);
            }
        }
        None
    }
}

/// Takes `t` out of `queue`, keeping the others' order.
pub fn unqueue(queue: &mut Deque<u16, MAX_TASKS>, t: u16) {
    for u in core::mem::take(queue).into_iter().filter(|&u| u != t) {
        let _ = queue.push_back(u);
    }
}
