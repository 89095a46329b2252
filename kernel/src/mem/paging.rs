//! 4-level page tables of user address spaces, through the `x86_64` crate's typed tables.
//!
//! The upper half (entries 256..512 of the top level) is the kernel's, shared by every address
//! space and supervisor-only. Only 4 KiB leaves are created in the lower half; permissions live in
//! the leaves, intermediate entries allow everything — but for a last-level table shared between
//! spaces (copy-on-write fork, after On-demand-fork): the directory entries over it refuse writes,
//! and an edit of it first makes it the editing space's own (`own_table`).
use super::frames::{FrameState, FrameTable};
use super::phys;
use abi::layout::PAGE_SIZE;
use abi::space::MappedPage;
use abi::{ensure, PageRights, SysError};
use x86_64::structures::paging::{PageTableFlags as F, PageTableIndex};
use x86_64::{PhysAddr, VirtAddr};

fn indices(vaddr: u64) -> [PageTableIndex; 4] {
    let v = VirtAddr::new(vaddr);
    [v.p4_index(), v.p3_index(), v.p2_index(), v.p1_index()]
}

pub fn leaf_flags(rights: PageRights) -> F {
    let mut f = F::PRESENT | F::USER_ACCESSIBLE;
    f.set(F::WRITABLE, rights.contains(PageRights::WRITE));
    f.set(F::NO_EXECUTE, !rights.contains(PageRights::EXECUTE));
    f
}

pub fn rights_of(flags: F) -> PageRights {
    let mut r = PageRights::empty();
    r.set(PageRights::WRITE, flags.contains(F::WRITABLE));
    r.set(PageRights::EXECUTE, !flags.contains(F::NO_EXECUTE));
    r
}

fn frame_of(addr: PhysAddr) -> u64 {
    addr.as_u64() / PAGE_SIZE
}

/// A new top-level table sharing the kernel half of `kernel_root`. Returns its frame.
pub fn new_root(frames: &mut FrameTable, kernel_root: u64) -> R<u64> {
    let root = frames.alloc_zeroed(EMPTY_TABLE)?;
    let (new, kernel) = (phys::entries(root), phys::entries(kernel_root));
    for i in used(kernel, 256, 512) {
        new[i] = kernel[i];
    }
    Ok(root)
}

/// The indices of the entries of `table[from..end]` in use (not zero), in order. Empty ones are
/// skipped eight at a time: tables are mostly empty, their entries gathered at the bottom (a
/// program, its heap) and the top (the stack, the kernel half).
pub fn used(table: &[u64; 512], mut from: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
    core::iter::from_fn(move || {
        while from < end.min(512) {
            if table[from] != 0 {
                from += 1;
                return Some(from - 1);
            }
            // An empty entry: its group of eight too?
            let group = from.is_multiple_of(8) && from + 8 <= end;
            let empty = group && table[from..from + 8].iter().fold(0, |all, e| all | e) == 0;
            from += if empty { 8 } else { 1 };
        }
        None
    })
}

/// A new table's state.
const EMPTY_TABLE: FrameState = FrameState::PageTable { used: 0, shares: 0 };
/// The frame address bits of an entry.
pub(super) const ADDRESS: u64 = 0x000f_ffff_ffff_f000;
/// An entry over a table: everything allowed (the leaves say what is).
const TABLE: F = F::PRESENT.union(F::WRITABLE).union(F::USER_ACCESSIBLE);
/// Marks a directory entry over a table that maps device memory: never shared whole (device
/// pages are never shared).
const DEVICE: F = F::BIT_9;

/// The directory entry over `va`'s last-level table, on `path`.
fn above(path: &[u64; 4], va: u64) -> &'static mut Pte {
    &mut phys::table(path[2])[(va >> 21) as usize % 512]
}

