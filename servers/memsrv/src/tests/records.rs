//! The process records and the regions a process may have pages in.
use crate::procs::{State, Table};
use crate::regions::{Regions, Segment, STACK_MAX};
use crate::tables::Tables;
use userlib::abi::memsrv::{ExitHow, MemError, INIT_PID};
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP};
use userlib::CapSlot;

fn add(t: &mut Table, parent: u64, job: u64) -> Result<u64, MemError> {
    let p = t.add(parent, job, b"p", Regions::default(), Tables::new())?;
    Ok(p.pid)
}

#[test]
fn pids_start_after_init_and_are_never_reused() {
    let mut t = Table::new();
    let init = t.get(INIT_PID).expect("init's record");
    assert_eq!((init.name(), init.slots(), init.job), ("init", None, 0));
    assert_eq!(t.live_count(), 0);
    assert_eq!(add(&mut t, INIT_PID, 0), Ok(2));
    assert_eq!(t.get(2).map(|p| p.job), Some(2), "a new job is its own");
    t.end(2, ExitHow::Exited, 0);
    t.remove(2);
    assert_eq!(add(&mut t, INIT_PID, 7), Ok(3));
    assert_eq!(t.get(3).map(|p| (p.job, p.parent)), Some((7, INIT_PID)));
}

#[test]
fn every_live_process_has_its_own_three_slots() {
    let mut t = Table::new();
    let a = add(&mut t, INIT_PID, 0).expect("room");
    let b = add(&mut t, INIT_PID, 0).expect("room");
    let slots = |t: &Table, pid| t.get(pid).and_then(|p| p.slots()).expect("live");
    let (sa, sb) = (slots(&t, a), slots(&t, b));
    assert_eq!(
        (sa.space(), sa.task(), sa.own()),
        (CapSlot(16), CapSlot(17), CapSlot(18))
    );
    assert_eq!(
        (sb.space(), sb.task(), sb.own()),
        (CapSlot(19), CapSlot(20), CapSlot(21))
    );
    assert_eq!(t.live_count(), 2);
    t.end(a, ExitHow::Killed, -1);
    assert_eq!(t.live_count(), 1);
    let c = add(&mut t, INIT_PID, 0).expect("room");
    assert_eq!(slots(&t, c), sa, "freed slots are used again");
    for _ in 2..16 {
        add(&mut t, INIT_PID, 0).expect("room");
    }
    assert_eq!(add(&mut t, INIT_PID, 0), Err(MemError::TooManyProcesses));
    assert_eq!(t.live_count(), 16);
    let last = t.live().map(|(_, s)| s.own()).max();
    assert_eq!(last, Some(CapSlot(16 + 3 * 15 + 2)));
}

#[test]
fn an_ended_process_is_a_zombie_without_tables_or_a_wait() {
    let mut t = Table::new();
    let mut tables = Tables::new();
    tables
        .prepare(1 << 30, (1 << 30) + PAGE_SIZE)
        .expect("room");
    tables.claim(1 << 30, (1 << 30) + PAGE_SIZE, 1);
    let p = t.add(
        INIT_PID,
        0,
        b"a-long-program-name",
        Regions::default(),
        tables,
    );
    let a = p.expect("room").pid;
    let p = t.get_mut(a).expect("live");
    assert_eq!(p.name(), "a-long-program-n");
    p.waiting = Some((4, 0));
    assert_eq!(p.tables.count(), 4);
    t.end(a, ExitHow::Exited, 9);
    let p = t.get(a).expect("a zombie");
    assert_eq!(
        p.state,
        State::Zombie {
            how: ExitHow::Exited,
            code: 9,
            ended: 1
        }
    );
    assert_eq!(
        (p.waiting, p.tables.count(), p.is_zombie()),
        (None, 1, true)
    );
    assert_eq!(t.live().count(), 0);
}

#[test]
fn children_are_found_by_parent_and_by_age() {
    let mut t = Table::new();
    let a = add(&mut t, INIT_PID, 0).expect("room");
    let b = add(&mut t, a, a).expect("room");
    let c = add(&mut t, a, a).expect("room");
    let d = add(&mut t, a, a).expect("room");
    assert_eq!(t.live_child(a, c), Some(c));
    assert_eq!(t.live_child(b, 0), None);
    assert_eq!(t.live_child(a, a), None);
    assert_eq!(t.oldest_zombie(a), None);
    t.end(d, ExitHow::Exited, 0);
    t.end(b, ExitHow::Exited, 0);
    assert_eq!(t.live_child(a, d), None);
    assert_eq!(t.live_child(a, 0), Some(c));
    assert_eq!(t.oldest_zombie(a), Some(d));
    assert_eq!(t.children(a).count(), 3);
    let mut dropped = Vec::new();
    t.drop_where(|p| p.is_zombie(), |p| dropped.push(p.pid));
    dropped.sort_unstable();
    assert_eq!(dropped, [b, d]);
    assert!(t.get(b).is_none() && t.get(c).is_some());
    for p in t.all_mut() {
        p.zombies = 3;
    }
    assert_eq!(t.get(INIT_PID).map(|p| p.zombies), Some(3));
}

