//! Asking the other CPUs: to flush their TLB, or to leave the task they run.
//!
//! Only the CPU holding the kernel asks, one CPU at a time, and it waits for the answer: so when
//! it goes on, the change is complete everywhere. It writes the request in the CPU's mailbox and
//! sends the kernel's IPI. The other CPU answers from wherever it is: from user mode the IPI
//! brings it into the kernel, where it waits for the lock (`serve_requests` runs in that wait);
//! idle, the IPI wakes it (`trap_from_kernel` serves). It never needs the lock to answer, so the
//! two cannot wait for each other.
use super::{Kernel, NO_TASK};
use crate::arch::percpu::{self, MAX_CPUS};
use crate::arch::{cpu, trap::SYSCALL_MARK};
use core::sync::atomic::{AtomicU64, Ordering};

/// A request that only asks the CPU to be in the kernel (out of the task it ran).
pub const LEAVE_TASK: u64 = u64::MAX;

/// Each CPU's mailbox: 0, [`LEAVE_TASK`], or the top-level table to load into CR3 (which
/// flushes the TLB). The CPU clears it to answer.
static MAILBOX: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// The data segment selectors of the task a CPU left on [`LEAVE_TASK`] (`cpu::data_segments`):
/// only that CPU can read them, and the task may next run on another.
static LEFT_SEGMENTS: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

#[cfg(test)]
std::thread_local! {
    /// What host tests asked of which CPU.
    pub static ASKED: core::cell::RefCell<Vec<(usize, u64)>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Serves this CPU's request, if it has one. Called while it waits for the kernel lock and when the
/// IPI reaches it idle; it touches no kernel state.
pub fn serve_requests() {
    let mailbox = &MAILBOX[percpu::index()];
    let request = mailbox.load(Ordering::Acquire);
    if request == 0 {
        return;
    }
    match request {
        LEAVE_TASK => LEFT_SEGMENTS[percpu::index()].store(cpu::data_segments(), Ordering::Relaxed),
        root => cpu::switch_address_space(root),
    }
    mailbox.store(0, Ordering::Release);
}

impl Kernel {
    /// Sends `request` to CPU `cpu` and waits until it has been served.
    fn ask(&self, cpu: usize, request: u64) {
        MAILBOX[cpu].store(request, Ordering::Release);
        percpu::send_ipi(cpu);
        // Host tests have no other CPU: the request counts as served, and is recorded.
        #[cfg(test)]
        ASKED.with(|a| {
            a.borrow_mut()
                .push((cpu, MAILBOX[cpu].swap(0, Ordering::Relaxed)))
        });
        while MAILBOX[cpu].load(Ordering::Acquire) != 0 {
            core::hint::spin_loop();
        }
    }

    /// If `t` runs on another CPU, takes it off: that CPU enters the kernel (saving `t`'s
    /// registers) and will pick another task. A syscall `t` made that the kernel has not run yet
    /// runs again when `t` next runs (its `rip` goes back to the `syscall` instruction). `t` stays
    /// in the state it was in (ready: queued on that CPU).
    pub fn stall(&mut self, t: u16) {
        let Some(c) = self.running_on(t) else {
            return;
        };
        self.ask(c, LEAVE_TASK);
        // Its selectors, which that CPU would have kept for it at its next switch.
        let live = LEFT_SEGMENTS[c].load(Ordering::Relaxed);
        let view = &mut self.cpus[c].view;
        (view.current, view.entered) = (None, NO_TASK);
        if live != core::mem::replace(&mut view.segments, live) {
            self.keep_segments(t, live);
        }
        let regs = &mut self.task(t).regs;
        if regs.vector == SYSCALL_MARK {
            regs.rip -= 2;
        }
        if self.task(t).state == super::State::Ready {
            self.task(t).cpu = c as u8;
            let _ = self.cpus[c].ready.push_front(t);
        }
    }

    /// Entries of `root` were removed or lost rights: the other CPUs that have it in CR3 must
    /// flush their TLB before the kernel is left (`shootdown`).
    #[inline(always)]
    pub fn flush_elsewhere(&mut self, root: u64) {
        if self.online != self.this_bit {
            self.mark_flush(root);
        }
    }

    fn mark_flush(&mut self, root: u64) {
        for c in self.others() {
            if self.cpus[c].view.active_root == root {
                self.flush_on |= 1 << c;
            }
        }
    }

    /// `root` is going away: the other CPUs that have it in CR3 (they run nothing in it: its tasks
    /// are gone) load the kernel's tables instead, before it is freed.
    pub fn unload_everywhere(&mut self, root: u64) {
        for c in self.others() {
            if self.cpus[c].view.active_root == root {
                self.cpus[c].view.active_root = self.kernel_root;
                self.ask(c, self.kernel_root);
            }
        }
    }

    /// Flushes the TLBs `flush_elsewhere` asked for; run before the kernel is left.
    #[cold]
    pub fn shootdown(&mut self) {
        for c in 0..MAX_CPUS {
            if self.flush_on & 1 << c != 0 {
                self.ask(c, self.cpus[c].view.active_root);
            }
        }
        self.flush_on = 0;
    }
}