/// Makes the last-level table under directory entry `entry` its space's own before an entry in
/// it changes. A table shared with other spaces is copied, every leaf of both copies losing its
/// write right and every frame gaining a mapping (from then on ordinary copy-on-write); one no
/// longer shared (its sharers copied or destroyed) gets back the write right above it. The copy
/// is the space's in place of the shared table, so its count of tables stays. For an entry that
/// refuses writes (off the hot paths: they check first).
#[cold]
#[inline(never)]
fn own_table(frames: &mut FrameTable, entry: &mut Pte) -> R<()> {
    let table = frame_of(entry.addr());
    if frames.shares(table) > 0 {
        let used = frames.used(table);
        let copy = frames.alloc(FrameState::PageTable { used, shares: 0 })?;
        let (old, new) = (phys::entries(table), phys::entries(copy));
        for (old, new) in old.iter_mut().zip(new.iter_mut()) {
            *old &= !F::WRITABLE.bits();
            *new = *old;
            // (Cannot overflow: a count is at most the leaf entries there are.)
            if let Some(maps) = frames.maps_mut((*old & ADDRESS) / PAGE_SIZE) {
                *maps += 1;
            }
        }
        frames.adjust_shares(table, -1);
        entry.set_addr(PhysAddr::new(copy * PAGE_SIZE), TABLE);
    }
    entry.set_flags(TABLE);
    Ok(())
}

/// The present leaf entry for `va`, with the tables above it (root first), its table made this
/// space's own (`own_table`) for a change.
#[inline(always)] // (a call and its frame cost as much as the walk)
fn owned(frames: &mut FrameTable, root: u64, va: u64) -> R<([u64; 4], &'static mut Pte)> {
    let (mut path, entry) = present(root, va)?;
    let above = above(&path, va);
    if above.flags().contains(F::WRITABLE) {
        return Ok((path, entry));
    }
    own_table(frames, above)?;
    path[3] = frame_of(above.addr());
    Ok((path, &mut phys::table(path[3])[indices(va)[3]]))
}

/// The errors are the syscalls' own (`AlreadyMapped`, `NotMapped`, `OutOfMemory`, `BadFrame`).
type R<T> = Result<T, SysError>;
type Pte = x86_64::structures::paging::page_table::PageTableEntry;

/// The tables from the root down to the last-level table for `va`, if they all exist; else the
/// level (0: the root) of the table whose entry is missing.
#[inline(always)]
pub(super) fn path(root: u64, va: u64) -> Result<[u64; 4], usize> {
    let (idx, mut path) = (indices(va), [root; 4]);
    for level in 0..3 {
        let entry = &phys::table(path[level])[idx[level]];
        if entry.is_unused() {
            return Err(level);
        }
        path[level + 1] = frame_of(entry.addr());
    }
    Ok(path)
}

/// The present leaf entry for `va`, with the tables above it (root first).
#[inline(always)]
fn present(root: u64, va: u64) -> R<([u64; 4], &'static mut Pte)> {
    let path = path(root, va).map_err(|_| SysError::NotMapped)?;
    let entry = &mut phys::table(path[3])[indices(va)[3]];
    ensure(!entry.is_unused(), SysError::NotMapped)?;
    Ok((path, entry))
}

/// One address space's page tables at work: the frame table, the top-level table, and the space's
/// count of its table frames. Tables made are counted in it, tables freed taken off; tables made
/// before a failure stay counted (they are the space's, and go with it).
pub struct Tables<'a> {
    pub frames: &'a mut FrameTable,
    pub root: u64,
    pub count: &'a mut u32,
}

