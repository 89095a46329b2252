//! 4-level page tables of user address spaces, through the `x86_64` crate's typed tables.
//!
//! The upper half (entries 256..512 of the top level) is the kernel's, shared by every address
//! space and supervisor-only. Only 4 KiB leaves are created in the lower half; permissions live in
//! the leaves, intermediate entries allow everything.
use super::frames::{FrameState, FrameTable};
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

fn frame_of(addr: PhysAddr) -> u64 {
    addr.as_u64() / PAGE_SIZE
}

/// A new top-level table sharing the kernel half of `kernel_root`. Returns its frame.
pub fn new_root(frames: &mut FrameTable, kernel_root: u64) -> Result<u64, MapError> {
    let root = frames
        .alloc(FrameState::PageTable)
        .map_err(|_| MapError::OutOfMemory)?;
    phys::zero(root);
    let (new, kernel) = (phys::table(root), phys::table(kernel_root));
    for i in 256..512 {
        new[i] = kernel[i].clone();
    }
    Ok(root)
}

/// The leaf entry for `vaddr`, creating intermediate tables when `create` (counting them in `tables`).
fn leaf(
    frames: &mut FrameTable,
    root: u64,
    vaddr: u64,
    create: Option<&mut u32>,
) -> Result<&'static mut x86_64::structures::paging::page_table::PageTableEntry, MapError> {
    let idx = indices(vaddr);
    let mut table = phys::table(root);
    let mut created = create;
    for &i in &idx[..3] {
        let entry = &mut table[i];
        if entry.is_unused() {
            let Some(count) = created.as_deref_mut() else {
                return Err(MapError::NotMapped);
            };
            let frame = frames
                .alloc(FrameState::PageTable)
                .map_err(|_| MapError::OutOfMemory)?;
            phys::zero(frame);
            *count += 1;
            entry.set_addr(
                PhysAddr::new(frame * PAGE_SIZE),
                F::PRESENT | F::WRITABLE | F::USER_ACCESSIBLE,
            );
        }
        table = phys::table(frame_of(entry.addr()));
    }
    Ok(&mut table[idx[3]])
}

/// Maps `frame` at `vaddr` (a page-aligned user address). New page-table frames are added to `tables`.
pub fn map(
    frames: &mut FrameTable,
    root: u64,
    tables: &mut u32,
    vaddr: u64,
    frame: u64,
    rights: PageRights,
) -> Result<(), MapError> {
    let entry = leaf(frames, root, vaddr, Some(tables))?;
    if !entry.is_unused() {
        return Err(MapError::AlreadyMapped);
    }
    entry.set_addr(PhysAddr::new(frame * PAGE_SIZE), leaf_flags(rights));
    frames.adjust_maps(frame, 1);
    Ok(())
}

/// What is mapped at `vaddr`: frame and flags.
pub fn lookup(frames: &mut FrameTable, root: u64, vaddr: u64) -> Option<(u64, F)> {
    let entry = leaf(frames, root, vaddr, None).ok()?;
    (!entry.is_unused()).then(|| (frame_of(entry.addr()), entry.flags()))
}

/// Removes the mapping at `vaddr`; returns the frame. The caller flushes the TLB if needed.
pub fn unmap(frames: &mut FrameTable, root: u64, vaddr: u64) -> Result<u64, MapError> {
    let entry = leaf(frames, root, vaddr, None)?;
    if entry.is_unused() {
        return Err(MapError::NotMapped);
    }
    let frame = frame_of(entry.addr());
    entry.set_unused();
    frames.adjust_maps(frame, -1);
    Ok(frame)
}

/// Changes the rights of the mapping at `vaddr`.
pub fn protect(
    frames: &mut FrameTable,
    root: u64,
    vaddr: u64,
    rights: PageRights,
) -> Result<(), MapError> {
    let entry = leaf(frames, root, vaddr, None)?;
    if entry.is_unused() {
        return Err(MapError::NotMapped);
    }
    entry.set_flags(leaf_flags(rights));
    Ok(())
}

/// What `for_each_entry` visits.
pub enum Entry {
    /// A page-table frame (visited after everything below it).
    Table(u64),
    /// A frame mapped by a leaf entry.
    Leaf(u64),
}

/// Visits every page-table frame of the lower half (the root last) and every mapped frame.
pub fn for_each_entry(root: u64, visit: &mut impl FnMut(Entry)) {
    fn walk(table_frame: u64, level: u8, visit: &mut impl FnMut(Entry)) {
        let table = phys::table(table_frame);
        let end = if level == 4 { 256 } else { 512 };
        for entry in table.iter().take(end).filter(|e| !e.is_unused()) {
            let frame = frame_of(entry.addr());
            if level == 1 {
                visit(Entry::Leaf(frame));
            } else {
                walk(frame, level - 1, visit);
            }
        }
        visit(Entry::Table(table_frame));
    }
    walk(root, 4, visit);
}

/// Frees every page-table frame of the lower half and the root, dropping the map counts of
/// everything mapped. Returns the number of table frames freed.
pub fn destroy(frames: &mut FrameTable, root: u64) -> u32 {
    let mut freed = 0;
    for_each_entry(root, &mut |entry| match entry {
        Entry::Leaf(frame) => frames.adjust_maps(frame, -1),
        Entry::Table(frame) => {
            frames.release(frame);
            freed += 1;
        }
    });
    freed
}

/// Invalidates one page of the current address space's TLB.
pub fn flush(vaddr: u64) {
    x86_64::instructions::tlb::flush(VirtAddr::new(vaddr));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::frames::test_table;

    /// Physical memory, a frame table over it, and an empty "kernel" top-level table.
    fn setup(frames: usize) -> (std::sync::MutexGuard<'static, ()>, FrameTable, u64) {
        let guard = phys::test_memory::take(frames);
        let mut table = test_table(frames);
        let kernel_root = table.alloc(FrameState::Kernel).unwrap();
        (guard, table, kernel_root)
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
        let (found, flags) = lookup(&mut frames, root, 0x40_0000).unwrap();
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

        protect(&mut frames, root, 0x40_1000, PageRights::EXECUTE).unwrap();
        let (_, flags) = lookup(&mut frames, root, 0x40_1000).unwrap();
        assert_eq!(rights_of(flags), PageRights::EXECUTE);
        assert_eq!(
            protect(&mut frames, root, 0x50_0000, PageRights::empty()),
            Err(MapError::NotMapped)
        );

        assert_eq!(unmap(&mut frames, root, 0x40_0000), Ok(page));
        assert_eq!(
            unmap(&mut frames, root, 0x40_0000),
            Err(MapError::NotMapped)
        );
        assert!(lookup(&mut frames, root, 0x40_0000).is_none());
        assert_eq!(
            destroy(&mut frames, root),
            tables,
            "every table frame comes back"
        );
        assert_eq!(frames.state(page), Some(FrameState::User { maps: 0 }));
        let (census, consistent) = frames.census();
        assert!(consistent);
        assert_eq!((census.page_table, census.user), (0, 1));
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
