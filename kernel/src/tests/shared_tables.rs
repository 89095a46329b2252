//! `AsShare`'s `tables` mode: whole last-level tables shared between spaces, write-protected
//! above them, copied (unshared) before any entry in them changes, destroyed by their last sharer;
//! the audit counts their entries once.
use super::*;
use abi::space::ShareMode;
use x86_64::structures::paging::PageTableFlags as F;

const W: u64 = PageRights::WRITE.bits();
const CHILD: u64 = FREE;
const TABLES: u64 = ShareMode::COPY_ON_WRITE_TABLES.to_word();
/// A 2 MiB span (one last-level table) and pages in it.
const SPAN: u64 = 0x40_0000;
const PAGES: [u64; 3] = [SPAN, SPAN + 0x1000, SPAN + 0x1f_f000];

/// A task with `PAGES` mapped writable and a child space sharing their table; returns the task
/// and the frames.
fn forked(sim: &mut Sim) -> (u16, Vec<u64>) {
    let t = sim.task();
    let frames = PAGES
        .iter()
        .map(|&va| sim.ok(t, Sysnum::AsAlloc, [SPACE, POOL, va, W, 0, 0]).rdi)
        .collect();
    sim.ok(t, Sysnum::AsCreate, [POOL, CHILD, 0, 0, 0, 0]);
    let out = sim.ok(
        t,
        Sysnum::AsShare,
        [SPACE, CHILD, SPAN, SPAN + 0x20_0000, TABLES, POOL],
    );
    assert_eq!(out.rdi, SPAN + 0x20_0000, "one call, the whole table");
    (t, frames)
}

/// `AsQuery`: frame, rights, map count.
fn query(sim: &mut Sim, t: u16, slot: u64, va: u64) -> Option<(u64, u64, u64)> {
    let out = sim.syscall(t, Sysnum::AsQuery, [slot, va, 0, 0, 0, 0]);
    out.result()
        .ok()
        .map(|()| (out.regs.rdi, out.regs.rsi, out.regs.rdx))
}

fn root(sim: &mut Sim, t: u16, slot: u64) -> u64 {
    let cap = sim
        .k
        .task(t)
        .caps
        .lookup(slot, CapKind::AddressSpace, Rights::empty());
    sim.k.spaces.at(cap.unwrap().index).unwrap().root
}

/// Whether the MMU lets user code write `va` of space `root` (every level must allow it).
fn mmu_writable(root: u64, va: u64) -> bool {
    let mut table = root;
    for shift in [39, 30, 21, 12] {
        let entry = &phys::table(table)[(va >> shift) as usize % 512];
        if !entry.flags().contains(F::PRESENT | F::WRITABLE) {
            return false;
        }
        table = entry.addr().as_u64() / 4096;
    }
    true
}

/// The last-level table mapping `va`.
fn leaf_table(root: u64, va: u64) -> u64 {
    let mut table = root;
    for shift in [39, 30, 21] {
        table = phys::table(table)[(va >> shift) as usize % 512]
            .addr()
            .as_u64()
            / 4096;
    }
    table
}

#[test]
fn a_shared_table_is_one_table_its_pages_read_only_in_both_spaces_counted_once() {
    let mut sim = Sim::new();
    let (t, frames) = forked(&mut sim);
    let (parent, child) = (root(&mut sim, t, SPACE), root(&mut sim, t, CHILD));
    assert_eq!(leaf_table(parent, SPAN), leaf_table(child, SPAN));
    for (&va, &frame) in PAGES.iter().zip(&frames) {
        assert_eq!(
            query(&mut sim, t, SPACE, va),
            Some((frame, 0, 2)),
            "{va:#x}"
        );
        assert_eq!(query(&mut sim, t, CHILD, va), Some((frame, 0, 2)));
        assert!(!mmu_writable(parent, va) && !mmu_writable(child, va));
        assert_eq!(
            sim.k.frames.state(frame),
            Some(FrameState::User { maps: 1 })
        );
    }
    assert!(sim.audit());
    // A wrong share count is caught.
    sim.k.frames.adjust_shares(leaf_table(parent, SPAN), 1);
    assert!(!sim.audit(), "a share count the walks do not find");
    sim.k.frames.adjust_shares(leaf_table(parent, SPAN), -1);
    assert!(sim.audit());
}

