//! What the kernel does once `arch`'s entry code has brought it in: the handlers the syscall entry
//! and the trap stubs call, which take the kernel state, run the IPC fast path, the syscall
//! dispatcher or the fault and interrupt handling, and return the task to resume.
//!
//! This is the glue above everything it calls; nothing below imports it. `arch` calls the
//! handlers by symbol name, with the types it declares (checked below).
use crate::arch::cpu;
use crate::arch::entry::{return_to_user, SyscallHandler};
use crate::arch::trap::{vector_name, KernelTrapHandler, SavedRegs, UserTrapHandler};
use crate::sched::Kernel;
use crate::{irq, kprintln, syscall};
use abi::Sysnum;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

// The handlers have the types the entry code calls them with.
const _: [SyscallHandler; 3] = [syscall_from_user, call_from_user, reply_recv_from_user];
const _: UserTrapHandler = trap_from_user;
const _: KernelTrapHandler = trap_from_kernel;

/// The kernel state, handed to one entry at a time by [`with_kernel`].
struct KernelCell(UnsafeCell<Kernel>);
// SAFETY: there is one core, and `with_kernel` never hands out two references at once.
unsafe impl Sync for KernelCell {}
static KERNEL: KernelCell = KernelCell(UnsafeCell::new(Kernel::new()));
static IN_KERNEL: AtomicBool = AtomicBool::new(false);

/// Runs `f` with the kernel state. The kernel runs on one core with interrupts off and never
/// re-enters itself (traps taken in kernel mode never come here), so no lock is needed; a
/// re-entry would be a kernel bug and panics (checked in debug builds only: this is the IPC path).
#[inline(always)]
pub fn with_kernel<R>(f: impl FnOnce(&mut Kernel) -> R) -> R {
    debug_assert!(
        !IN_KERNEL.swap(true, Ordering::Relaxed),
        "kernel re-entered"
    );
    // SAFETY: single core, no re-entry (above): this is the only reference while `f` runs.
    let result = f(unsafe { &mut *KERNEL.0.get() });
    if cfg!(debug_assertions) {
        IN_KERNEL.store(false, Ordering::Relaxed);
    }
    result
}

/// Runs the syscall; the entry code then returns to the task whose registers this points at.
/// (`Call` and `ReplyRecv` come in through their own entries, chosen by the entry code, as in seL4.)
#[no_mangle]
extern "C" fn syscall_from_user() -> *const SavedRegs {
    with_kernel(|k| -> *const SavedRegs {
        let t = k.current.expect("a syscall came from a running task");
        let task = k.task(t);
        if task.regs.rax == Sysnum::TaskSelf as u64 {
            // The null syscall: the caller stays current and entered; return straight to it.
            syscall::local::task_self(task);
            return &task.regs;
        }
        k.general_syscall(t)
    })
}

/// `Call`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn call_from_user() -> *const SavedRegs {
    with_kernel(|k| {
        k.fast_or_general(
            Kernel::fast_call::<false>,
            Kernel::fast_call::<true>,
            |k, t| k.long_or_general(t, Kernel::fast_call_cap, Kernel::general_syscall),
        )
    })
}

/// `ReplyRecv`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn reply_recv_from_user() -> *const SavedRegs {
    with_kernel(|k| {
        k.fast_or_general(
            Kernel::fast_reply_recv::<false, false>,
            Kernel::fast_reply_recv::<true, false>,
            |k, t| {
                let rare = Kernel::fast_reply_recv::<false, true>;
                k.long_or_general(t, rare, Kernel::general_syscall)
            },
        )
    })
}

/// A trap from user mode. `frame` is the current task's save area (or an IST stack for NMI,
/// double fault and machine check, which are never the user's doing).
#[no_mangle]
extern "C" fn trap_from_user(frame: &mut SavedRegs) -> ! {
    if matches!(frame.vector, 2 | 8 | 18) {
        report(frame, "user mode");
        panic!("{} while in user mode", vector_name(frame.vector));
    }
    let next = with_kernel(|k| {
        let t = k.current.expect("a trap came from a running task");
        // A trap on its own stack (#DB) left the user's registers there, not in the save area.
        let saved = &mut k.task(t).regs;
        if !core::ptr::eq(frame, saved) {
            *saved = *frame;
        }
        match frame.vector {
            // Any interrupt is a scheduling point: a driver it wakes runs before the task it
            // interrupted (`next_task` delivers the line).
            v if v >= 32 => {
                if irq::handle(v as u8) {
                    k.tick(irq::ticks());
                }
                k.preempt();
            }
            _ => k.user_exception(t, cpu::cr2()),
        }
        k.next_task()
    });
    // SAFETY: `next_task` installed `next`'s save area and address space.
    unsafe { return_to_user(next) }
}

