//! RFLAGS bits a program may set (NT, AC, TF, DF) or tries to (IOPL, VM), and stack pointers the
//! kernel must never use: the kernel must keep working through syscalls and timer interrupts, and
//! give the program back exactly the flags it had.
use test_programs::hostile::asm::{self, flags, rflags, set_rflags, spin_through_interrupts};
use test_programs::hostile::case::{check, kill, refused, survival, works, Case, Checked};
use userlib::layout::{STACK_TOP, USER_END};
use userlib::{sys, SysError, Sysnum};

pub const CASES: &[Case] = &[
    survival(
        200,
        "NT set through syscalls, yields and timer interrupts",
        nested_task,
    ),
    survival(
        201,
        "AC set through syscalls that read user memory",
        alignment_check,
    ),
    kill(202, "TF set: single-step trap", || set_rflags(flags::TF)),
    survival(203, "popf cannot raise IOPL or set VM", iopl_and_vm),
    kill(204, "cli after trying to raise IOPL", || {
        set_rflags(flags::IOPL);
        asm::cli()
    }),
    survival(205, "DF set for a DebugWrite", direction_flag_write),
    survival(
        206,
        "DF set through syscalls and yields",
        direction_flag_yields,
    ),
    kill(
        211,
        "TF set directly before a syscall",
        asm::single_step_into_syscall,
    ),
    kill(207, "rsp in kernel text, a syscall, then a push", || {
        asm::syscall_and_push_on(0xFFFF_FFFF_8000_1000, RSP_NOTE)
    }),
    kill(208, "rsp non-canonical, a syscall, then a push", || {
        asm::syscall_and_push_on(USER_END + 0x1000, RSP_NOTE)
    }),
    kill(209, "rsp zero, a syscall, then a push", || {
        asm::syscall_and_push_on(0, RSP_NOTE)
    }),
    kill(
        210,
        "rsp at the end of user space, a syscall, then a push",
        || asm::syscall_and_push_on(USER_END, RSP_NOTE),
    ),
];

/// What the stack-pointer cases print with their `DebugWrite`.
const RSP_NOTE: &str = "attack: a syscall on a hostile stack pointer returned\n";

/// Interruptions to sit through with a flag set.
const INTERRUPTIONS: u64 = 3;

/// The regression test for NT: a syscall entered with NT set once left the kernel running with NT,
/// so its next `iretq` (to a task that was interrupted, or a new one) was a task return: #GP in
/// the kernel. Two instances run together, so each yields to one the timer interrupted.
fn nested_task() -> Checked {
    set_rflags(flags::NT);
    let mut kept = rflags() & flags::NT != 0;
    let mut interruptions = 0;
    for _ in 0..5 {
        sys::task_self();
        sys::yield_now();
        interruptions += spin_through_interrupts(1);
        kept &= rflags() & flags::NT != 0;
    }
    asm::clear_rflags(flags::NT);
    check(kept, "NT kept across syscalls and interrupts", rflags())?;
    check(
        interruptions >= 3,
        "timer interruptions with NT set",
        interruptions,
    )
}

fn alignment_check() -> Checked {
    set_rflags(flags::AC);
    let set = rflags() & flags::AC != 0;
    let text = b"attack: AC set, DebugWrite still works\n";
    let valid = sys::debug_write_raw(text.as_ptr() as u64, text.len() as u64);
    let kernel = sys::debug_write_raw(0xFFFF_FFFF_8000_0000, 8);
    let unmapped = sys::debug_write_raw(0x5000_0000_0000, 8);
    let interruptions = spin_through_interrupts(INTERRUPTIONS);
    let kept = rflags() & flags::AC != 0;
    asm::clear_rflags(flags::AC);
    check(set && kept, "AC set and kept", rflags())?;
    works(valid, "DebugWrite of a valid buffer")?;
    refused(kernel, SysError::BadAddress, "DebugWrite of kernel memory")?;
    refused(
        unmapped,
        SysError::NotMapped,
        "DebugWrite of an unmapped buffer",
    )?;
    check(
        interruptions == INTERRUPTIONS,
        "timer interruptions",
        interruptions,
    )
}

fn iopl_and_vm() -> Checked {
    set_rflags(flags::IOPL | flags::VM);
    let after = rflags();
    check(after & flags::IOPL == 0, "IOPL stays 0", after)?;
    check(after & flags::VM == 0, "VM stays clear", after)
}

/// The text the DF case writes: the system test finds it intact in the transcript.
const DF_TEXT: &str = "attack: written with DF set, copied forwards: 0123456789abcdef\n";

fn direction_flag_write() -> Checked {
    let args = [DF_TEXT.as_ptr() as u64, DF_TEXT.len() as u64, 0, 0, 0, 0];
    let (out, after) = asm::syscall_with_df(Sysnum::DebugWrite.raw(), args, 0);
    works(SysError::from_rax(out.rax), "DebugWrite with DF set")?;
    check(after & flags::DF != 0, "DF kept across the syscall", after)
}

fn direction_flag_yields() -> Checked {
    for _ in 0..10 {
        let (out, after) = asm::syscall_with_df(Sysnum::Yield.raw(), [0; 6], 0);
        works(SysError::from_rax(out.rax), "Yield with DF set")?;
        check(after & flags::DF != 0, "DF kept across a yield", after)?;
        let (out, after) = asm::syscall_with_df(Sysnum::TaskSelf.raw(), [0; 6], 0);
        check(
            out.r[0] == sys::task_self(),
            "TaskSelf with DF set",
            out.r[0],
        )?;
        check(after & flags::DF != 0, "DF kept across TaskSelf", after)?;
    }
    let stack = STACK_TOP - 8;
    let (out, _) = asm::syscall_with_df(Sysnum::DebugWrite.raw(), [stack, 16, 0, 0, 0, 0], 0);
    refused(
        SysError::from_rax(out.rax),
        SysError::NotMapped,
        "DebugWrite across the stack top",
    )
}
