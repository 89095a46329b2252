//! Host tests of `mem::paging`.
use super::*;
use crate::mem::frames::test_table;
use crate::tests::{map_at as map, unmap_at as unmap};

/// Physical memory, a frame table over it, and an empty "kernel" top-level table.
fn setup(frames: usize) -> (std::sync::MutexGuard<'static, ()>, FrameTable, u64) {
    let guard = crate::tests::host::take_memory(frames);
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
    protect(&mut frames, root, 0x40_0000, PageRights::WRITE).unwrap();
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
        Err(SysError::AlreadyMapped)
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
    let (_, flags) = lookup(root, 0x40_1000).unwrap();
    assert_eq!(rights_of(flags), PageRights::EXECUTE);
    assert_eq!(
        protect(&mut frames, root, 0x50_0000, PageRights::empty()),
        Err(SysError::NotMapped)
    );

    assert_eq!(unmap(&mut frames, root, &mut tables, 0x40_0000), Ok(page));
    assert_eq!(
        unmap(&mut frames, root, &mut tables, 0x40_0000),
        Err(SysError::NotMapped)
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
    for_each_entry(&mut frames, root, 4, false, &mut |_, _| visits += 1);
    assert_eq!(visits, 5, "four tables and one leaf");
    // A leaf entry the count does not know of is not visited, unless exhaustively: the
    // audit's walk is exhaustive, so it catches a wrong count.
    let table = path(root, 0x1000).unwrap()[3];
    phys::table(table)[5].set_addr(PhysAddr::new(page * PAGE_SIZE), F::PRESENT);
    let (mut leaves, mut exhaustive_leaves) = (0, 0);
    for_each_entry(&mut frames, root, 4, false, &mut |_, e| {
        leaves += matches!(e, Entry::Leaf(_)) as u32
    });
    for_each_entry(&mut frames, root, 4, true, &mut |_, e| {
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
    assert_eq!(result, Err(SysError::OutOfMemory));
    assert_eq!(
        tables, 2,
        "the table made before memory ran out belongs to the space"
    );
    assert_eq!(destroy(&mut frames, root), 2);
    assert_eq!(frames.state(page), Some(FrameState::User { maps: 0 }));
}
