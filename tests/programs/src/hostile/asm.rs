//! The hostile instructions, each in a small function: what no Rust code may do itself (touch
//! memory that is not the program's, run privileged instructions, change RFLAGS or the stack
//! pointer behind the compiler's back). Most are meant to fault: the CPU raises an exception before
//! the instruction has any effect, and the kernel kills the task, so nothing after them runs.
#![allow(dead_code)] // each program uses its own subset

use core::arch::asm;
use userlib::arch::SysOut;
use userlib::rdtsc;

/// Instructions without operands that user mode may not run (or that do not exist in 64-bit mode).
macro_rules! forbidden {
    ($($(#[$doc:meta])* $name:ident => $insn:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name() {
            // SAFETY: a privileged or invalid instruction: in user mode the CPU raises an exception
            // before it has any effect, and the kernel kills the task. No memory or stack is used.
            unsafe { asm!($insn, options(nomem, nostack)) }
        }
    )*};
}

forbidden! {
    hlt => "hlt";
    cli => "cli";
    sti => "sti";
    wbinvd => "wbinvd";
    invd => "invd";
    swapgs => "swapgs";
    clac => "clac";
    stac => "stac";
    clts => "clts";
    sysretq => "sysretq";
    sysenter => "sysenter";
    rsm => "rsm";
    int3 => "int3";
    /// `into` (0xCE) is invalid in 64-bit mode.
    into => ".byte 0xce";
    /// `icebp` / `int1` (0xF1): a debug trap that ignores the gate's privilege level.
    icebp => ".byte 0xf1";
    ud2 => "ud2";
}

/// Instructions with one register operand (a value or a selector) that user mode may not run.
macro_rules! forbidden_with {
    ($($(#[$doc:meta])* $name:ident($t:ty) => $insn:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name(value: $t) {
            // SAFETY: as for `forbidden!`: the CPU refuses the instruction in user mode before it
            // has any effect. The operand is only a register.
            unsafe { asm!($insn, in(reg) value, options(nomem, nostack)) }
        }
    )*};
}

forbidden_with! {
    write_cr0(u64) => "mov cr0, {}";
    write_cr3(u64) => "mov cr3, {}";
    write_cr4(u64) => "mov cr4, {}";
    write_dr7(u64) => "mov dr7, {}";
    lmsw(u16) => "lmsw {0:x}";
    ltr(u16) => "ltr {0:x}";
    lldt(u16) => "lldt {0:x}";
    wrfsbase(u64) => "wrfsbase {}";
}

/// Reads a control or debug register (refused in user mode).
macro_rules! forbidden_read {
    ($($name:ident => $insn:literal;)*) => {$(
        pub fn $name() -> u64 {
            let value;
            // SAFETY: as for `forbidden!`; the result is only a register.
            unsafe { asm!($insn, out(reg) value, options(nomem, nostack)) };
            value
        }
    )*};
}

forbidden_read! {
    read_cr0 => "mov {}, cr0";
    read_cr3 => "mov {}, cr3";
    read_cr4 => "mov {}, cr4";
    read_cr8 => "mov {}, cr8";
    read_dr6 => "mov {}, dr6";
}

/// Reads 8 bytes at `addr`.
pub fn load(addr: u64) -> u64 {
    let value;
    // SAFETY: a load the kernel must stop (the address is not this program's to read); no Rust
    // object is involved, and had it succeeded only the value would be returned.
    unsafe {
        asm!("mov {v}, qword ptr [{a}]", a = in(reg) addr, v = out(reg) value,
             options(nostack, readonly, preserves_flags))
    };
    value
}

/// Writes 8 bytes at `addr`.
pub fn store(addr: u64, value: u64) {
    // SAFETY: a store the kernel must stop: the address is kernel memory or a page this program
    // may not write, never memory a Rust object of this program lives in.
    unsafe {
        asm!("mov qword ptr [{a}], {v}", a = in(reg) addr, v = in(reg) value,
             options(nostack, preserves_flags))
    };
}

/// Calls the code at `addr`.
pub fn execute(addr: u64) {
    // SAFETY: the fetch must fault (kernel memory, a page without EXECUTE, or a non-canonical
    // address) and the kernel kills the task; every register a call may change is clobbered.
    unsafe { asm!("call {a}", a = in(reg) addr, clobber_abi("C")) };
}

