//! Entering the kernel by `syscall` and leaving it for user mode: the raw entry and exit code.
//!
//! `syscall_entry` saves the user registers straight into the current task's `SavedRegs` (the same
//! layout the trap stubs produce), switches to the kernel stack and calls a [`SyscallHandler`]:
//! `call_from_user` for `Call`, `reply_recv_from_user` for `ReplyRecv` (their own entries, as in
//! seL4), `syscall_from_user` for the rest. `return_to_user` restores the registers of the task a
//! handler returns with `sysretq` when it entered by `syscall` (cheap) or `iretq` otherwise.
//!
//! The handlers are the kernel's, a layer above (`crate::entry`): the assembly calls them by symbol
//! name, as seL4's calls `c_handle_syscall`, so arch imports nothing of the layers above it and the
//! IPC path pays no indirect call. The types here are the contract the kernel checks them against.
use super::trap::{pop_gprs, push_gprs, SavedRegs, SYSCALL_MARK};
use super::{gdt, percpu};
use abi::Sysnum;
use core::arch::global_asm;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::VirtAddr;

/// Runs the current task's syscall; returns the registers of the task to resume (see
/// [`set_save_area`]).
pub type SyscallHandler = extern "C" fn() -> *const SavedRegs;

extern "C" {
    fn syscall_entry();
    /// Resumes user mode with the registers at `regs`: those of the task whose save area
    /// [`set_save_area`] installed last, in its address space.
    pub fn return_to_user(regs: *const SavedRegs) -> !;
}

// `syscall_entry` swaps to the kernel's GS (this CPU's `PerCpu`: its scratch slot, TSS.RSP0 and
// kernel stack) and starts at TSS.RSP0, the end of the current task's save area, and skips the
// `cs` and error-code slots: every writer of a save area (the initial registers, the CPU's trap
// frames) stores the same user code selector, and a syscall has no error code (only traps' fault
// messages read it). Every way out to user mode passes `restore_user_regs` (where the debugger's
// `mikros step-ipc` stops); `Call`'s returns there straight. Both ways out `swapgs` back to the
// user's GS base last, once nothing more is read through GS.
global_asm!(
    concat!(
        r#"
.global syscall_entry
syscall_entry:
    swapgs
    mov gs:[{user_rsp}], rsp
    mov rsp, gs:[{rsp0}]
    push {user_ss}
    push gs:[{user_rsp}]
    push r11
    mov [rsp - 16], rcx
    mov qword ptr [rsp - 32], {mark}
    sub rsp, 48
"#,
        push_gprs!(),
        r#"
    mov rsp, gs:[{stack_top}]
    cmp rax, {call}
    je 2f
    cmp rax, {reply_recv}
    je 3f
    call syscall_from_user
    jmp 4f
2:
    call call_from_user
    mov rsp, rax
    jmp restore_user_regs
3:
    call reply_recv_from_user
4:
    mov rdi, rax

.global return_to_user
return_to_user:
    mov rsp, rdi
.global restore_user_regs
restore_user_regs:
    cmp qword ptr [rsp + 15*8], {mark}
"#,
        pop_gprs!(),
        r#"
    jne 1f
    mov rcx, [rsp + 32]
    mov r11, [rsp + 48]
    mov rsp, [rsp + 56]
    swapgs
    sysretq
1:
    pop r11
    pop rcx
    add rsp, 16
    swapgs
    iretq
"#
    ),
    user_rsp = const percpu::USER_RSP,
    rsp0 = const percpu::TSS_RSP0,
    user_ss = const 0x1b,
    mark = const SYSCALL_MARK,
    call = const Sysnum::Call as u64,
    reply_recv = const Sysnum::ReplyRecv as u64,
    stack_top = const percpu::KERNEL_STACK_TOP,
);

/// Programs the `syscall` MSRs.
pub fn init_syscall(s: &gdt::Selectors) {
    debug_assert_eq!((s.user_data.0, s.user_code.0), (0x1b, 0x23));
    // SAFETY: the entry point is `syscall_entry` above; the selectors come from our GDT in the order
    // `sysret` requires; masking IF, TF, DF, AC, NT and IOPL (as Linux does) gives the kernel a clean,
    // interrupt-free entry: a user's NT would make the kernel's next `iretq` a task return (#GP in
    // ring 0), its AC would switch SMAP off.
    unsafe {
        LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
        Star::write(s.user_code, s.user_data, s.kernel_code, s.kernel_data)
            .expect("GDT order suits sysret");
        let cleared = RFlags::INTERRUPT_FLAG | RFlags::TRAP_FLAG | RFlags::DIRECTION_FLAG;
        let cleared = cleared | RFlags::ALIGNMENT_CHECK | RFlags::NESTED_TASK;
        SFMask::write(cleared | RFlags::IOPL_HIGH | RFlags::IOPL_LOW);
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

/// The save area of the task this CPU runs (the one [`set_save_area`] installed last).
#[inline(always)]
pub fn save_area() -> *mut SavedRegs {
    let top: u64;
    // SAFETY: GS is this CPU's `PerCpu` in the kernel; reading its RSP0 has no side effects (only
    // this CPU writes it, with interrupts off).
    unsafe {
        core::arch::asm!("mov {}, gs:[{rsp0}]", out(reg) top, rsp0 = const super::percpu::TSS_RSP0,
            options(readonly, nostack, preserves_flags));
    }
    (top as *mut SavedRegs).wrapping_sub(1)
}

/// Installs the save area of the task to resume, `regs`: where a trap from user mode pushes and
/// where `syscall_entry` saves (both start at TSS.RSP0, its end).
#[inline(always)]
pub fn set_save_area(regs: *const SavedRegs) {
    gdt::set_kernel_entry_stack(regs as u64 + core::mem::size_of::<SavedRegs>() as u64);
}
