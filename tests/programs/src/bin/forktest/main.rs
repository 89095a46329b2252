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
//! | 9 | a runaway allocator stops at its job's quota, which a process it spawns shares (with 101) |
//! | 10 | a forged fault or exit message gets nothing |
//! | 11 | kill ends a child and its descendants |
//! | 12 | an orphan's exit is reaped; only a parent can wait for or kill its child |
//! | 13, 14 | sparse `page_alloc` (one per GiB) cannot take what another job was promised |
//! | 15, 16 | zombies and a fork bomb in one job; another can still fork and spawn |
//! | 17, 18 | a parent and child that take all the memory they can (with 19 or 20: `kv` beside them) |
//! | 19, 20 | `kv` keeps answering beside one hog (every key stored) or two (NoMemory) |
//! | 21 | an ended process gives back all it had committed |
//! | 22 | a fork commits what the child may need |
//! | 23 | refused forks and spawns leave nothing behind |
//! | 24 | a shrunk heap is unmapped; grown again, it is zeroed and committed |
//! | 25 | pages at both ends of user space, alive during a check |
//! | 26 | a copy-on-write fork shares whole page tables: three generations and a killed child |
//! | 101 | another job allocates while case 9's has used its quota |
//!
//! Cases 13 to 20 and 101 play with another program of the batch (`jobs.rs`). `forktest:100` is
//! not a case: it is the process case 9 spawns (it allocates a little).
#![no_std]
#![no_main]

extern crate alloc;

mod basics;
mod checks;
mod commit;
mod cow;
mod hostile;
mod jobs;
mod limits;
mod meet;
mod tables;
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
        "a runaway allocator stops at its job's quota",
        jobs::runaway_allocator,
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
    (
        13,
        "committed pages survive a sparse allocator beside",
        jobs::committed_bystander,
    ),
    (
        14,
        "sparse page_alloc is charged its page tables",
        jobs::sparse_allocator,
    ),
    (
        15,
        "zombies and a fork bomb stay in their job",
        jobs::zombies_and_bomb,
    ),
    (
        16,
        "fork and spawn beside zombies and a bomb",
        jobs::forks_beside_a_bomb,
    ),
    (17, "a parent and child hold all they can", |c| {
        jobs::hog(c, "hog-a")
    }),
    (18, "a second parent and child hold all they can", |c| {
        jobs::hog(c, "hog-b")
    }),
    (19, "kv beside a hog stores every key", |c| {
        jobs::kv_beside_hogs(c, &["hog-a"])
    }),
    (20, "kv beside two hogs still answers", |c| {
        jobs::kv_beside_hogs(c, &["hog-a", "hog-b"])
    }),
    (
        21,
        "an ended process gives back its commitment",
        commit::ended_give_back,
    ),
    (
        22,
        "a fork commits what its child may need",
        commit::fork_commits_the_parents_pages,
    ),
    (
        23,
        "refused forks and spawns leave nothing",
        commit::refusals_roll_back,
    ),
    (24, "a shrunk heap is gone", commit::shrunk_heap_is_gone),
    (25, "pages far apart, checked", commit::pages_far_apart),
    (26, "shared page tables", tables::shared_tables),
    (
        101,
        "another job allocates beside a runaway",
        jobs::another_job,
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
