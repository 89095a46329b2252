//! 4-level page tables of user address spaces, through the `x86_64` crate's typed tables.
//!
//! The upper half (entries 256..512 of the top level) is the kernel's, shared by every address
//! space and supervisor-only. Only 4 KiB leaves are created in the lower half; permissions live in
//! the leaves, intermediate entries allow everything.
use super::frames::{FrameError, FrameState, FrameTable};
use super::phys;
use abi::layout::PAGE_SIZE;
use abi::PageRights;
use x86_64::structures::paging::{PageTableFlags as F, PageTableIndex};
use x86_64::{PhysAddr, VirtAddr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    AlreadyMapped,
    NotMapped,
    OutOfMemory,
    /// Not a user frame (the console page).
    NotUser,
}

fn indices(vaddr: u64) -> [PageTableIndex; 4] {
    let v = VirtAddr::new(vaddr);
    [v.p4_index(), v.p3_index(), v.p2_index(), v.p1_index()]
}

pub fn leaf_flags(rights: PageRights) -> F {
    let mut f = F::PRESENT | F::USER_ACCESSIBLE;
    if rights.contains(PageRights::WRITE) {
        f |= F::WRITABLE;
    }
    if !rights.contains(PageRights::EXECUTE) {
        f |= F::NO_EXECUTE;
    }
    f
}

pub fn rights_of(flags: F) -> PageRights {
    let mut r = PageRights::empty();
    r.set(PageRights::WRITE, flags.contains(F::WRITABLE));
    r.set(PageRights::EXECUTE, !flags.contains(F::NO_EXECUTE));
    r
}

pub(super) fn frame_of(addr: PhysAddr) -> u64 {
    addr.as_u64() / PAGE_SIZE
}

/// A new top-level table sharing the kernel half of `kernel_root`. Returns its frame.
pub fn new_root(frames: &mut FrameTable, kernel_root: u64) -> R<u64> {
    let root = new_table(frames)?;
    let (new, kernel) = (phys::table(root), phys::table(kernel_root));
    for i in 256..512 {
        new[i] = kernel[i].clone();
    }
    Ok(root)
}

fn new_table(frames: &mut FrameTable) -> R<u64> {
    Ok(frames.alloc_zeroed(FrameState::PageTable { used: 0 })?)
}

type R<T> = Result<T, MapError>;
type Pte = x86_64::structures::paging::page_table::PageTableEntry;

impl From<FrameError> for MapError {
    fn from(_: FrameError) -> MapError {
        MapError::OutOfMemory
    }
}

/// The tables from the root down to the last-level table for `va`, if they all exist.
fn path(root: u64, va: u64) -> R<[u64; 4]> {
    let (idx, mut path) = (indices(va), [root; 4]);
    for level in 0..3 {
        let entry = &phys::table(path[level])[idx[level]];
        if entry.is_unused() {
            return Err(MapError::NotMapped);
        }
        path[level + 1] = frame_of(entry.addr());
    }
    Ok(path)
}

/// The present leaf entry for `va`, with the tables above it (root first).
fn present(root: u64, va: u64) -> R<([u64; 4], &'static mut Pte)> {
    let path = path(root, va)?;
    let entry = &mut phys::table(path[3])[indices(va)[3]];
    if entry.is_unused() {
        return Err(MapError::NotMapped);
    }
    Ok((path, entry))
}