impl Tables<'_> {
    /// The table `DEPTH` entries below the root on the way to `va` (3: the last-level table),
    /// making missing tables (a last-level table reached is made this space's own: `own_table`).
    #[inline]
    pub fn table_at<const DEPTH: usize>(&mut self, va: u64) -> R<u64> {
        let (idx, mut table) = (indices(va), self.root);
        for (level, &index) in idx.iter().take(DEPTH).enumerate() {
            let entry = &mut phys::table(table)[index];
            if entry.is_unused() {
                let frame = self.frames.alloc_zeroed(EMPTY_TABLE)?;
                *self.count += 1;
                entry.set_addr(PhysAddr::new(frame * PAGE_SIZE), TABLE);
                self.frames.adjust_used(table, 1);
            } else if level == 2 && !entry.flags().contains(F::WRITABLE) {
                own_table(self.frames, entry)?;
            }
            table = frame_of(entry.addr());
        }
        Ok(table)
    }

    /// Shares the last-level table `src_path` ends in (mapping `va`'s 2 MiB) into this space,
    /// which has none there: both directory entries over it then refuse writes. `false` (nothing
    /// done) if this space has a table there. Returns whether it did.
    pub fn share_table(&mut self, src_path: &[u64; 4], va: u64) -> R<bool> {
        let source = above(src_path, va);
        if source.flags().contains(DEVICE) {
            return Ok(false);
        }
        let directory = self.table_at::<2>(va)?;
        let target = &mut phys::table(directory)[indices(va)[2]];
        if !target.is_unused() {
            return Ok(false);
        }
        source.set_flags(TABLE - F::WRITABLE);
        *target = source.clone();
        self.frames.adjust_used(directory, 1);
        self.frames.adjust_shares(src_path[3], 1);
        *self.count += 1;
        Ok(true)
    }

    /// Puts `frame` at `va` (a page-aligned user address), whose entry must be free; `frame`
    /// gives it (called once the tables exist and the entry is known free, so a failure there
    /// takes nothing). Returns the frame.
    fn put(
        &mut self,
        va: u64,
        rights: PageRights,
        frame: impl FnOnce(&mut FrameTable) -> R<u64>,
    ) -> R<u64> {
        let table = self.table_at::<3>(va)?;
        let entry = &mut phys::table(table)[indices(va)[3]];
        ensure(entry.is_unused(), SysError::AlreadyMapped)?;
        let frame = frame(self.frames)?;
        entry.set_addr(PhysAddr::new(frame * PAGE_SIZE), leaf_flags(rights));
        self.frames.adjust_used(table, 1);
        self.frames.adjust_maps(frame, 1);
        Ok(frame)
    }

    /// Maps `frame` at `va`.
    pub fn map(&mut self, va: u64, frame: u64, rights: PageRights) -> R<()> {
        self.put(va, rights, |_| Ok(frame)).map(drop)
    }

    /// Maps a fresh zeroed user frame at `va`; returns it.
    pub fn alloc(&mut self, va: u64, rights: PageRights) -> R<u64> {
        self.put(va, rights, |frames| {
            frames.alloc_zeroed(FrameState::User { maps: 0 })
        })
    }

    /// Removes the mapping at `va`; returns the frame. Tables left empty are freed; the root
    /// stays. The caller flushes the TLB if needed (`invlpg` also drops the paging-structure
    /// caches, so freed tables are not used again).
    pub fn unmap(&mut self, va: u64) -> R<u64> {
        let (path, entry) = owned(self.frames, self.root, va)?;
        let frame = frame_of(entry.addr());
        entry.set_unused();
        self.frames.adjust_maps(frame, -1);
        let idx = indices(va);
        for level in (1..4).rev() {
            if self.frames.adjust_used(path[level], -1) > 0 {
                return Ok(frame);
            }
            self.frames.release(path[level]);
            *self.count -= 1;
            phys::table(path[level - 1])[idx[level - 1]].set_unused();
        }
        self.frames.adjust_used(path[0], -1);
        Ok(frame)
    }
}