#[test]
fn a_write_copies_the_table_first_and_the_other_space_keeps_its_page() {
    let mut sim = Sim::new();
    let (t, frames) = forked(&mut sim);
    phys::write(frames[0], 0, b"parent's");
    let copy = sim.ok(t, Sysnum::AsCopy, [CHILD, POOL, SPAN, W, 0, 0]).rdi;
    phys::write(copy, 0, b"child's!");
    let (parent, child) = (root(&mut sim, t, SPACE), root(&mut sim, t, CHILD));
    assert_ne!(leaf_table(parent, SPAN), leaf_table(child, SPAN));
    assert_eq!(query(&mut sim, t, SPACE, SPAN), Some((frames[0], 0, 1)));
    assert!(mmu_writable(child, SPAN) && !mmu_writable(child, PAGES[1]));
    // The other pages are now shared page by page: two mappings, no write anywhere.
    assert_eq!(query(&mut sim, t, SPACE, PAGES[1]), Some((frames[1], 0, 2)));
    assert_eq!(query(&mut sim, t, CHILD, PAGES[1]), Some((frames[1], 0, 2)));
    let mut bytes = [0; 8];
    phys::read(frames[0], 0, &mut bytes);
    assert_eq!(&bytes, b"parent's");
    assert!(sim.audit());
}

#[test]
fn every_edit_of_a_shared_table_copies_it_first() {
    let other = 0x42_0000 - 0x1000 * 5;
    for edit in 0..4 {
        let mut sim = Sim::new();
        let (t, frames) = forked(&mut sim);
        let (num, args) = match edit {
            0 => (Sysnum::AsUnmap, [CHILD, SPAN, 0, 0, 0, 0]),
            1 => (Sysnum::AsProtect, [CHILD, SPAN, W, 0, 0, 0]),
            2 => (Sysnum::AsAlloc, [CHILD, POOL, other, W, 0, 0]),
            _ => (Sysnum::AsMap, [CHILD, POOL, frames[2], other, W, 0]),
        };
        sim.ok(t, num, args);
        let (parent, child) = (root(&mut sim, t, SPACE), root(&mut sim, t, CHILD));
        assert_ne!(leaf_table(parent, SPAN), leaf_table(child, SPAN), "{num:?}");
        assert_eq!(query(&mut sim, t, SPACE, SPAN).unwrap().0, frames[0]);
        assert!(query(&mut sim, t, SPACE, other).is_none(), "{num:?}");
        assert!(!mmu_writable(parent, SPAN), "{num:?}");
        assert!(sim.audit(), "{num:?}");
    }
}

#[test]
fn the_last_sharer_gets_its_write_right_back_on_its_first_edit() {
    let mut sim = Sim::new();
    let (t, frames) = forked(&mut sim);
    sim.ok(t, Sysnum::AsDestroy, [CHILD, 0, 0, 0, 0, 0]);
    assert!(sim.audit());
    let parent = root(&mut sim, t, SPACE);
    assert_eq!(query(&mut sim, t, SPACE, SPAN), Some((frames[0], 0, 1)));
    assert!(!mmu_writable(parent, SPAN));
    sim.ok(t, Sysnum::AsProtect, [SPACE, SPAN, W, 0, 0, 0]);
    assert!(PAGES.iter().all(|&va| mmu_writable(parent, va)));
    assert!(sim.audit());
}

