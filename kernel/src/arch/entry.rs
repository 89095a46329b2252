//! Entering the kernel from user mode and leaving it: `syscall`, traps, and the return path.
//!
//! `syscall_entry` saves the user registers straight into the current task's `SavedRegs` (the same
//! layout the trap stubs produce), switches to the kernel stack and calls `syscall_from_user`.
//! Both that and `trap_from_user` take the kernel lock, do their work, pick the task to run, and
//! leave through `return_to_user`, which restores that task's registers with `sysretq` when it
//! entered by `syscall` (cheap) or `iretq` otherwise.
use super::gdt;
use super::trap::{pop_gprs, push_gprs, SavedRegs, SYSCALL_MARK};
use crate::sched::Kernel;
use crate::syscall;
use abi::Sysnum;
use core::arch::global_asm;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::VirtAddr;

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

/// End of the current task's `SavedRegs`: where `syscall_entry` starts pushing.
#[no_mangle]
static mut CURRENT_SAVE_END: u64 = 0;
/// The user stack pointer while `syscall_entry` moves to the save area.
#[no_mangle]
static mut USER_RSP_SCRATCH: u64 = 0;

extern "C" {
    fn syscall_entry();
    fn return_to_user(regs: *const SavedRegs) -> !;
}

global_asm!(
    concat!(
        r#"
.global syscall_entry
syscall_entry:
    mov [rip + USER_RSP_SCRATCH], rsp
    mov rsp, [rip + CURRENT_SAVE_END]
    push {user_ss}
    push [rip + USER_RSP_SCRATCH]
    push r11
    push {user_cs}
    push rcx
    push 0
    push {mark}
    sub rsp, 16
"#,
        push_gprs!(),
        r#"
    mov rsp, [rip + KERNEL_STACK_TOP]
    cmp rax, {call}
    je 2f
    cmp rax, {reply_recv}
    je 3f
    call syscall_from_user
    jmp 4f
2:
    call call_from_user
    jmp 4f
3:
    call reply_recv_from_user
4:
    mov rdi, rax

.global return_to_user
return_to_user:
    mov rsp, rdi
    cmp qword ptr [rsp + 15*8], {mark}
"#,
        pop_gprs!(),
        r#"
    jne 1f
    mov rcx, [rsp + 32]
    mov r11, [rsp + 48]
    mov rsp, [rsp + 56]
    sysretq
1:
    pop r11
    pop rcx
    add rsp, 16
    iretq
"#
    ),
    user_ss = const 0x1b,
    user_cs = const 0x23,
    mark = const SYSCALL_MARK,
    call = const Sysnum::Call as u64,
    reply_recv = const Sysnum::ReplyRecv as u64,
);

/// Programs the `syscall` MSRs.
pub fn init_syscall() {
    let s = gdt::selectors();
    debug_assert_eq!((s.user_data.0, s.user_code.0), (0x1b, 0x23));
    // SAFETY: the entry point is `syscall_entry` above; the selectors come from our GDT in the order
    // `sysret` requires; masking IF, TF, DF, AC, NT and IOPL (as Linux does) gives the kernel a clean,
    // interrupt-free entry: a user's NT would make the kernel's next `iretq` a task return (#GP in
    // ring 0), its AC would switch SMAP off.
    unsafe {
        LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
        Star::write(s.user_code, s.user_data, s.kernel_code, s.kernel_data)
            .expect("GDT order suits sysret");
        SFMask::write(
            RFlags::INTERRUPT_FLAG
                | RFlags::TRAP_FLAG
                | RFlags::DIRECTION_FLAG
                | RFlags::ALIGNMENT_CHECK
                | RFlags::NESTED_TASK
                | RFlags::IOPL_HIGH
                | RFlags::IOPL_LOW,
        );
        Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
}

/// Registers of a task that has not run yet: user segments, interrupts on, `iretq` path.
pub fn initial_user_regs() -> SavedRegs {
    SavedRegs {
        cs: 0x23,
        ss: 0x1b,
        rflags: RFlags::INTERRUPT_FLAG.bits(),
        ..SavedRegs::default()
    }
}

/// Runs the syscall; the entry code then returns to the task whose registers this points at.
/// (`Call` and `ReplyRecv` come in through their own entries, chosen by the entry code, as in seL4.)
#[no_mangle]
extern "C" fn syscall_from_user() -> *const SavedRegs {
    with_kernel(Kernel::handle_syscall)
}

/// `Call`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn call_from_user() -> *const SavedRegs {
    with_kernel(|k| k.fast_or_general(Kernel::fast_call::<false>, Kernel::fast_call::<true>))
}

/// `ReplyRecv`: the IPC fast path, or the general path.
#[no_mangle]
extern "C" fn reply_recv_from_user() -> *const SavedRegs {
    with_kernel(|k| {
        k.fast_or_general(
            Kernel::fast_reply_recv::<false>,
            Kernel::fast_reply_recv::<true>,
        )
    })
}

