//! What the kernel does once `arch`'s entry code has brought it in: the handlers the syscall entry
//! and the trap stubs call, which take the kernel state, run the IPC fast path, the syscall
//! dispatcher or the fault and interrupt handling, and return the task to resume.
//!
//! This is the glue above everything it calls; nothing below imports it. `arch` calls the
//! handlers by symbol name, with the types it declares (checked below).
use crate::arch::cpu;
use crate::arch::entry::{return_to_user, save_area, SyscallHandler};
use crate::arch::percpu::{self, IPI_VECTOR};
use crate::arch::trap::{vector_name, KernelTrapHandler, SavedRegs, UserTrapHandler};
use crate::sched::{remote, Kernel};
use crate::{irq, kprintln, syscall};
use abi::Sysnum;
use core::ptr::null;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::mutex::SpinMutex;
use spin::relax::RelaxStrategy;

// The handlers have the types the entry code calls them with.
const _: [SyscallHandler; 3] = [syscall_from_user, call_from_user, reply_recv_from_user];
const _: UserTrapHandler = trap_from_user;
const _: KernelTrapHandler = trap_from_kernel;

/// The kernel state, behind the big kernel lock: one CPU at a time runs the kernel, as in seL4.
/// While a CPU waits for it, it answers the holder's requests (`sched::remote`), so the holder
/// can wait for it without the two waiting for each other. A test-and-set lock, not a ticket
/// lock: with more virtual CPUs than host cores (4 on these 2-core machines) a ticket lock
/// convoys behind a waiter whose turn has come but whose host thread is not running (the fuzzer
/// ran over 20 times slower at 4 CPUs).
static KERNEL: SpinMutex<Kernel, AnswerWhileWaiting> = SpinMutex::new(Kernel::new());

struct AnswerWhileWaiting;
impl RelaxStrategy for AnswerWhileWaiting {
    fn relax() {
        remote::serve_requests();
        core::hint::spin_loop();
    }
}

/// Runs `f` with the kernel state, on this CPU: takes the lock, makes this CPU the holder, and
/// before letting go completes the TLB shootdowns `f` asked for. The kernel runs with interrupts
/// off and never re-enters itself (traps taken in kernel mode never come here).
#[inline(always)]
pub fn with_kernel<R>(f: impl FnOnce(&mut Kernel) -> R) -> R {
    let mut k = KERNEL.lock();
    k.arrive(percpu::index());
    let result = f(&mut k);
    if k.flush_on != 0 {
        k.shootdown();
    }
    result
}

/// Runs the syscall; the entry code then returns to the task whose registers this points at.
/// (`Call` and `ReplyRecv` come in through their own entries, chosen by the entry code, as in seL4.)
#[no_mangle]
extern "C" fn syscall_from_user() -> *const SavedRegs {
    let regs = save_area();
    // SAFETY: the save area is that of the task this CPU runs, which no other CPU touches until it
    // has stalled it (`Kernel::stall`), and this CPU answers that only once it waits for the lock.
    let num = unsafe { (*regs).rax };
    if num == Sysnum::TaskSelf as u64 {
        // The null syscall reads only the caller's own id: no lock, straight back to it.
        // SAFETY: as above; `Task` starts with `regs` then `id` (`repr(C)`).
        unsafe { syscall::local::task_self(&mut *regs, *regs.add(1).cast::<u64>()) };
        return regs;
    }
    locked_syscall(num)
}

/// Every other syscall but `Call` and `ReplyRecv` (out of line: the null syscall saves no
/// registers).
#[inline(never)]
fn locked_syscall(num: u64) -> *const SavedRegs {
    let next = with_kernel(|k| match k.current {
        Some(t) => k.general_syscall(t),
        None => k.next_task(),
    });
    if num == Sysnum::Yield as u64 {
        // A task that yields often waits for another CPU: `pause` lets a sibling thread (or,
        // under `-icount`, QEMU's next CPU) run, outside the lock.
        core::hint::spin_loop();
    }
    or_idle(next)
}

/// `Call`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn call_from_user() -> *const SavedRegs {
    or_idle(with_kernel(|k| {
        k.fast_or_general(
            Kernel::fast_call::<false>,
            Kernel::fast_call::<true>,
            |k, t| k.long_or_general(t, Kernel::fast_call_cap, Kernel::general_syscall),
        )
    }))
}

/// `ReplyRecv`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn reply_recv_from_user() -> *const SavedRegs {
    or_idle(with_kernel(|k| {
        k.fast_or_general(
            Kernel::fast_reply_recv::<false, false>,
            Kernel::fast_reply_recv::<true, false>,
            |k, t| {
                let rare = Kernel::fast_reply_recv::<false, true>;
                k.long_or_general(t, rare, Kernel::general_syscall)
            },
        )
    }))
}