#[test]
fn destroying_the_sharers_in_either_order_frees_every_frame_once() {
    for parent_first in [false, true] {
        let mut sim = Sim::new();
        let t = sim.task();
        let before = sim.k.frames.census().0;
        let (parent, child) = (FREE + 1, FREE + 2);
        sim.ok(t, Sysnum::AsCreate, [POOL, parent, 0, 0, 0, 0]);
        for va in PAGES {
            sim.ok(t, Sysnum::AsAlloc, [parent, POOL, va, W, 0, 0]);
        }
        sim.ok(t, Sysnum::AsCreate, [POOL, child, 0, 0, 0, 0]);
        sim.ok(
            t,
            Sysnum::AsShare,
            [parent, child, SPAN, SPAN + 0x20_0000, TABLES, POOL],
        );
        let order = if parent_first {
            [parent, child]
        } else {
            [child, parent]
        };
        sim.ok(t, Sysnum::AsDestroy, [order[0], 0, 0, 0, 0, 0]);
        assert!(sim.audit());
        assert_eq!(query(&mut sim, t, order[1], SPAN).unwrap().2, 1);
        sim.ok(t, Sysnum::AsDestroy, [order[1], 0, 0, 0, 0, 0]);
        assert!(sim.audit());
        assert_eq!(
            sim.k.frames.census().0,
            before,
            "parent first: {parent_first}"
        );
    }
}

#[test]
fn tables_mode_is_copy_on_write_only_and_partial_spans_are_shared_page_by_page() {
    let mut sim = Sim::new();
    let t = sim.task();
    sim.ok(t, Sysnum::AsAlloc, [SPACE, POOL, SPAN, W, 0, 0]);
    sim.ok(t, Sysnum::AsCreate, [POOL, CHILD, 0, 0, 0, 0]);
    let eager = ShareMode::EAGER.to_word() | TABLES;
    let a = [SPACE, CHILD, SPAN, SPAN + 0x20_0000, eager, POOL];
    sim.fails(t, Sysnum::AsShare, a, SysError::InvalidArgument);
    let a = [SPACE, CHILD, SPAN, SPAN + 0x1000, TABLES, POOL];
    sim.ok(t, Sysnum::AsShare, a);
    let (parent, child) = (root(&mut sim, t, SPACE), root(&mut sim, t, CHILD));
    assert_ne!(leaf_table(parent, SPAN), leaf_table(child, SPAN));
    assert_eq!(sim.k.frames.shares(leaf_table(parent, SPAN)), 0);
    assert!(sim.audit());
}

#[test]
fn a_table_shared_with_three_spaces_and_the_kernel_writes_none_of_them() {
    let mut sim = Sim::new();
    let (t, frames) = forked(&mut sim);
    sim.ok(t, Sysnum::AsCreate, [POOL, CHILD + 1, 0, 0, 0, 0]);
    sim.ok(
        t,
        Sysnum::AsShare,
        [CHILD, CHILD + 1, SPAN, SPAN + 0x20_0000, TABLES, POOL],
    );
    assert_eq!(query(&mut sim, t, CHILD + 1, SPAN), Some((frames[0], 0, 3)));
    let parent = root(&mut sim, t, SPACE);
    assert_eq!(sim.k.frames.shares(leaf_table(parent, SPAN)), 2);
    assert!(crate::mem::user::user_frame(parent, SPAN, true).is_err());
    sim.ok(t, Sysnum::AsCopy, [SPACE, POOL, PAGES[1], W, 0, 0]);
    // The parent's copy left the children sharing the frame; the others are in three spaces.
    assert_eq!(query(&mut sim, t, CHILD, PAGES[1]), Some((frames[1], 0, 2)));
    assert_eq!(query(&mut sim, t, CHILD, PAGES[2]), Some((frames[2], 0, 3)));
    assert!(sim.audit());
    sim.ok(t, Sysnum::AsDestroy, [CHILD, 0, 0, 0, 0, 0]);
    let last = query(&mut sim, t, CHILD + 1, PAGES[1]);
    assert_eq!(last, Some((frames[1], 0, 1)));
    let two = query(&mut sim, t, CHILD + 1, PAGES[2]);
    assert_eq!(two, Some((frames[2], 0, 2)));
    assert!(sim.audit());
}
