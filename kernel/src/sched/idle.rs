//! Idling: a CPU with no task to run zeroes free frames, one at a time, and halts until an
//! interrupt: a timer tick (a receiver whose timeout has passed), a line a waiting task's
//! notification is bound to, or the IPI of a CPU that queued a task for it. If no CPU runs
//! anything and nothing can wake a task, nothing can ever run again.
use super::Kernel;
use crate::arch::{cpu, exit};
use crate::irq;
use crate::obj::task::State;

impl Kernel {
    /// This CPU has nothing to run (`crate::entry` idles it, letting go of the kernel between
    /// steps): it idles in the kernel's own page tables (the last task's may be freed now), ends
    /// the run if nothing can ever run again, and zeroes one free frame if the clock has not moved
    /// and no line fired; returns whether it did (then it looks again at once; else it halts).
    /// One idle CPU zeroes at a time, and only while the others idle too: the others halt rather
    /// than take turns with the kernel.
    pub fn idle_work(&mut self) -> bool {
        if self.active_root != self.kernel_root {
            self.active_root = self.kernel_root;
            cpu::switch_address_space(self.kernel_root);
        }
        if self.stuck() {
            self.nothing_to_run()
        }
        // Zeroing holds the lock for a whole frame: only while no other CPU runs a task (it would
        // wait for the lock at its next syscall), and one idle CPU at a time.
        let others_busy = self.others().any(|c| self.cpus[c].view.current.is_some());
        let mine = !others_busy && self.zeroing.is_none_or(|c| c == self.this);
        let zeroed = mine && irq::ticks() == self.now && !irq::pending() && self.frames.zero_one();
        self.zeroing = zeroed.then_some(self.this);
        zeroed
    }

    /// This CPU found a task: another idle CPU may zero frames now.
    pub fn stop_idling(&mut self) {
        if self.zeroing == Some(self.this) {
            self.zeroing = None;
        }
    }

    /// Can no task ever run again: no CPU runs or has queued one, none waits with a timeout, and
    /// no interrupt line can wake one?
    fn stuck(&self) -> bool {
        let others_idle = self.others().all(|c| self.cpus[c].view.current.is_none());
        let ready = |t: &u16| self.tasks.at(*t).is_some_and(|t| t.state == State::Ready);
        let queued = self.cpus.iter().any(|c| c.ready.iter().any(ready));
        others_idle && !queued && !self.sleeping() && !self.irq_can_wake()
    }

    /// Nothing can ever run again: neither the timer nor an interrupt line wakes anybody. Rather than
    /// idle forever, the kernel says who waits for what and ends the run as a failure.
    fn nothing_to_run(&mut self) -> ! {
        crate::kprintln!(
            "kernel: no task can run (a deadlock, or init ended without shutting down); tasks:"
        );
        self.report_tasks(|line| crate::kprintln!("{line}"));
        exit::qemu_exit(abi::qemu::ExitCode::Failure)
    }
}
