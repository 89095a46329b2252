//! Idling: with no task ready, the kernel zeroes free frames and waits for the timer to wake a
//! receiver whose timeout has passed, or for an interrupt line a waiting task's notification is
//! bound to; with neither, nothing can ever run again.
use super::Kernel;
use crate::arch::{cpu, exit};
use crate::irq;

impl Kernel {
    /// Waits until a timer tick makes a task ready; returns it (`None`: an interrupt line fired,
    /// for the caller to deliver). Meanwhile it zeroes dirty free
    /// frames one at a time, letting interrupts in between, then halts with interrupts on. It
    /// idles in the kernel's own page tables: the last task's may have been freed (and be zeroed
    /// now). If no task waits with a timeout or on an interrupt, nothing can ever run again, so
    /// the kernel reports the tasks and ends the run.
    pub(super) fn idle(&mut self) -> Option<u16> {
        use x86_64::instructions::interrupts;
        if self.active_root != self.kernel_root {
            self.active_root = self.kernel_root;
            cpu::switch_address_space(self.kernel_root);
        }
        loop {
            if !self.sleeping() && !self.irq_can_wake() {
                self.nothing_to_run()
            }
            let quiet = || irq::ticks() == self.now && !irq::pending();
            while quiet() && self.frames.zero_one() {
                // SAFETY: `sti; nop; cli` lets a pending interrupt in after the `nop` (`sti`
                // delays it by one instruction); a kernel-mode interrupt touches no kernel state
                // but the tick count and the pending lines (`trap_from_kernel`).
                unsafe { core::arch::asm!("sti", "nop", "cli", options(nostack)) };
            }
            if quiet() {
                interrupts::enable_and_hlt();
                interrupts::disable();
            }
            self.tick(irq::ticks());
            let next = self.pick();
            if next.is_some() || irq::pending() {
                return next;
            }
        }
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