fn program() -> Regions {
    let mut r = Regions {
        heap_start: 0x40_4000,
        brk: 0x40_5001,
        ..Regions::default()
    };
    let text = Segment {
        start: 0x40_0000,
        end: 0x40_2000,
        writable: false,
    };
    let data = Segment {
        start: 0x40_2000,
        end: 0x40_4000,
        writable: true,
    };
    r.segments.extend([text, data]);
    r
}

#[test]
fn a_process_may_have_pages_only_in_its_regions() {
    let r = program();
    assert_eq!(r.heap(), (0x40_4000, 0x40_6000));
    for page in [0x40_0000, 0x40_1000, 0x40_3000, 0x40_4000, 0x40_5000] {
        assert!(r.may_map(page), "{page:#x}");
    }
    for page in [0x3f_f000, 0x40_6000, IPC_BUFFER + PAGE_SIZE, 0] {
        assert!(!r.may_map(page), "{page:#x}");
    }
    assert!(r.may_map(IPC_BUFFER) && r.may_map(CONSOLE));
    assert!(r.is_read_only(0x40_1000) && !r.is_read_only(0x40_2000));
    assert!(!r.is_read_only(0x40_4000));
    assert!(r.is_heap(0x40_5000) && !r.is_heap(0x40_6000) && !r.is_heap(0x40_3000));
    assert!(r.is_stack(STACK_TOP - STACK_MAX) && r.is_stack(STACK_TOP - PAGE_SIZE));
    assert!(!r.is_stack(STACK_TOP) && !r.is_stack(STACK_TOP - STACK_MAX - PAGE_SIZE));
    assert!(!r.may_map(STACK_TOP - STACK_MAX - PAGE_SIZE));
    assert!(r.may_map(STACK_TOP - STACK_MAX) && r.may_map(STACK_TOP - PAGE_SIZE));
}

#[test]
fn page_alloced_pages_widen_one_range() {
    let mut r = program();
    assert!(!r.may_map(0x1000_0000));
    r.note_allocated(0x1000_0000);
    assert_eq!(r.allocated, (0x1000_0000, 0x1000_1000));
    r.note_allocated(0x800_0000);
    r.note_allocated(0x900_0000);
    assert_eq!(r.allocated, (0x800_0000, 0x1000_1000));
    r.note_allocated(0x2000_0000);
    assert_eq!(r.allocated, (0x800_0000, 0x2000_1000));
    assert!(r.may_map(0x800_0000) && r.may_map(0x2000_0000));
    assert!(!r.may_map(0x2000_1000) && !r.may_map(0x7ff_f000));
}

#[test]
fn fork_shares_the_ranges_sorted_and_merged() {
    let mut r = program();
    let stack = (STACK_TOP - STACK_MAX, STACK_TOP);
    assert_eq!(r.ranges().as_slice(), [(0x40_0000, 0x40_6000), stack]);
    r.note_allocated(0x10_0000);
    r.note_allocated(0x40_6000);
    assert_eq!(r.ranges().as_slice(), [(0x10_0000, 0x40_7000), stack]);
    let empty = Regions::default();
    assert_eq!(empty.ranges().as_slice(), [stack]);
    let mut apart = program();
    apart.note_allocated(0x1_0000_0000);
    let ranges = apart.ranges();
    assert_eq!(ranges[1], (0x1_0000_0000, 0x1_0000_1000));
    assert_eq!(ranges.len(), 3);
}

#[test]
fn copy_on_write_fork_widens_ranges_to_whole_tables_but_not_the_stack_top() {
    let mut r = program();
    let stack = (STACK_TOP - STACK_MAX, STACK_TOP);
    assert_eq!(r.fork_ranges().as_slice(), [(0x40_0000, 0x60_0000), stack]);
    r.note_allocated(0x5f_f000);
    r.note_allocated(0x60_0000);
    assert_eq!(r.fork_ranges().as_slice(), [(0x40_0000, 0x80_0000), stack]);
    // A page just below the stack shares the stack top's span: not widened into it.
    r.note_allocated(STACK_TOP - STACK_MAX - 0x1000);
    let ranges = r.fork_ranges();
    assert_eq!(ranges.as_slice(), [(0x40_0000, STACK_TOP)]);
}