/// `in al, dx`.
pub fn port_in(port: u16) -> u8 {
    let value;
    // SAFETY: IOPL is 0 and the TSS has no I/O bitmap, so user mode gets #GP before any port is
    // read.
    unsafe { asm!("in al, dx", in("dx") port, out("al") value, options(nomem, nostack)) };
    value
}

/// `out dx, al`.
pub fn port_out(port: u16, value: u8) {
    // SAFETY: as for `port_in`: #GP before any port is written.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack)) };
}

/// `rdmsr`.
pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: privileged: #GP in user mode before anything is read.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    (hi as u64) << 32 | lo as u64
}

/// `wrmsr`.
pub fn wrmsr(msr: u32, value: u64) {
    // SAFETY: privileged: #GP in user mode before anything is written.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") value as u32, in("edx") (value >> 32) as u32,
             options(nomem, nostack))
    };
}

/// `rdpmc` (refused unless CR4.PCE is set).
pub fn rdpmc(counter: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: #GP in user mode with CR4.PCE clear; only registers are involved.
    unsafe {
        asm!("rdpmc", in("ecx") counter, out("eax") lo, out("edx") hi, options(nomem, nostack))
    };
    (hi as u64) << 32 | lo as u64
}

/// `xsetbv` (privileged).
pub fn xsetbv(register: u32, value: u64) {
    // SAFETY: #GP (or #UD) in user mode before XCR0 changes; only registers are involved.
    unsafe {
        asm!("xsetbv", in("ecx") register, in("eax") value as u32, in("edx") (value >> 32) as u32,
             options(nomem, nostack))
    };
}

/// A descriptor-table pointer as `lgdt`/`sgdt` use it.
#[repr(C, packed)]
#[derive(Clone, Copy, Default)]
pub struct TablePointer {
    pub limit: u16,
    pub base: u64,
}

/// `lgdt` with `table`.
pub fn lgdt(table: &TablePointer) {
    // SAFETY: privileged: #GP in user mode before the GDT register changes; the operand is read
    // only, and it is a live Rust object.
    unsafe { asm!("lgdt [{}]", in(reg) table, options(readonly, nostack)) };
}

/// `lidt` with `table`.
pub fn lidt(table: &TablePointer) {
    // SAFETY: as for `lgdt`.
    unsafe { asm!("lidt [{}]", in(reg) table, options(readonly, nostack)) };
}

/// `sgdt`: where the kernel's GDT is (user mode may run it unless CR4.UMIP is set).
pub fn sgdt() -> TablePointer {
    let mut table = TablePointer::default();
    // SAFETY: writes the 10-byte `table`, a live Rust object, and nothing else.
    unsafe { asm!("sgdt [{}]", in(reg) &mut table, options(nostack)) };
    table
}

/// `sidt`: where the kernel's IDT is.
pub fn sidt() -> TablePointer {
    let mut table = TablePointer::default();
    // SAFETY: as for `sgdt`.
    unsafe { asm!("sidt [{}]", in(reg) &mut table, options(nostack)) };
    table
}

/// `invlpg [addr]`.
pub fn invlpg(addr: u64) {
    // SAFETY: privileged: #GP in user mode; no memory is accessed.
    unsafe { asm!("invlpg [{}]", in(reg) addr, options(nostack)) };
}

/// `iretq` to `cs:rip` with `ss:rsp` of this very stack: ring 0 when `cs` is the kernel's.
pub fn iretq_to(cs: u64, ss: u64) {
    // SAFETY: builds an interrupt frame on the stack and returns through it. To a kernel selector
    // the CPU refuses (#GP) before anything changes; to this program's own selectors it resumes at
    // the label with the stack as it was before the pushes.
    unsafe {
        asm!(
            "mov {sp}, rsp",
            "push {ss}",
            "push {sp}",
            "pushfq",
            "push {cs}",
            "lea {sp}, [rip + 2f]",
            "push {sp}",
            "iretq",
            "2:",
            ss = in(reg) ss, cs = in(reg) cs, sp = out(reg) _,
        )
    };
}

