//! The only module with `unsafe` code: the `syscall` instruction, the time-stamp counter, the
//! program's first instruction, and volatile access to the two pages the layout reserves at fixed
//! addresses (the IPC buffer and the console page).

use abi::layout::CONSOLE;
#[cfg(not(test))]
use abi::layout::IPC_BUFFER;
use abi::msg::IpcBuffer;
use abi::Sysnum;
use core::arch::asm;

/// What a syscall left in the registers: `rax` (0 or a [`abi::SysError`] code), the results
/// `r0..r5` (`rdi, rsi, rdx, r10, r8, r9`) and `r12` (the sender of a received message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysOut {
    /// 0 for success, or a [`abi::SysError`] code.
    pub rax: u64,
    /// The results `r0..r5`, from `rdi, rsi, rdx, r10, r8, r9`.
    pub r: [u64; 6],
    /// The sender's task id, after a receive.
    pub r12: u64,
}

/// Performs syscall `num` with arguments `a0..a5` (`rdi, rsi, rdx, r10, r8, r9`).
///
/// This is safe because the kernel checks every argument: it only reads user memory through
/// pointers it has validated (`DebugWrite`), and the only user memory it writes is the IPC buffer
/// page, which no Rust object occupies (it is reserved by [`abi::layout`] and accessed only through
/// the volatile accessors below). Every register except `rax`, `rcx`, `r11` and the declared
/// outputs is preserved.
#[inline(always)]
pub fn syscall(num: Sysnum, a: [u64; 6]) -> SysOut {
    let rax: u64;
    let (mut r0, mut r1, mut r2, mut r3, mut r4, mut r5) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    // SAFETY: see the function's documentation: the kernel validates all arguments and never writes
    // memory owned by Rust; all registers the kernel may change are declared as outputs or clobbers;
    // the kernel does not touch the user stack.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") num.raw() => rax,
            inout("rdi") r0,
            inout("rsi") r1,
            inout("rdx") r2,
            inout("r10") r3,
            inout("r8") r4,
            inout("r9") r5,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    SysOut {
        rax,
        r: [r0, r1, r2, r3, r4, r5],
        r12: 0,
    }
}

/// Like [`syscall`] for a syscall that takes no arguments: the argument registers are left as
/// they are (the kernel ignores them), which saves zeroing six registers on the null-syscall path.
#[inline(always)]
pub fn syscall_no_args(num: Sysnum) -> SysOut {
    let (rax, r0, r1, r2, r3, r4, r5): (u64, u64, u64, u64, u64, u64, u64);
    // SAFETY: as in `syscall`.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") num.raw() => rax,
            lateout("rdi") r0,
            lateout("rsi") r1,
            lateout("rdx") r2,
            lateout("r10") r3,
            lateout("r8") r4,
            lateout("r9") r5,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    SysOut {
        rax,
        r: [r0, r1, r2, r3, r4, r5],
        r12: 0,
    }
}

/// Like [`syscall`], also passing and returning `r12` (the reply target of `Reply`/`ReplyRecv`,
/// the sender of `Recv`/`ReplyRecv`).
#[inline(always)]
pub fn syscall_r12(num: Sysnum, a: [u64; 6], r12_in: u64) -> SysOut {
    syscall_raw(num.raw(), a, r12_in)
}

/// Any value in `rax`, even one that is no syscall number (the adversarial tests and the fuzzer
/// use it): arguments `a`, `r12` in and out. Safe for the same reasons as [`syscall`].
#[inline(always)]
pub fn syscall_raw(num: u64, a: [u64; 6], r12_in: u64) -> SysOut {
    let rax: u64;
    let (mut r0, mut r1, mut r2, mut r3, mut r4, mut r5) = (a[0], a[1], a[2], a[3], a[4], a[5]);
    let mut r12 = r12_in;
    // SAFETY: as in `syscall`; `r12` is declared as an input and output too.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") num => rax,
            inout("rdi") r0,
            inout("rsi") r1,
            inout("rdx") r2,
            inout("r10") r3,
            inout("r8") r4,
            inout("r9") r5,
            inout("r12") r12,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    SysOut {
        rax,
        r: [r0, r1, r2, r3, r4, r5],
        r12,
    }
}

/// The time-stamp counter.
#[inline(always)]
pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: `rdtsc` only reads the counter into edx:eax; it touches no memory or stack.
    unsafe {
        asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
    }
    (hi as u64) << 32 | lo as u64
}

/// The time-stamp counter, fenced with `lfence` on both sides so earlier instructions have
/// finished before it is read and later ones do not start before.
#[inline(always)]
pub fn rdtsc_ordered() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: `lfence` and `rdtsc` touch no memory or stack; only edx:eax change.
    unsafe {
        asm!(
            "lfence",
            "rdtsc",
            "lfence",
            out("eax") lo,
            out("edx") hi,
            options(nomem, nostack, preserves_flags),
        );
    }
    (hi as u64) << 32 | lo as u64
}