/// A trap from user mode. `frame` is the current task's save area (or an IST stack for NMI,
/// double fault and machine check, which are never the user's doing).
#[no_mangle]
extern "C" fn trap_from_user(frame: &mut SavedRegs) -> ! {
    if matches!(frame.vector, 2 | 8 | 18) {
        super::trap::report(frame, "user mode");
        panic!(
            "{} while in user mode",
            super::trap::vector_name(frame.vector)
        );
    }
    let next = with_kernel(|k| {
        let t = k.current.expect("a trap came from a running task");
        // A trap on its own stack (#DB) left the user's registers there, not in the save area.
        let saved = &mut k.task(t).regs;
        if !core::ptr::eq(frame, saved) {
            *saved = *frame;
        }
        match frame.vector {
            v if v >= 32 => {
                if crate::irq::handle(v as u8) {
                    let now = crate::irq::ticks();
                    crate::console::tick(now);
                    k.tick(now);
                    k.preempt();
                }
            }
            _ => k.user_exception(t, super::cpu::cr2()),
        }
        k.switch_to_next()
    });
    // SAFETY: as in `syscall_from_user`.
    unsafe { return_to_user(next) }
}

impl Kernel {
    /// The syscall the current task made: the IPC fast path if it applies, else the dispatcher.
    #[inline(always)]
    fn handle_syscall(&mut self) -> *const SavedRegs {
        let t = self.current.expect("a syscall came from a running task");
        let task = self.task(t);
        if task.regs.rax == Sysnum::TaskSelf as u64 {
            // The caller stays current and entered: return straight to it.
            syscall::local::task_self(task);
            return &task.regs;
        }
        self.general_syscall(t)
    }

    /// Tries `fast` (one of the fast paths), then `long` (its variant for long messages) for the
    /// current task's syscall, else the general path.
    #[inline(always)]
    fn fast_or_general(
        &mut self,
        fast: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
        long: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
    ) -> *const SavedRegs {
        let t = self.current.expect("a syscall came from a running task");
        match fast(self, t) {
            Some(next) => self.enter(next),
            None => self.long_or_general(t, long),
        }
    }

    /// Out of line, like the general path: the short fast path above stays short.
    #[inline(never)]
    fn long_or_general(
        &mut self,
        t: u16,
        long: impl FnOnce(&mut Kernel, u16) -> Option<u16>,
    ) -> *const SavedRegs {
        match long(self, t) {
            Some(next) => self.enter(next),
            None => self.general_syscall(t),
        }
    }

    /// The general path: the dispatcher, then the scheduler. (Out of line, so that the short paths
    /// above and in `fastpath.rs` stay short.)
    #[inline(never)]
    fn general_syscall(&mut self, t: u16) -> *const SavedRegs {
        syscall::dispatch(self, t);
        self.switch_to_next()
    }

    /// Chooses the next task and makes it current: its address space in CR3, its save area as the
    /// trap and syscall stack. With nothing runnable, the kernel idles until a timeout wakes a task.
    pub fn switch_to_next(&mut self) -> *const SavedRegs {
        let t = match self.pick() {
            Some(t) => t,
            None => self.idle(),
        };
        self.enter(t)
    }

    /// Makes `t` (already `current`) the task the next return to user mode resumes.
    #[inline(always)]
    pub fn enter(&mut self, t: u16) -> *const SavedRegs {
        let entered = core::mem::replace(&mut self.entered, t);
        if entered == t && self.active_root == self.task(t).root {
            // Still the task whose save area, address space and segments are installed (the
            // kernel may have idled in its own page tables since).
            return &self.task(t).regs;
        }
        // Data segment selectors are user state the CPU keeps across kernel entries: each task
        // keeps its own, so nothing one task loads is seen by another. `self.segments` is what the
        // kernel last loaded (= the outgoing task's saved value); only a change needs saving.
        let live = super::cpu::data_segments();
        if live != self.segments {
            if let Some(old) = self.tasks.at_mut(entered) {
                old.segments = live;
            }
            self.segments = live;
        }
        let loaded = self.segments;
        let task = self.task(t);
        let wanted = task.segments;
        if wanted != loaded {
            super::cpu::load_data_segments(wanted);
        }
        self.segments = wanted;
        let task = self.task(t);
        // sysretq must return to a canonical rip (at most `USER_TOP`, see `is_syscall_return`).
        debug_assert!(
            task.regs.vector != SYSCALL_MARK || abi::layout::is_syscall_return(task.regs.rip),
            "sysretq to a rip outside user space"
        );
        let regs: *const SavedRegs = &task.regs;
        let root = task.root;
        let end = regs as u64 + core::mem::size_of::<SavedRegs>() as u64;
        gdt::set_kernel_entry_stack(end);
        // SAFETY: single core with interrupts off; only the entry code reads this.
        unsafe { CURRENT_SAVE_END = end };
        if self.active_root != root {
            self.active_root = root;
            super::cpu::switch_address_space(root);
        }
        regs
    }
}

/// Runs the first task; never returns.
pub fn enter_user_mode() -> ! {
    let next = with_kernel(|k| k.switch_to_next());
    // SAFETY: as in `syscall_from_user`.
    unsafe { return_to_user(next) }
}