/// A far return (`retfq`) to `cs` at the next instruction.
pub fn far_return_to(cs: u64) {
    // SAFETY: as for `iretq_to`: refused for a kernel selector; to the program's own it resumes
    // at the label with the stack as before.
    unsafe {
        asm!(
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            cs = in(reg) cs, tmp = out(reg) _,
        )
    };
}

/// A far jump to `selector:0`, through memory (`ljmp m16:32`).
pub fn far_jump(selector: u16) {
    let target: [u16; 3] = [0, 0, selector];
    // SAFETY: a jump to a system or kernel selector (a TSS: a task switch, which long mode does not
    // have) raises #GP before it jumps; the operand is read only.
    unsafe { asm!("ljmpl *({})", in(reg) &target, options(att_syntax, readonly, nostack)) };
}

/// Loads a data segment register.
macro_rules! load_segment {
    ($($name:ident => $insn:literal;)*) => {$(
        pub fn $name(selector: u16) {
            // SAFETY: a selector this program may not load raises #GP before the register changes;
            // one it may load (null, or the user data segment) changes only that register, which
            // 64-bit code does not use for addressing (bases are 0 either way).
            unsafe { asm!($insn, in(reg) selector as u32, options(nomem, nostack)) };
        }
    )*};
}

load_segment! {
    load_ds => "mov ds, {0:e}";
    load_es => "mov es, {0:e}";
    load_fs => "mov fs, {0:e}";
    load_gs => "mov gs, {0:e}";
    load_ss => "mov ss, {0:e}";
}

/// The selectors in DS, ES, FS and GS.
pub fn segments() -> [u16; 4] {
    let (ds, es, fs, gs): (u32, u32, u32, u32);
    // SAFETY: reading segment registers has no side effects.
    unsafe {
        asm!("mov {0:e}, ds", "mov {1:e}, es", "mov {2:e}, fs", "mov {3:e}, gs",
             out(reg) ds, out(reg) es, out(reg) fs, out(reg) gs,
             options(nomem, nostack, preserves_flags))
    };
    [ds as u16, es as u16, fs as u16, gs as u16]
}

/// RFLAGS bits.
pub mod flags {
    pub const TF: u64 = 1 << 8;
    pub const IF: u64 = 1 << 9;
    pub const DF: u64 = 1 << 10;
    pub const IOPL: u64 = 3 << 12;
    pub const NT: u64 = 1 << 14;
    pub const VM: u64 = 1 << 17;
    pub const AC: u64 = 1 << 18;
}

/// The current RFLAGS.
pub fn rflags() -> u64 {
    let value;
    // SAFETY: pushes and pops one word of the program's own stack.
    unsafe { asm!("pushfq", "pop {}", out(reg) value, options(nomem, preserves_flags)) };
    value
}

/// Sets `bits` of RFLAGS with `popfq` (the CPU ignores what user mode may not change). Only for
/// bits compiled code does not depend on (not DF: see [`syscall_with_df`]).
pub fn set_rflags(bits: u64) {
    // SAFETY: changes only RFLAGS, through one word of the program's own stack. NT, AC, IOPL, VM
    // and TF do not change what compiled code computes (AC faults only with CR0.AM set, and TF's
    // single-step trap is a case that expects to be killed).
    unsafe { asm!("pushfq", "or qword ptr [rsp], {}", "popfq", in(reg) bits, options(nomem)) };
}

/// Clears `bits` of RFLAGS.
pub fn clear_rflags(bits: u64) {
    // SAFETY: as for `set_rflags`.
    unsafe { asm!("pushfq", "and qword ptr [rsp], {}", "popfq", in(reg) !bits, options(nomem)) };
}

/// Sets TF and makes a syscall (`TaskSelf`) at once: the single-step trap of the `syscall`
/// instruction is due at the kernel's entry point (SFMASK clears TF only for what follows), and
/// after `sysretq` the next user instruction traps again.
pub fn single_step_into_syscall() {
    // SAFETY: changes RFLAGS through one word of the program's own stack, then a syscall that
    // writes only registers (declared); the single-step trap after it kills the task.
    unsafe {
        asm!(
            "pushfq",
            "or qword ptr [rsp], 0x100",
            "popfq",
            "syscall",
            "nop",
            inlateout("rax") 2u64 => _, // TaskSelf
            out("rdi") _, out("rsi") _, out("rcx") _, out("r11") _,
        )
    };
}

