//! Trap entry and exit: the only way into the kernel after boot.
//!
//! Every entry saves the interrupted user registers into a [`SavedRegs`] that lives in the current
//! task's control block (the CPU pushes its part there because TSS.RSP0 points at the end of that
//! area, as in seL4), then `swapgs` (GS: this CPU's `PerCpu`) and switches to this CPU's kernel
//! stack and calls safe Rust. The kernel never blocks in kernel mode, so one kernel stack per CPU
//! serves every task; leaving the kernel restores some task's `SavedRegs` with `sysretq` (if it
//! entered by `syscall`) or `iretq`, after `swapgs` back to the user's GS base.
//!
//! Traps taken in kernel mode (idle loop interrupts, kernel bugs) stay on the kernel stack, and
//! on the kernel's GS: no `swapgs` (the saved CS says which mode the trap came from). The
//! stubs call the kernel's handlers by symbol name (see `arch::entry`): `trap_from_user`, a
//! [`UserTrapHandler`], and `trap_from_kernel`, a [`KernelTrapHandler`].
use super::apic::SPURIOUS_VECTOR;
use super::percpu::{IPI_VECTOR, KERNEL_STACK_TOP};
use core::arch::global_asm;

/// Handles a trap from user mode, `frame` being the current task's save area (or an IST stack for
/// NMI, double fault and machine check), and resumes some task.
pub type UserTrapHandler = extern "C" fn(frame: &mut SavedRegs) -> !;
/// Handles a trap taken in kernel mode; the kernel's code resumes where it was.
pub type KernelTrapHandler = extern "C" fn(frame: &mut SavedRegs);

/// The `vector` value marking registers saved by the `syscall` instruction path.
pub const SYSCALL_MARK: u64 = 0x100;

/// User registers of an interrupted task, in the order the entry code pushes them (lowest first).
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SavedRegs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rbx: u64,
    pub rax: u64,
    /// `rcx` and `r11` sit next to each other: `syscall` has already put rip and rflags in them, so
    /// the syscall path skips them in one instruction (see `arch::entry`).
    pub r11: u64,
    pub rcx: u64,
    /// Trap vector, or [`SYSCALL_MARK`].
    pub vector: u64,
    pub error_code: u64,
    // The hardware interrupt frame.
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

// The interrupt frame must end on a 16-byte boundary (the CPU aligns RSP0 before pushing).
const _: () = assert!(core::mem::size_of::<SavedRegs>() % 16 == 0);

/// Number of trap vectors with entry stubs: the 32 exceptions, the 16 ISA lines (vector 32, line
/// 0's, is the local APIC timer's), then the IPI and the APIC's spurious vector ([`stub_vector`]).
pub const STUB_COUNT: usize = 50;

/// The vector of entry stub `i`.
pub fn stub_vector(i: usize) -> u8 {
    match i {
        48 => IPI_VECTOR,
        49 => SPURIOUS_VECTOR,
        _ => i as u8,
    }
}

extern "C" {
    /// Addresses of the entry stubs, in [`stub_vector`] order.
    static trap_stub_table: [u64; STUB_COUNT];
}

pub fn stub_address(i: usize) -> u64 {
    // SAFETY: the table is immutable data emitted by the assembly below.
    unsafe { trap_stub_table[i] }
}

/// Saves the general registers other than `rcx` and `r11` in `SavedRegs` order (the one list
/// shared by the trap stubs, the syscall entry and the return path).
macro_rules! push_gprs {
    () => {
        "push rax\npush rbx\npush rdx\npush rsi\npush rdi\npush rbp\npush r8\npush r9\npush r10\npush r12\npush r13\npush r14\npush r15\n"
    };
}
pub(crate) use push_gprs;

/// Restores what `push_gprs!` saved.
macro_rules! pop_gprs {
    () => {
        "pop r15\npop r14\npop r13\npop r12\npop r10\npop r9\npop r8\npop rbp\npop rdi\npop rsi\npop rdx\npop rbx\npop rax\n"
    };
}
pub(crate) use pop_gprs;

// Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30.
global_asm!(
    concat!(
    r#"
.macro TRAP_STUB n, has_error
    .p2align 4
trap_stub_\n:
    .if \has_error == 0
    push 0
    .endif
    push \n
    jmp trap_common
.endm

.irp n, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,240,255
    TRAP_STUB \n, 0
.endr
.irp n, 8,10,11,12,13,14,17,21,29,30
    TRAP_STUB \n, 1
.endr

.section .rodata
.p2align 3
.global trap_stub_table
trap_stub_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,240,255
    .quad trap_stub_\n
.endr
.text

trap_common:
    push rcx
    push r11
"#,
    push_gprs!(),
    r#"
    cld
    mov rdi, rsp
    test qword ptr [rsp + 18*8], 3
    jz 1f
    swapgs
    mov rsp, gs:[{stack_top}]
    pushfq
    and qword ptr [rsp], {no_ac}
    popfq
    call trap_from_user
    ud2
1:
    call trap_from_kernel
"#,
    pop_gprs!(),
    r#"
    pop r11
    pop rcx
    add rsp, 16
    iretq
"#
    ),
    // Interrupt gates clear IF, TF and NT but not AC, which user code sets with `popf`: with AC
    // set, SMAP would be off in the kernel. (`clac` would #UD on CPUs without SMAP.) It is cleared
    // on the kernel stack: from user mode, rsp first points at the start of the task's save area,
    // and a push there would overwrite the task's state just below it (its last capability slot).
    // Kernel code never sets AC, so a trap from kernel mode has it clear already.
    no_ac = const !(1u64 << 18) as i64,
    stack_top = const KERNEL_STACK_TOP,
);

/// Vector names for reports.
pub fn vector_name(vector: u64) -> &'static str {
    match vector {
        SYSCALL_MARK => "syscall",
        v => abi::msg::fault::vector_name(v),
    }
}
