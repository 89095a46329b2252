//! forktest: the fork, wait and memory cases of the memory server, one per argument
//! (`forktest:N`); each prints a line per check and exits 0 only if every check held.
//! `tests/tests/memory.rs` runs them all.
//!
//! | N | case |
//! |---|---|
//! | 1 | fork returns 0 in the child and the child's pid in the parent |
//! | 2 | a write in one process is not seen by the other (data, bss, stack, page, heap) |
//! | 3 | read-only pages (code, constants) are the same frame after fork |
//! | 4 | copy-on-write copies only on write, and only for the writer |
//! | 5 | an eager fork copies writable pages at once and shares read-only ones |
//! | 6 | wait returns each child's status (waitpid, wait, try_wait, NoChild, killed) |
//! | 7 | processes allocate until memory runs out, then fork and eager fork fail with OutOfMemory |
//! | 8 | an invalid access kills only the offender; its parent sees it killed |
//! | 9 | a runaway allocator stops at its quota; another process can still allocate |
//! | 10 | a forged fault or exit message gets nothing |
//! | 11 | kill ends a child and its descendants |
//! | 12 | an orphan's exit is reaped; only a parent can wait for or kill its child |
//!
//! `forktest:100` is not a case: it is the process case 9 spawns (it allocates a little).
#![no_std]
#![no_main]

extern crate alloc;

mod basics;
mod checks;
mod cow;
mod hostile;
mod limits;
mod wait;

use checks::Checks;
use userlib::println;

userlib::sbrk_heap!();
userlib::entry!(main);

/// A case: its number, what it shows, and the code.
type Case = (u64, &'static str, fn(&mut Checks));

const CASES: &[Case] = &[
    (
        1,
        "fork returns 0 in the child, the pid in the parent",
        basics::fork_returns,
    ),
    (
        2,
        "writes after fork are private",
        basics::writes_are_private,
    ),
    (
        3,
        "read-only pages are shared after fork",
        basics::read_only_pages_are_shared,
    ),
    (
        4,
        "copy-on-write copies only on write, for the writer",
        cow::copy_on_write,
    ),
    (
        5,
        "eager fork copies writable pages at once",
        cow::eager_fork,
    ),
    (6, "wait returns each child's status", wait::statuses),
    (
        7,
        "fork after memory ran out fails cleanly",
        limits::fork_out_of_memory,
    ),
    (
        8,
        "an invalid access kills only the offender",
        hostile::invalid_access,
    ),
    (
        9,
        "a runaway allocator stops at its quota",
        limits::runaway_allocator,
    ),
    (
        10,
        "a forged fault message gets nothing",
        hostile::forged_messages,
    ),
    (
        11,
        "kill ends a child and its descendants",
        wait::kill_descendants,
    ),
    (
        12,
        "orphans are reaped; only parents wait and kill",
        wait::orphans,
    ),
];

fn main() -> i32 {
    let number = userlib::rt::start_args().0;
    if number == limits::HELPER {
        return limits::helper();
    }
    let Some(&(_, title, case)) = CASES.iter().find(|(n, _, _)| *n == number) else {
        println!("forktest: there is no case {number}");
        return 2;
    };
    println!("forktest:{number}: {title}");
    let mut checks = Checks::new(number);
    case(&mut checks);
    checks.finish()
}