// The program's first instruction. The kernel starts a task with `rsp = layout::STACK_TOP` (16-byte
// aligned) and `rip` here; `call` pushes a return address, so the callee sees the alignment the
// System V ABI promises (rsp + 8 a multiple of 16). `rbp = 0` ends frame-pointer backtraces.
// `userlib_start_rust` is defined by the program through `userlib::entry!`. (Only in the
// programs: the servers' libraries link userlib into host tests, which have their own `_start`.)
#[cfg(all(not(test), target_os = "none"))]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "and rsp, -16",
    "call userlib_start_rust",
    "ud2",
    ".size _start, . - _start",
);

/// Number of `u64` words in the IPC buffer.
pub const IPC_BUFFER_WORDS: usize = core::mem::size_of::<IpcBuffer>() / 8;

/// Element `index` of the `count`-element array of `T` the layout reserves at `base` (the IPC
/// buffer or the console page). Panics if `index` is outside it.
#[inline]
fn reserved_slot<T>(base: u64, count: usize, index: usize) -> *mut T {
    assert!(index < count, "index {index} outside the reserved page");
    (base as *mut T).wrapping_add(index)
}

/// Reads word `index` of the IPC buffer (counting `u64`s from the start of [`IpcBuffer`]).
///
/// The buffer must be mapped (init maps it for every program); otherwise the access faults and the
/// task's supervisor hears of it. Panics if `index` is outside the buffer.
#[cfg(not(test))]
#[inline]
pub fn ipc_buffer_read(index: usize) -> u64 {
    let p = reserved_slot::<u64>(IPC_BUFFER, IPC_BUFFER_WORDS, index);
    // SAFETY: `p` is an aligned address inside the IPC buffer page, which the layout reserves for
    // this purpose: no Rust object lives there, so no reference is aliased. The kernel writes it only
    // during syscalls, hence volatile. If the page is not mapped the access faults (a fault message
    // to the supervisor), which is not undefined behaviour for this fixed, reserved address.
    unsafe { p.read_volatile() }
}

/// Writes word `index` of the IPC buffer. Panics if `index` is outside the buffer.
#[cfg(not(test))]
#[inline]
pub fn ipc_buffer_write(index: usize, value: u64) {
    let p = reserved_slot::<u64>(IPC_BUFFER, IPC_BUFFER_WORDS, index);
    // SAFETY: as in `ipc_buffer_read`; the page is user-writable when mapped.
    unsafe { p.write_volatile(value) }
}

// In host unit tests there is no page at `IPC_BUFFER`: the buffer is an array of each test's
// thread, so the code that stages long messages (`rpc`) runs there too.
#[cfg(test)]
std::thread_local! {
    static HOST_IPC_BUFFER: core::cell::RefCell<[u64; IPC_BUFFER_WORDS]> =
        const { core::cell::RefCell::new([0; IPC_BUFFER_WORDS]) };
}

/// Reads word `index` of the (host tests') IPC buffer.
#[cfg(test)]
pub fn ipc_buffer_read(index: usize) -> u64 {
    assert!(
        index < IPC_BUFFER_WORDS,
        "index {index} outside the reserved page"
    );
    HOST_IPC_BUFFER.with_borrow(|b| b[index])
}

/// Writes word `index` of the (host tests') IPC buffer.
#[cfg(test)]
pub fn ipc_buffer_write(index: usize, value: u64) {
    assert!(
        index < IPC_BUFFER_WORDS,
        "index {index} outside the reserved page"
    );
    HOST_IPC_BUFFER.with_borrow_mut(|b| b[index] = value);
}

/// Number of `u16` cells in the console page (the 80x25 grid, the cursor, and the rest of the page).
pub const CONSOLE_PAGE_CELLS: usize = abi::layout::PAGE_SIZE as usize / 2;

/// Reads `u16` number `index` of the console page. Panics if `index` is outside the page.
pub fn console_read(index: usize) -> u16 {
    let p = reserved_slot::<u16>(CONSOLE, CONSOLE_PAGE_CELLS, index);
    // SAFETY: `p` is an aligned address inside the console page, which the layout reserves and the
    // kernel maps into every address space. No Rust object lives there; other programs write it
    // too (hence volatile, and no references are ever formed).
    unsafe { p.read_volatile() }
}

/// A copy of the whole console page, read at once (what a display draws).
pub fn console_page() -> [u16; CONSOLE_PAGE_CELLS] {
    let p = reserved_slot::<[u16; CONSOLE_PAGE_CELLS]>(CONSOLE, 1, 0);
    // SAFETY: as in `console_read`: the whole page, aligned, mapped into every address space.
    unsafe { p.read_volatile() }
}

/// Writes `u16` number `index` of the console page. Panics if `index` is outside the page.
pub fn console_write(index: usize, value: u16) {
    let p = reserved_slot::<u16>(CONSOLE, CONSOLE_PAGE_CELLS, index);
    // SAFETY: as in `console_read`; the page is mapped user-writable.
    unsafe { p.write_volatile(value) }
}