/// A trap in kernel mode: interrupts while idle are handled; a breakpoint is reported and resumed;
/// anything else is a kernel bug, reported in full before the panic ends the run.
#[no_mangle]
extern "C" fn trap_from_kernel(frame: &mut SavedRegs) {
    match frame.vector {
        3 => kprintln!("breakpoint in kernel at rip={:#x}; continuing", frame.rip),
        // A single-step trap pending from a user `syscall` made with TF set can be delivered at the
        // entry point (SFMASK clears TF only for what follows): nothing to do, carry on.
        1 => {}
        v if v >= 32 => {
            irq::handle(v as u8);
        }
        _ => {
            report(frame, "kernel");
            panic!("unhandled {} in kernel mode", vector_name(frame.vector));
        }
    }
}

/// Prints everything known about an exception: vector, error code, RIP, CR2 and the context.
fn report(frame: &SavedRegs, context: &str) {
    let (vector, error, rip) = (frame.vector, frame.error_code, frame.rip);
    let (name, cr2, rsp, rflags) = (vector_name(vector), cpu::cr2(), frame.rsp, frame.rflags);
    kprintln!(
        "EXCEPTION {name} (vector {vector}) in {context}: error={error:#x} rip={rip:#x} \
         cr2={cr2:#x} rsp={rsp:#x} rflags={rflags:#x}"
    );
}

impl Kernel {
    /// Tries `fast` (one of the fast paths), then `long` (its variant for long messages) for the
    /// current task's syscall, else `rest` (the general path, or first a last fast variant).
    #[inline(always)]
    fn fast_or_general(
        &mut self,
        fast: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
        long: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
        rest: impl FnOnce(&mut Kernel, u16) -> *const SavedRegs,
    ) -> *const SavedRegs {
        // The caller is the task that entered (`current` too; `entered` is a plain index).
        let t = self.entered;
        debug_assert_eq!(self.current, Some(t));
        match fast(self, t) {
            Some(next) => self.switch_to(next),
            None => self.long_or_general(t, long, rest),
        }
    }

    /// Out of line, like the general path: the short fast path above stays short. (Also a rarer
    /// fast path, a `Call` carrying one capability or a fault reply that maps, after the long one.)
    #[inline(never)]
    fn long_or_general(
        &mut self,
        t: u16,
        long: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
        rest: impl FnOnce(&mut Kernel, u16) -> *const SavedRegs,
    ) -> *const SavedRegs {
        match long(self, t) {
            Some(next) => self.switch_to(next),
            None => rest(self, t),
        }
    }

    /// The general path: the dispatcher, then the scheduler. (Out of line, so that the short paths
    /// above and in `fastpath.rs` stay short.)
    #[inline(never)]
    fn general_syscall(&mut self, t: u16) -> *const SavedRegs {
        syscall::dispatch(self, t);
        self.next_task()
    }

    /// Delivers the interrupt lines that fired to their notifications, then switches to the next
    /// task (again if the kernel idled until a line fired).
    fn next_task(&mut self) -> *const SavedRegs {
        loop {
            if irq::pending() {
                self.deliver_irqs(irq::take_pending());
            }
            if let Some(next) = self.switch_to_next() {
                return next;
            }
        }
    }
}

/// Runs the first task; never returns.
pub fn enter_user_mode() -> ! {
    let next = with_kernel(|k| k.next_task());
    // SAFETY: `next_task` installed `next`'s save area and address space.
    unsafe { return_to_user(next) }
}

/// Where an application processor goes once `arch` has set it up (per-CPU segments, stacks, its
/// local APIC): it schedules like the boot CPU. (Called by symbol name from `arch`.)
#[no_mangle]
pub extern "C" fn cpu_started() -> ! {
    // Not yet: the kernel runs tasks on the boot CPU only; the others wait here.
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
