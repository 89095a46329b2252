//! Checks the syscall ABI's promise that every register but `rcx`, `r11` and the documented results
//! survives a syscall: a null syscall, a yield, and an IPC call (fast path and general path) to the
//! `ipcecho` companion init starts alongside.
#![no_std]
#![no_main]

use userlib::{names, println, MsgTag, Sysnum, HZ};

/// Where the capability to `ipcecho` goes.
const ECHO: userlib::CapSlot = userlib::CapSlot(8);

userlib::entry!(main);

/// Makes syscall `num` with `rdi`/`rsi` set, and returns rbx, rbp, r12, r13, r14, r15 afterwards
/// (each was loaded with a distinct pattern before).
fn preserved_after(num: Sysnum, rdi: u64, rsi: u64) -> [u64; 6] {
    let (mut r12, mut r13, mut r14, mut r15) = (PATTERN[2], PATTERN[3], PATTERN[4], PATTERN[5]);
    let (rbx, rbp): (u64, u64);
    // SAFETY: a raw syscall; rbx and rbp are saved and restored around it by the asm itself,
    // every register the kernel may change is declared as clobbered or as an output.
    unsafe {
        core::arch::asm!(
            "push rbx",
            "push rbp",
            "mov rbx, {b}",
            "mov rbp, {p}",
            "syscall",
            "mov {b}, rbx",
            "mov {p}, rbp",
            "pop rbp",
            "pop rbx",
            b = inout(reg) PATTERN[0] => rbx,
            p = inout(reg) PATTERN[1] => rbp,
            inout("rax") num.raw() => _,
            inout("rdi") rdi => _,
            inout("rsi") rsi => _,
            inout("rdx") 7u64 => _,
            inout("r10") 0u64 => _,
            inout("r8") 0u64 => _,
            inout("r9") 0u64 => _,
            inout("r12") r12,
            inout("r13") r13,
            inout("r14") r14,
            inout("r15") r15,
            out("rcx") _,
            out("r11") _,
        );
    }
    [rbx, rbp, r12, r13, r14, r15]
}

const PATTERN: [u64; 6] = [
    0xB0B0_0000_0000_0001,
    0xB9B9_0000_0000_0002,
    0x1212_1212_1212_1212,
    0x1313_1313_1313_1313,
    0x1414_1414_1414_1414,
    0x1515_1515_1515_1515,
];

fn main() -> i32 {
    if let Err(e) = names::lookup("ipcecho", ECHO, HZ as u32) {
        println!("regcheck: cannot find ipcecho: {e:?}");
        return 1;
    }
    let call = MsgTag::new(1, 1, 0).0;
    let long_call = MsgTag::new(1, 6, 0).0; // too long for the fast path
    let cases = [
        ("task_self", Sysnum::TaskSelf, 0, 0),
        ("yield", Sysnum::Yield, 0, 0),
        ("call (fast path)", Sysnum::Call, ECHO.0 as u64, call),
        (
            "call (general path)",
            Sysnum::Call,
            ECHO.0 as u64,
            long_call,
        ),
    ];
    let mut failed = 0;
    for (what, num, rdi, rsi) in cases {
        let after = preserved_after(num, rdi, rsi);
        if after == PATTERN {
            println!("regcheck: {what}: callee-saved registers preserved");
        } else {
            println!("regcheck: {what}: CLOBBERED: {after:x?}");
            failed += 1;
        }
    }
    failed
}