/// Replaces the user frame mapped at `va` with a copy in a fresh frame (any free one: it is
/// overwritten), mapped with `rights`; the old frame loses the mapping and is released if that
/// was its last. Returns the new frame. The caller flushes the TLB if needed.
#[inline]
pub fn copy(frames: &mut FrameTable, root: u64, va: u64, rights: PageRights) -> R<u64> {
    let (_, entry) = owned(frames, root, va)?;
    let old = frame_of(entry.addr());
    ensure(frames.is_user(old), SysError::BadFrame)?;
    let new = frames.alloc(FrameState::User { maps: 1 })?;
    phys::copy(new, old);
    entry.set_addr(PhysAddr::new(new * PAGE_SIZE), leaf_flags(rights));
    frames.drop_map(old);
    Ok(new)
}

/// What is mapped at `va`: frame and flags, without `WRITABLE` under a directory entry that
/// refuses writes. (Always inlined, with `present` and `path`: the long IPC fast path walks
/// twice to the constant IPC buffer address; the compiler stopped inlining them as the kernel
/// grew, and each walk cost ~25 instructions more.)
#[inline(always)]
pub fn lookup(root: u64, va: u64) -> Option<(u64, F)> {
    let (path, entry) = present(root, va).ok()?;
    let above = above(&path, va).flags() | !F::WRITABLE;
    Some((frame_of(entry.addr()), entry.flags() & above))
}

/// `lookup`, and the frame's `mappings`.
#[inline]
pub fn query(frames: &FrameTable, root: u64, va: u64) -> Option<(u64, F, u32)> {
    let (path, entry) = present(root, va).ok()?;
    let (frame, above) = (frame_of(entry.addr()), above(&path, va).flags());
    // (A table under an entry that allows writes is not shared.)
    let shared = !above.contains(F::WRITABLE);
    let shares = if shared { frames.shares(path[3]) } else { 0 };
    let flags = entry.flags() & (above | !F::WRITABLE);
    Some((frame, flags, mappings(frames, frame, shares.into())))
}

/// Marks the table mapping `va` (device memory now) as never to be shared whole.
pub fn mark_device(root: u64, va: u64) {
    if let Ok(path) = path(root, va) {
        let entry = above(&path, va);
        entry.set_flags(entry.flags() | DEVICE);
    }
}

/// The mappings of `frame` in all spaces, through a table `shares` other spaces share (0 for a
/// frame that is not a user frame): each space sharing a table maps its frames once more.
#[inline]
pub fn mappings(frames: &FrameTable, frame: u64, shares: u32) -> u32 {
    match frames.state(frame) {
        Some(FrameState::User { maps }) => maps + shares,
        _ => 0,
    }
}

/// Changes the rights of the mapping at `va`.
#[inline]
pub fn protect(frames: &mut FrameTable, root: u64, va: u64, rights: PageRights) -> R<()> {
    owned(frames, root, va)?.1.set_flags(leaf_flags(rights));
    Ok(())
}

/// Most table entries (at any level) one `list` examines, so a sparse range cannot make one call
/// long: a missing upper-level entry counts one and skips what it would map.
pub const LIST_BUDGET: u32 = 512;

/// Hands the present leaves of `[start, end)` (page-aligned user addresses) to `visit` in address
/// order (rights as `lookup`'s flags say, map count as `mappings`) while it says it has room, and
/// `LIST_BUDGET` entries allow. Returns where to go on (`end` when done).
pub fn list(
    frames: &FrameTable,
    root: u64,
    (start, end): (u64, u64),
    mut visit: impl FnMut(MappedPage) -> bool,
) -> u64 {
    let (mut va, mut leaf, mut budget, mut more) = (start, None, LIST_BUDGET, true);
    while more && va < end && budget > 0 {
        budget -= 1;
        // The last-level table, and what the entry above it allows.
        let found = || path(root, va).map(|p| (p[3], above(&p, va).flags() | !F::WRITABLE));
        let (table, allowed) = match leaf.map_or_else(found, Ok) {
            Ok(found) => found,
            // Past what the missing entry would map (512 GiB, 1 GiB or 2 MiB).
            Err(level) => {
                va = (va | ((1 << (39 - 9 * level)) - 1)) + 1;
                continue;
            }
        };
        let entry = &phys::table(table)[indices(va)[3]];
        va += PAGE_SIZE;
        leaf = (va % (512 * PAGE_SIZE) != 0).then_some((table, allowed));
        if entry.is_unused() {
            continue;
        }
        let (frame, shares) = (frame_of(entry.addr()), frames.shares(table).into());
        more = visit(MappedPage {
            addr: va - PAGE_SIZE,
            rights: rights_of(entry.flags() & allowed),
            frame,
            maps: mappings(frames, frame, shares),
            shared: shares > 0,
        });
    }
    va.min(end)
}

