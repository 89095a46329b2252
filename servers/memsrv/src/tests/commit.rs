//! What `page_alloc`, `sbrk` and `fork` commit: pages, and page tables per 2 MiB, 1 GiB and
//! 512 GiB span.
use super::{charged, fork, job, ledger, spawn, spawn_with};
use crate::regions::{Regions, STACK_MAX};
use userlib::abi::memsrv::MemError;
use userlib::layout::{PAGE_SIZE, STACK_TOP};

const MIB2: u64 = 1 << 21;
const GIB: u64 = 1 << 30;
const GIB512: u64 = 1 << 39;

fn tables(l: &crate::ledger::Ledger, pid: u64) -> u64 {
    l.procs.get(pid).expect("a record").tables.count()
}

#[test]
fn a_page_is_charged_with_the_tables_it_needs() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    let base = 4 * GIB512;
    // A first page: three tables (and the root, counted from the start).
    assert_eq!(l.commit_page(a, base), Ok(()));
    assert_eq!((charged(&l, a), tables(&l, a)), (4, 4));
    // The next page in the same 2 MiB: the page only.
    assert_eq!(l.commit_page(a, base + PAGE_SIZE), Ok(()));
    assert_eq!(charged(&l, a), 5);
    // Another 2 MiB of the same GiB: a last-level table more.
    assert_eq!(l.commit_page(a, base + MIB2), Ok(()));
    assert_eq!(charged(&l, a), 7);
    // Back in the first 2 MiB: nothing new.
    assert_eq!(l.commit_page(a, base + 2 * PAGE_SIZE), Ok(()));
    assert_eq!(charged(&l, a), 8);
    // Another GiB: a directory too; another 512 GiB: a pointer table too.
    assert_eq!(l.commit_page(a, base + GIB), Ok(()));
    assert_eq!(charged(&l, a), 11);
    assert_eq!(l.commit_page(a, base + GIB512), Ok(()));
    assert_eq!((charged(&l, a), tables(&l, a), job(&l, a).0), (15, 10, 15));
}

#[test]
fn page_alloc_takes_only_user_pages_above_the_null_page() {
    let mut l = ledger();
    let a = spawn(&mut l, 0);
    for addr in [0, PAGE_SIZE + 8, STACK_TOP, STACK_TOP + PAGE_SIZE, !0xfff] {
        assert_eq!(
            l.commit_page(a, addr),
            Err(MemError::BadAddress),
            "{addr:#x}"
        );
    }
    assert_eq!(charged(&l, a), 0);
    assert_eq!(l.commit_page(a, PAGE_SIZE), Ok(()));
    assert_eq!(l.commit_page(a, STACK_TOP - PAGE_SIZE), Ok(()));
    assert_eq!(l.commit_page(99, PAGE_SIZE), Err(MemError::NoChild));
}

#[test]
fn a_page_beyond_the_quota_commits_nothing() {
    let mut l = ledger();
    let quota = l.quota;
    let a = spawn(&mut l, quota - 3);
    assert_eq!(l.commit_page(a, GIB), Err(MemError::OutOfMemory));
    assert_eq!((charged(&l, a), tables(&l, a)), (l.quota - 3, 1));
    l.uncharge(a, 1);
    assert_eq!(l.commit_page(a, GIB), Ok(()));
    assert_eq!((charged(&l, a), tables(&l, a)), (l.quota, 4));
}

fn heap_at(start: u64) -> Regions {
    Regions {
        heap_start: start,
        brk: start,
        ..Regions::default()
    }
}

#[test]
fn sbrk_commits_the_pages_below_the_break_and_gives_back_those_above() {
    let mut l = ledger();
    let start = GIB;
    let a = spawn_with(&mut l, heap_at(start), 0);
    let grown = l.move_break(a, 1).expect("grows");
    assert_eq!((grown.old, grown.released), (start, None));
    assert_eq!((charged(&l, a), tables(&l, a)), (4, 4));
    // Within the page already committed: nothing more.
    let same = l.move_break(a, (PAGE_SIZE - 1) as i64).expect("grows");
    assert_eq!((same.old, charged(&l, a)), (start + 1, 4));
    let more = l.move_break(a, 2 * PAGE_SIZE as i64).expect("grows");
    assert_eq!((more.old, charged(&l, a)), (start + PAGE_SIZE, 6));
    // Shrinking gives back the pages above the new break, and the tables it no longer reaches.
    let shrunk = l.move_break(a, -(PAGE_SIZE as i64)).expect("shrinks");
    let top = start + 3 * PAGE_SIZE;
    assert_eq!(shrunk.released, Some((top - PAGE_SIZE, top)));
    assert_eq!(charged(&l, a), 5);
    let gone = l.move_break(a, -(2 * PAGE_SIZE as i64)).expect("shrinks");
    assert_eq!(gone.released, Some((start, start + 2 * PAGE_SIZE)));
    assert_eq!((charged(&l, a), tables(&l, a), l.charged), (0, 1, 0));
    assert_eq!(l.procs.get(a).map(|p| p.regions.brk), Some(start));
}