/// A syscall made with the direction flag set (compiled code must never run with DF set, so it is
/// set and cleared around the instruction); also returns RFLAGS as the syscall left them.
pub fn syscall_with_df(num: u64, a: [u64; 6], r12_in: u64) -> (SysOut, u64) {
    let (rax, after): (u64, u64);
    let [mut r0, mut r1, mut r2, mut r3, mut r4, mut r5] = a;
    let mut r12 = r12_in;
    // SAFETY: as userlib's `syscall_raw` (the kernel validates every argument and writes only the
    // IPC buffer), with DF set only between `std` and `cld`, where no compiled code runs; the
    // flags are read through one word of the program's own stack.
    unsafe {
        asm!(
            "std",
            "syscall",
            "pushfq",
            "pop {f}",
            "cld",
            f = out(reg) after,
            inlateout("rax") num => rax,
            inout("rdi") r0, inout("rsi") r1, inout("rdx") r2,
            inout("r10") r3, inout("r8") r4, inout("r9") r5,
            inout("r12") r12,
            lateout("rcx") _, lateout("r11") _,
        );
    }
    let out = SysOut {
        rax,
        r: [r0, r1, r2, r3, r4, r5],
        r12,
    };
    (out, after)
}

/// A jump in the time-stamp counter this big between two reads in a tight loop means the loop was
/// interrupted (a timer tick, or the kernel ran another task) — at most; see [`interrupted_gap`].
const INTERRUPTED_GAP: u64 = 20_000;

/// The gap that means an interruption on this machine: 32 times a plain iteration of the loop,
/// but not more than [`INTERRUPTED_GAP`]. (Under TCG the TSC follows the host's clock: on a fast
/// host a whole timer interrupt can take less than a fixed threshold, and would go unseen.)
fn interrupted_gap() -> u64 {
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static GAP: AtomicU64 = AtomicU64::new(0);
    if GAP.load(Relaxed) == 0 {
        let mut gaps = [0u64; 63];
        let mut last = rdtsc();
        for g in gaps.iter_mut() {
            let now = rdtsc();
            *g = now.wrapping_sub(last);
            last = now;
        }
        gaps.sort_unstable();
        GAP.store(
            (gaps[gaps.len() / 2] * 32).clamp(1_000, INTERRUPTED_GAP),
            Relaxed,
        );
    }
    GAP.load(Relaxed)
}
/// Upper bound on the loop, so that a missing timer shows as a failed check rather than a hang.
const MAX_SPINS: u64 = 50_000_000;

/// Spins until it has been interrupted `n` times (or the bound runs out); returns how many
/// interruptions it saw.
pub fn spin_through_interrupts(n: u64) -> u64 {
    let gap = interrupted_gap();
    let (mut seen, mut last) = (0, rdtsc());
    for _ in 0..MAX_SPINS {
        let now = rdtsc();
        if now.wrapping_sub(last) > gap {
            seen += 1;
            if seen == n {
                break;
            }
        }
        last = now;
    }
    seen
}

/// Like [`spin_through_interrupts`], but what gets interrupted is a loop that keeps the arithmetic
/// flags fixed (ZF and PF set by `xor`; `loop` changes no flag), so that the kernel sees the same
/// RFLAGS at (almost) every timer interrupt. Returns how many interruptions it saw.
pub fn spin_with_fixed_flags(n: u64) -> u64 {
    let gap = interrupted_gap();
    let mut seen = 0;
    for _ in 0..MAX_SPINS / 100 {
        let before = rdtsc();
        // SAFETY: a counted loop in registers only; the flags it leaves are declared clobbered.
        unsafe {
            asm!("xor eax, eax", "2:", "loop 2b", inout("rcx") 200u64 => _, out("eax") _,
                 options(nomem, nostack))
        };
        // (The 200-step loop itself takes about as long as a few plain iterations.)
        if rdtsc().wrapping_sub(before) > gap.max(INTERRUPTED_GAP / 4) {
            seen += 1;
            if seen == n {
                break;
            }
        }
    }
    seen
}

