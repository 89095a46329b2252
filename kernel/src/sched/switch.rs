//! Switching to a task: its address space, its save area (where its next entry saves its
//! registers) and its data segments.
use super::Kernel;
use crate::arch::trap::{SavedRegs, SYSCALL_MARK};
use crate::arch::{cpu, entry};

impl Kernel {
    /// Chooses the next task and makes it current: its address space in CR3, its save area as the
    /// trap and syscall stack. `None`: nothing can run on this CPU (the caller idles, and this CPU
    /// has left the task it ran).
    pub fn switch_to_next(&mut self) -> Option<*const SavedRegs> {
        let Some(t) = self.pick() else {
            self.leave_entered();
            return None;
        };
        Some(self.enter(t))
    }

    /// Makes `t` (already `current`) the task the next return to user mode resumes.
    #[inline(always)]
    pub fn enter(&mut self, t: u16) -> *const SavedRegs {
        if self.entered != t {
            return self.switch_to(t);
        }
        // Still the task whose save area and segments are installed (CR3 is checked all the same).
        let task = self.task(t);
        let (regs, root) = (&raw const task.regs, task.root);
        self.load_root(root);
        regs
    }

    /// Installs `t` (already `current`, not the task that entered; the IPC fast paths call this
    /// directly): its save area, its address space and its data segments.
    #[inline(always)]
    pub fn switch_to(&mut self, t: u16) -> *const SavedRegs {
        // Everything of `t` read first: the segment read below is opaque to the compiler, and
        // would make it look `t` up again.
        let task = self.task(t);
        let (regs, root, wanted) = (&raw const task.regs, task.root, task.segments);
        // sysretq must return to a canonical rip (at most `USER_TOP`, see `is_syscall_return`).
        debug_assert!(
            task.regs.vector != SYSCALL_MARK || abi::layout::is_syscall_return(task.regs.rip),
            "sysretq to a rip outside user space"
        );
        let entered = core::mem::replace(&mut self.entered, t);
        entry::set_save_area(regs);
        self.load_root(root);
        // Data segment selectors are user state the CPU keeps across kernel entries: each task
        // keeps its own, so nothing one task loads is seen by another. `self.segments` is what the
        // kernel last loaded (= the outgoing task's saved value); only a change needs saving.
        // (Last: fewer values live across the read, fewer registers saved.)
        let live = cpu::data_segments();
        if live != self.segments {
            self.keep_segments(entered, live);
        }
        if wanted != live {
            cpu::load_data_segments(wanted);
        }
        self.segments = wanted;
        regs
    }

    /// This CPU stops running its entered task without switching to another (nothing else to
    /// run): the task's selectors are kept now, as it may next run on another CPU, and the next
    /// task this CPU runs, even that one again, is switched to in full. (Out of line: only the
    /// way to idling.)
    #[cold]
    #[inline(never)]
    fn leave_entered(&mut self) {
        let live = cpu::data_segments();
        if live != self.segments {
            self.keep_segments(self.entered, live);
            self.segments = live;
        }
        self.entered = super::NO_TASK;
    }

    /// The task that entered changed its selectors: they are its own now. (Rare, so out of line:
    /// inlined, the compiler would look the task up on every switch.)
    #[cold]
    #[inline(never)]
    pub(super) fn keep_segments(&mut self, entered: u16, live: u64) {
        if let Some(old) = self.tasks.at_mut(entered) {
            old.segments = live;
        }
    }

    /// Puts `root` in CR3, unless it is there.
    #[inline(always)]
    fn load_root(&mut self, root: u64) {
        if self.active_root != root {
            self.active_root = root;
            cpu::switch_address_space(root);
        }
    }
}
