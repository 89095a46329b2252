//! Every software-interrupt vector, `int 0` to `int 255`, as cases 1000 to 1255. Only the
//! breakpoint gate admits user mode: every other `int N` must end in #GP with an error code that
//! names IDT entry N (`N * 8 + 2`; older QEMU versions report `N * 16 + 2`), whatever the vector is
//! for (an exception, NMI, a double fault, the timer, or nothing). The kernel kills the program
//! either way; the system test checks init's reason.
use userlib::println;

/// Case number of `int 0`.
const FIRST: u64 = 1000;

/// The vector case `number` raises, if it is one of these cases.
pub fn vector_of(number: u64) -> Option<u8> {
    number.checked_sub(FIRST)?.try_into().ok()
}

/// Runs `int vector`; returns only if the kernel let the program live.
pub fn run(number: u64, vector: u8) -> i32 {
    let pid = userlib::process::getpid();
    println!("attack {number} (int {vector:#x}): pid {pid}, expecting to be killed");
    test_programs::hostile::asm::execute(test_programs::hostile::asm::int_instruction(vector));
    println!("attack {number} (int {vector:#x}): FAILED: survived");
    1
}