/// The loop of [`spin_through_interrupts`] for three interruptions, in registers only (for code
/// running on a stack pointer that cannot be used); clobbers rax, rdx, r8-r11.
macro_rules! spin_asm {
    () => {
        "mov r8, 3
        mov r11, 50000000
        rdtsc
        shl rdx, 32
        or rax, rdx
        mov r9, rax
        22:
        rdtsc
        shl rdx, 32
        or rax, rdx
        mov r10, rax
        sub r10, r9
        mov r9, rax
        dec r11
        jz 23f
        cmp r10, 20000
        jb 22b
        dec r8
        jnz 22b
        23:"
    };
}

/// Points rsp at `sp`, prints `note` with a `DebugWrite` (the kernel must neither use nor mind
/// the user stack), spins through timer interrupts (which arrive on the kernel's stack), then
/// pushes: the push must fault. Never returns (a surviving push ends in `ud2`).
pub fn syscall_and_push_on(sp: u64, note: &'static str) {
    // SAFETY: no compiled code runs on the bad stack pointer: after the syscall and the register-
    // only spin, the push faults and the task is killed (`ud2` if it did not). The kernel reads
    // `note` only through its own checked copy.
    unsafe {
        asm!(
            "mov rsp, {sp}",
            "syscall",
            spin_asm!(),
            "push rax",
            "ud2",
            sp = in(reg) sp,
            in("rax") 0u64, // DebugWrite
            in("rdi") note.as_ptr(),
            in("rsi") note.len(),
            in("rdx") 0u64, // no flags
            options(noreturn),
        )
    }
}

// `int 0` to `int 255`, each followed by `ud2` should it return: an immediate cannot be computed.
// The label is global: the asm and its users may land in different codegen units (object files),
// and a local label would then be undefined at link time.
core::arch::global_asm!(
    ".pushsection .text.hostile_int_table, \"ax\", @progbits",
    ".globl hostile_int_table",
    ".hidden hostile_int_table",
    ".p2align 4",
    "hostile_int_table:",
    ".set vector, 0",
    ".rept 256",
    ".byte 0xcd, vector",
    "ud2",
    ".set vector, vector + 1",
    ".endr",
    ".popsection",
);

/// Bytes per entry of `hostile_int_table`.
const INT_ENTRY: u64 = 4;

extern "C" {
    static hostile_int_table: [u8; 256 * INT_ENTRY as usize];
}

/// The address of an `int vector` instruction (for [`execute`], or a task's rip).
pub fn int_instruction(vector: u8) -> u64 {
    core::ptr::addr_of!(hostile_int_table) as u64 + vector as u64 * INT_ENTRY
}

/// Makes syscall `num` with `rdi` = `a0`, `rsi` = the page this very code is on and `rdx` = `a2`
/// (an `AsUnmap` or `AsProtect` of the rogue's own code page), then runs on into that page.
pub fn syscall_on_own_code_page(num: u64, a0: u64, a2: u64) {
    // SAFETY: the block is 64-byte aligned, so it lies within one page; after the syscall the next
    // fetch must fault (the page is unmapped or no longer executable) and the task is killed.
    // Were it not, it falls through with every clobbered register declared.
    unsafe {
        asm!(
            ".p2align 6",
            "lea rsi, [rip]",
            "and rsi, -4096",
            "syscall",
            "nop",
            inout("rax") num => _, in("rdi") a0, out("rsi") _, in("rdx") a2,
            out("rcx") _, out("r11") _,
        )
    };
}

/// Makes syscall `num` with `rdi` = `a0`, `rsi` = the page just below the stack pointer (an
/// `AsUnmap` of the rogue's own stack) and `rdx` = `a2`, then pushes onto that page. Never
/// returns.
pub fn syscall_on_own_stack_page(num: u64, a0: u64, a2: u64) {
    // SAFETY: the push after the syscall must fault (its page is gone) and the task is killed;
    // `ud2` ends it otherwise. No compiled code runs after the syscall.
    unsafe {
        asm!(
            "lea rsi, [rsp - 8]",
            "and rsi, -4096",
            "syscall",
            "push rax",
            "ud2",
            in("rax") num, in("rdi") a0, in("rdx") a2,
            options(noreturn),
        )
    };
}