/// Points a leaf entry at `frame` with `rights`.
fn set(entry: &mut Pte, frame: u64, rights: PageRights) {
    entry.set_addr(PhysAddr::new(frame * PAGE_SIZE), leaf_flags(rights));
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
    /// The last-level table for `va`, making missing tables.
    pub fn leaf_table(&mut self, va: u64) -> R<u64> {
        let (idx, mut table) = (indices(va), self.root);
        for &index in &idx[..3] {
            let entry = &mut phys::table(table)[index];
            if entry.is_unused() {
                let frame = new_table(self.frames)?;
                *self.count += 1;
                let flags = F::PRESENT | F::WRITABLE | F::USER_ACCESSIBLE;
                entry.set_addr(PhysAddr::new(frame * PAGE_SIZE), flags);
                self.frames.adjust_used(table, 1);
            }
            table = frame_of(entry.addr());
        }
        Ok(table)
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
        let table = self.leaf_table(va)?;
        let entry = &mut phys::table(table)[indices(va)[3]];
        if !entry.is_unused() {
            return Err(MapError::AlreadyMapped);
        }
        let frame = frame(self.frames)?;
        set(entry, frame, rights);
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
            Ok(frames.alloc_zeroed(FrameState::User { maps: 0 })?)
        })
    }

    /// Removes the mapping at `va`; returns the frame. Tables left empty are freed; the root
    /// stays. The caller flushes the TLB if needed (`invlpg` also drops the paging-structure
    /// caches, so freed tables are not used again).
    pub fn unmap(&mut self, va: u64) -> R<u64> {
        let (path, entry) = present(self.root, va)?;
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
pub fn copy(frames: &mut FrameTable, root: u64, va: u64, rights: PageRights) -> R<u64> {
    let (_, entry) = present(root, va)?;
    let old = frame_of(entry.addr());
    if !frames.is_user(old) {
        return Err(MapError::NotUser);
    }
    let new = frames.alloc(FrameState::User { maps: 1 })?;
    phys::copy(new, old);
    set(entry, new, rights);
    frames.drop_map(old, true);
    Ok(new)
}

/// What is mapped at `va`: frame and flags.
pub fn lookup(root: u64, va: u64) -> Option<(u64, F)> {
    let (_, entry) = present(root, va).ok()?;
    Some((frame_of(entry.addr()), entry.flags()))
}

/// Changes the rights of the mapping at `va`.
pub fn protect(root: u64, va: u64, rights: PageRights) -> R<()> {
    present(root, va)?.1.set_flags(leaf_flags(rights));
    Ok(())
}

/// What `for_each_entry` visits.
pub enum Entry {
    /// A page-table frame and the present entries found in it (visited after everything below it).
    Table { frame: u64, present: u16 },
    /// A frame mapped by a leaf entry.
    Leaf(u64),
}

/// Visits every page-table frame of the lower half (the root last) and every mapped frame. Unless
/// `exhaustive`, a table's scan stops once its counted entries are found, so the work follows what
/// is mapped rather than the size of the tables (an empty space: a few entries per level). The
/// visitor gets the frame table too, so it may change the states of what it is shown.
pub fn for_each_entry(
    frames: &mut FrameTable,
    root: u64,
    exhaustive: bool,
    visit: &mut impl FnMut(&mut FrameTable, Entry),
) {
    fn walk(
        frames: &mut FrameTable,
        table_frame: u64,
        level: u8,
        exhaustive: bool,
        visit: &mut impl FnMut(&mut FrameTable, Entry),
    ) {
        let table = phys::table(table_frame);
        let end = if level == 4 { 256 } else { 512 };
        let expected = frames.used(table_frame);
        let mut present = 0u16;
        for entry in table.iter().take(end) {
            if !exhaustive && present == expected {
                break;
            }
            if entry.is_unused() {
                continue;
            }
            present += 1;
            let frame = frame_of(entry.addr());
            if level == 1 {
                visit(frames, Entry::Leaf(frame));
            } else {
                walk(frames, frame, level - 1, exhaustive, visit);
            }
        }
        let frame = table_frame;
        visit(frames, Entry::Table { frame, present });
    }
    walk(frames, root, 4, exhaustive, visit);
}

/// Frees every page-table frame of the lower half and the root, dropping the map counts of
/// everything mapped: a user frame left with no mapping goes back to the free list. Returns the
/// number of table frames freed.
pub fn destroy(frames: &mut FrameTable, root: u64) -> u32 {
    let mut freed = 0;
    for_each_entry(frames, root, false, &mut |frames, entry| match entry {
        Entry::Leaf(frame) => frames.drop_map(frame, true),
        Entry::Table { frame, .. } => {
            frames.release(frame);
            freed += 1;
        }
    });
    freed
}

/// Invalidates one page of the current address space's TLB.
pub fn flush(vaddr: u64) {
    #[cfg(not(test))]
    x86_64::instructions::tlb::flush(VirtAddr::new(vaddr));
    #[cfg(test)]
    tlb::FLUSHED.with(|f| f.borrow_mut().push(vaddr));
}

/// Host tests: `invlpg` cannot run in user mode, so `flush` records the page instead.
#[cfg(test)]
pub mod tlb {
    use std::cell::RefCell;

    std::thread_local! {
        pub(super) static FLUSHED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    }

    /// The pages flushed by this thread since the last call.
    pub fn take_flushed() -> Vec<u64> {
        FLUSHED.with(|f| core::mem::take(&mut *f.borrow_mut()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::frames::test_table;
    use crate::tests::{map_at as map, unmap_at as unmap};

    /// Physical memory, a frame table over it, and an empty "kernel" top-level table.
    fn setup(frames: usize) -> (std::sync::MutexGuard<'static, ()>, FrameTable, u64) {
        let guard = phys::test_memory::take(frames);
        let mut table = test_table(frames);
        let kernel_root = table.alloc(FrameState::Kernel).unwrap();
        (guard, table, kernel_root)
    }

    /// What the MMU allows a user-mode access to `vaddr`: the frame, and whether it may write and
    /// execute. It walks the four levels as the hardware does: every entry must be present and
    /// user-accessible; writes need every level writable, execution no level no-execute.
    fn mmu(root: u64, vaddr: u64) -> Option<(u64, bool, bool)> {
        let (mut table, mut write, mut execute) = (root, true, true);
        for (level, index) in indices(vaddr).into_iter().enumerate() {
            let entry = &phys::table(table)[index];
            let flags = entry.flags();
            if !flags.contains(F::PRESENT | F::USER_ACCESSIBLE) {
                return None;
            }
            write &= flags.contains(F::WRITABLE);
            execute &= !flags.contains(F::NO_EXECUTE);
            table = frame_of(entry.addr());
            if level == 3 {
                return Some((table, write, execute));
            }
        }
        None
    }

    #[test]
    fn the_mmu_grants_user_code_exactly_the_rights_mapped() {
        let (_memory, mut frames, kernel_root) = setup(32);
        let root = new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        let page = frames.alloc(FrameState::User { maps: 0 }).unwrap();
        let cases = [
            (0x40_0000, PageRights::empty(), (false, false)),
            (0x40_1000, PageRights::WRITE, (true, false)),
            (0x40_2000, PageRights::EXECUTE, (false, true)),
            (
                0x80_0000_0000,
                PageRights::WRITE | PageRights::EXECUTE,
                (true, true),
            ),
        ];
        for (vaddr, rights, (write, execute)) in cases {
            map(&mut frames, root, &mut tables, vaddr, page, rights).unwrap();
            assert_eq!(mmu(root, vaddr), Some((page, write, execute)), "{vaddr:#x}");
        }
        assert_eq!(mmu(root, 0x40_3000), None);
        protect(root, 0x40_0000, PageRights::WRITE).unwrap();
        assert_eq!(mmu(root, 0x40_0000), Some((page, true, false)));
        unmap(&mut frames, root, &mut tables, 0x40_0000).unwrap();
        assert_eq!(mmu(root, 0x40_0000), None);
    }

    #[test]
    fn mappings_count_their_frames_and_tables() {
        let (_memory, mut frames, kernel_root) = setup(32);
        let root = new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        let page = frames.alloc(FrameState::User { maps: 0 }).unwrap();
        map(
            &mut frames,
            root,
            &mut tables,
            0x40_0000,
            page,
            PageRights::WRITE,
        )
        .unwrap();
        assert_eq!(tables, 4, "root plus three new levels");
        assert_eq!(frames.state(page), Some(FrameState::User { maps: 1 }));
        let (found, flags) = lookup(root, 0x40_0000).unwrap();
        assert_eq!(found, page);
        assert!(flags.contains(F::USER_ACCESSIBLE | F::WRITABLE | F::NO_EXECUTE));
        assert_eq!(
            map(
                &mut frames,
                root,
                &mut tables,
                0x40_0000,
                page,
                PageRights::empty()
            ),
            Err(MapError::AlreadyMapped)
        );
        // A neighbour shares the tables; the same frame may be mapped twice.
        map(
            &mut frames,
            root,
            &mut tables,
            0x40_1000,
            page,
            PageRights::empty(),
        )
        .unwrap();
        assert_eq!(
            (tables, frames.state(page)),
            (4, Some(FrameState::User { maps: 2 }))
        );

        protect(root, 0x40_1000, PageRights::EXECUTE).unwrap();
        let (_, flags) = lookup(root, 0x40_1000).unwrap();
        assert_eq!(rights_of(flags), PageRights::EXECUTE);
        assert_eq!(
            protect(root, 0x50_0000, PageRights::empty()),
            Err(MapError::NotMapped)
        );

        assert_eq!(unmap(&mut frames, root, &mut tables, 0x40_0000), Ok(page));
        assert_eq!(
            unmap(&mut frames, root, &mut tables, 0x40_0000),
            Err(MapError::NotMapped)
        );
        assert!(lookup(root, 0x40_0000).is_none());
        assert_eq!(tables, 4, "the tables still hold the neighbour");
        assert_eq!(
            destroy(&mut frames, root),
            tables,
            "every table frame comes back"
        );
        assert_eq!(
            frames.state(page),
            Some(FrameState::Free),
            "and the frame, its last mapping gone"
        );
        let (census, consistent) = frames.census();
        assert!(consistent);
        assert_eq!((census.page_table, census.user), (0, 0));
    }

    #[test]
    fn unmapping_the_last_page_under_a_table_frees_it() {
        let (_memory, mut frames, kernel_root) = setup(32);
        let root = new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        let page = frames.alloc(FrameState::User { maps: 0 }).unwrap();
        // Two pages 512 GiB apart: separate tables at every level below the root.
        for vaddr in [0x1000, 0x80_0000_0000] {
            map(
                &mut frames,
                root,
                &mut tables,
                vaddr,
                page,
                PageRights::WRITE,
            )
            .unwrap();
        }
        assert_eq!(tables, 7);
        assert_eq!(frames.used(root), 2);
        assert_eq!(
            unmap(&mut frames, root, &mut tables, 0x80_0000_0000),
            Ok(page)
        );
        assert_eq!(tables, 4, "the three emptied tables are freed at once");
        assert_eq!(frames.used(root), 1);
        assert_eq!(frames.census().0.page_table, 4);
        assert_eq!(unmap(&mut frames, root, &mut tables, 0x1000), Ok(page));
        assert_eq!((tables, frames.used(root)), (1, 0));
        map(
            &mut frames,
            root,
            &mut tables,
            0x1000,
            page,
            PageRights::empty(),
        )
        .unwrap();
        assert_eq!(tables, 4, "and made again when needed");
        assert_eq!(destroy(&mut frames, root), 4);
        assert_eq!(frames.state(page), Some(FrameState::Free));
        assert_eq!(frames.census().0.page_table, 0);
    }

    #[test]
    fn teardown_visits_only_what_is_mapped() {
        let (_memory, mut frames, kernel_root) = setup(32);
        let root = new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        let page = frames.alloc(FrameState::User { maps: 0 }).unwrap();
        map(
            &mut frames,
            root,
            &mut tables,
            0x1000,
            page,
            PageRights::WRITE,
        )
        .unwrap();
        let mut visits = 0;
        for_each_entry(&mut frames, root, false, &mut |_, _| visits += 1);
        assert_eq!(visits, 5, "four tables and one leaf");
        // A leaf entry the count does not know of is not visited, unless exhaustively: the
        // audit's walk is exhaustive, so it catches a wrong count.
        let table = path(root, 0x1000).unwrap()[3];
        phys::table(table)[5].set_addr(PhysAddr::new(page * PAGE_SIZE), F::PRESENT);
        let (mut leaves, mut exhaustive_leaves) = (0, 0);
        for_each_entry(&mut frames, root, false, &mut |_, e| {
            leaves += matches!(e, Entry::Leaf(_)) as u32
        });
        for_each_entry(&mut frames, root, true, &mut |_, e| {
            exhaustive_leaves += matches!(e, Entry::Leaf(_)) as u32
        });
        assert_eq!((leaves, exhaustive_leaves), (1, 2));
    }

    #[test]
    fn running_out_of_memory_keeps_made_tables_counted() {
        // Kernel root, the new root and the user frame leave one frame: one of three levels.
        let (_memory, mut frames, kernel_root) = setup(4);
        let root = new_root(&mut frames, kernel_root).unwrap();
        let page = frames.alloc(FrameState::User { maps: 0 }).unwrap();
        let mut tables = 1;
        let result = map(
            &mut frames,
            root,
            &mut tables,
            0x40_0000,
            page,
            PageRights::WRITE,
        );
        assert_eq!(result, Err(MapError::OutOfMemory));
        assert_eq!(
            tables, 2,
            "the table made before memory ran out belongs to the space"
        );
        assert_eq!(destroy(&mut frames, root), 2);
        assert_eq!(frames.state(page), Some(FrameState::User { maps: 0 }));
    }
}