/// A trap from user mode. `frame` is the current task's save area (or an IST stack for NMI,
/// double fault and machine check, which are never the user's doing).
#[no_mangle]
extern "C" fn trap_from_user(frame: &mut SavedRegs) -> ! {
    if matches!(frame.vector, 2 | 8 | 18) {
        report(frame, "user mode");
        panic!("{} while in user mode", vector_name(frame.vector));
    }
    // A trap on its own stack (#DB) left the user's registers there, not in the save area: they go
    // there before the lock is taken, so that a CPU stalling this task finds them (see below).
    let saved = save_area();
    if !core::ptr::eq(frame, saved) {
        // SAFETY: as in `syscall_from_user`: this CPU's running task's save area, which no other
        // CPU touches before this one has answered a stall, which it does only while it waits for
        // the lock.
        unsafe { *saved = *frame };
    }
    let next = with_kernel(|k| {
        let tick = frame.vector >= 32 && irq::handle(frame.vector as u8);
        // None: the task was taken off this CPU while it entered (`Kernel::stall`).
        if let Some(t) = k.current {
            match frame.vector {
                // Any interrupt is a scheduling point: a driver it wakes runs before the task it
                // interrupted (`next_task` delivers the line).
                v if v >= 32 => {
                    if tick {
                        k.tick(irq::ticks());
                    }
                    k.preempt();
                }
                _ => k.user_exception(t, cpu::cr2()),
            }
        }
        k.next_task()
    });
    // SAFETY: `next_task` installed `next`'s save area and address space.
    unsafe { return_to_user(or_idle(next)) }
}

/// A trap in kernel mode: interrupts while idle are handled (the kernel's IPI brings a request
/// to answer); a breakpoint is reported and resumed; anything else is a kernel bug, reported in
/// full before the panic ends the run.
#[no_mangle]
extern "C" fn trap_from_kernel(frame: &mut SavedRegs) {
    match frame.vector {
        3 => kprintln!("breakpoint in kernel at rip={:#x}; continuing", frame.rip),
        // A single-step trap pending from a user `syscall` made with TF set can be delivered at the
        // entry point (SFMASK clears TF only for what follows): nothing to do, carry on.
        1 => {}
        v if v >= 32 => {
            irq::handle(v as u8);
            if v == IPI_VECTOR as u64 {
                remote::serve_requests();
            }
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

/// The task to resume, or (null: nothing to run on this CPU) the one idling finds.
#[inline(always)]
fn or_idle(next: *const SavedRegs) -> *const SavedRegs {
    if next.is_null() {
        return idle();
    }
    next
}

/// Idles this CPU until it has a task to run: takes the kernel for each step (the clock, the lines
/// that fired, a task to pick, one free frame to zero) and lets it go in between, halting with
/// interrupts on when there is nothing to do.
#[inline(never)]
fn idle() -> *const SavedRegs {
    use x86_64::instructions::interrupts;
    loop {
        let step = with_kernel(|k| {
            k.tick(irq::ticks());
            let next = k.next_task();
            if next.is_null() {
                return (next, k.idle_work());
            }
            k.stop_idling();
            (next, false)
        });
        match step {
            (next, _) if !next.is_null() => return next,
            // SAFETY: `sti; nop; cli` lets a pending interrupt in after the `nop` (`sti` delays it
            // by one instruction); a kernel-mode interrupt touches no kernel state but the tick
            // count, the pending lines and this CPU's mailbox (`trap_from_kernel`).
            (_, true) => unsafe { core::arch::asm!("sti", "nop", "cli", options(nostack)) },
            (_, false) => {
                interrupts::enable_and_hlt();
                interrupts::disable();
            }
        }
    }
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
        // The caller is the task that entered (`current` too; `entered` is a plain index), unless
        // it was taken off this CPU while it entered (`stall`).
        let t = self.entered;
        if t == crate::sched::NO_TASK {
            return self.next_task();
        }
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
    /// task; null if this CPU has none (the caller idles).
    fn next_task(&mut self) -> *const SavedRegs {
        if irq::pending() {
            self.deliver_irqs(irq::take_pending());
        }
        self.switch_to_next().unwrap_or(null())
    }
}

/// Set once every CPU that answered has started: until then they wait (so the CPUs that run tasks
/// are all known before the first task runs).
static STARTED: AtomicBool = AtomicBool::new(false);

/// Runs the first task on the boot CPU; never returns. The others start with it.
pub fn enter_user_mode() -> ! {
    with_kernel(|k| k.online = ((1u32 << percpu::count()) - 1) as u8);
    STARTED.store(true, Ordering::Release);
    let next = or_idle(with_kernel(|k| k.next_task()));
    // SAFETY: `next_task` installed `next`'s save area and address space.
    unsafe { return_to_user(next) }
}

/// Where an application processor goes once `arch` has set it up (per-CPU segments, stacks, its
/// local APIC): it waits until the boot CPU has started them all, then runs what it finds.
/// (Called by symbol name from `arch`.)
#[no_mangle]
pub extern "C" fn cpu_started() -> ! {
    while !STARTED.load(Ordering::Acquire) {
        core::hint::spin_loop();
    }
    // SAFETY: as in `enter_user_mode`.
    unsafe { return_to_user(idle()) }
}