/// What `for_each_entry` visits.
pub enum Entry {
    /// A page-table frame and the count of present entries found in it (visited after everything
    /// below it).
    Table { frame: u64, used: u16 },
    /// A frame mapped by a leaf entry.
    Leaf(u64),
    /// A last-level table other spaces share too (not entered: its entries are no one space's).
    Shared(u64),
}

/// Visits every page-table frame below `frame` (a table of `level`; 4, a top-level table:
/// only its lower half), itself last, and every mapped frame, but not into a shared last-level
/// table. Unless
/// `exhaustive`, a table's scan stops once its counted entries are found, so the work follows what
/// is mapped rather than the size of the tables (an empty space: a few entries per level). The
/// visitor gets the frame table too, so it may change the states of what it is shown.
pub fn for_each_entry(
    frames: &mut FrameTable,
    frame: u64,
    level: u8,
    exhaustive: bool,
    visit: &mut impl FnMut(&mut FrameTable, Entry),
) {
    let table = phys::entries(frame);
    let end = if level == 4 { 256 } else { 512 };
    let expected = frames.used(frame);
    // Groups of eight from both ends in turn, empty ones skipped whole: the entries gather at the
    // bottom (program, heap) and the top (stack); the order does not matter here.
    let (groups, mut used) = (end / 8usize, 0u16);
    'scan: for k in 0..groups {
        let g = if k.is_multiple_of(2) {
            k / 2
        } else {
            groups - 1 - k / 2
        };
        let group = &table[g * 8..g * 8 + 8];
        if !exhaustive && used == expected {
            break;
        }
        if group[0] == 0 && group.iter().fold(0, |all, e| all | e) == 0 {
            continue;
        }
        for &entry in group.iter().filter(|&&e| e != 0) {
            if !exhaustive && used == expected {
                break 'scan;
            }
            used += 1;
            let below = frame_of(PhysAddr::new(entry & ADDRESS));
            if level == 1 {
                visit(frames, Entry::Leaf(below));
            } else if level == 2 && frames.shares(below) > 0 {
                visit(frames, Entry::Shared(below));
            } else {
                for_each_entry(frames, below, level - 1, exhaustive, visit);
            }
        }
    }
    visit(frames, Entry::Table { frame, used });
}

/// Frees every page-table frame of the lower half and the root, dropping the map counts of
/// everything mapped: a user frame left with no mapping goes back to the free list. A shared table
/// just loses a sharer. Returns the number of table frames the space counted.
pub fn destroy(frames: &mut FrameTable, root: u64) -> u32 {
    let mut freed = 0;
    for_each_entry(frames, root, 4, false, &mut |frames, entry| {
        freed += u32::from(!matches!(entry, Entry::Leaf(_)));
        match entry {
            Entry::Leaf(frame) => frames.drop_map(frame),
            Entry::Shared(table) => frames.adjust_shares(table, -1),
            Entry::Table { frame, .. } => frames.release(frame),
        }
    });
    freed
}

/// Invalidates one page of the current address space's TLB.
pub fn flush(vaddr: u64) {
    #[cfg(not(test))]
    x86_64::instructions::tlb::flush(VirtAddr::new(vaddr));
    #[cfg(test)]
    crate::tests::host::FLUSHED.with(|f| f.borrow_mut().push(vaddr));
}

#[cfg(test)]
mod tests;