#[test]
fn a_shrinking_heap_keeps_the_tables_it_still_reaches() {
    let mut l = ledger();
    let start = GIB + MIB2 - PAGE_SIZE;
    let a = spawn_with(&mut l, heap_at(start), 0);
    l.move_break(a, 2 * PAGE_SIZE as i64).expect("grows");
    // Two pages in two 2 MiB spans: two last-level tables, a directory, a pointer table.
    assert_eq!((charged(&l, a), tables(&l, a)), (6, 5));
    let shrunk = l.move_break(a, -(PAGE_SIZE as i64)).expect("shrinks");
    assert_eq!(shrunk.released, Some((GIB + MIB2, GIB + MIB2 + PAGE_SIZE)));
    assert_eq!((charged(&l, a), tables(&l, a)), (4, 4));
    // A partial page stays whole.
    let shrunk = l.move_break(a, -1).expect("shrinks");
    assert_eq!((shrunk.released, charged(&l, a)), (None, 4));
}

#[test]
fn tables_a_page_alloc_claimed_stay_when_the_heap_shrinks() {
    let mut l = ledger();
    let a = spawn_with(&mut l, heap_at(GIB), 0);
    l.move_break(a, PAGE_SIZE as i64).expect("grows");
    l.commit_page(a, GIB + 8 * PAGE_SIZE).expect("commits");
    assert_eq!((charged(&l, a), tables(&l, a)), (5, 4));
    l.move_break(a, -(PAGE_SIZE as i64)).expect("shrinks");
    assert_eq!((charged(&l, a), tables(&l, a)), (4, 4));
}

#[test]
fn the_break_stays_between_the_heap_and_the_stack() {
    let mut l = ledger();
    let a = spawn_with(&mut l, heap_at(GIB), 0);
    assert_eq!(l.move_break(a, -1), Err(MemError::BadAddress));
    assert_eq!(l.move_break(a, i64::MIN), Err(MemError::BadAddress));
    let room = (STACK_TOP - STACK_MAX - GIB) as i64;
    assert_eq!(l.move_break(a, room + 1), Err(MemError::BadAddress));
    // At the limit it is a question of memory, not of addresses.
    assert_eq!(l.move_break(a, room), Err(MemError::OutOfMemory));
    assert_eq!(l.move_break(a, 0).map(|b| b.old), Ok(GIB));
    assert_eq!((charged(&l, a), tables(&l, a)), (0, 1));
    assert_eq!(l.move_break(99, 1), Err(MemError::NoChild));
}

#[test]
fn growing_past_the_quota_commits_nothing() {
    let mut l = ledger();
    let quota = l.quota;
    let a = spawn_with(&mut l, heap_at(GIB), quota - 4);
    assert_eq!(
        l.move_break(a, 2 * PAGE_SIZE as i64),
        Err(MemError::OutOfMemory)
    );
    assert_eq!((charged(&l, a), tables(&l, a)), (l.quota - 4, 1));
    assert_eq!(l.procs.get(a).map(|p| p.regions.brk), Some(GIB));
    assert!(l.move_break(a, PAGE_SIZE as i64).is_ok());
    assert_eq!(charged(&l, a), l.quota);
}

#[test]
fn a_fork_child_is_committed_what_its_parent_is() {
    let mut l = ledger();
    let a = spawn_with(&mut l, heap_at(GIB), 10);
    l.move_break(a, 3 * PAGE_SIZE as i64).expect("grows");
    l.commit_page(a, 3 * GIB512).expect("commits");
    let parent = l.procs.get(a).expect("live");
    let (regions, count, slots) = (
        parent.regions.clone(),
        parent.tables.count(),
        parent.slots(),
    );
    assert_eq!(charged(&l, a), 10 + 3 + 3 + 1 + 3);
    let (from, child) = l.fork_child(a).expect("a fork");
    assert_eq!(Some(from), slots);
    assert_ne!(Some(child.slots), slots);
    let c = l.procs.get(child.pid).expect("live");
    assert_eq!(
        (c.charged, c.tables.count(), c.parent, c.job),
        (20, count, a, a)
    );
    assert_eq!(
        (c.regions.brk, c.regions.heap_start),
        (regions.brk, regions.heap_start)
    );
    assert_eq!(c.name(), "prog");
    assert_eq!((l.charged, job(&l, a).0), (40, 40));
    let grandchild = fork(&mut l, child.pid);
    assert_eq!(charged(&l, grandchild), 20);
}
