//! The frame audit behind `FrameCensus`: proves the accounting against the page tables themselves.
//!
//! - the free list holds exactly the free frames;
//! - every page-table frame of every address space is in the page-table state with the right count
//!   of present entries, each space's count of tables is right, and together they are all the
//!   page-table frames there are;
//! - a shared last-level table is met by as many spaces' walks as its share count says (count and
//!   frame-weighted checksum), and its entries count once;
//! - every mapping points at a user frame (or the console page, or the known device memory
//!   outside RAM), never at a free, kernel or page-table frame or anything else, and the user frames' map counts add up to the mappings found (count and
//!   frame-weighted checksum).
use super::device::DeviceMemory;
use super::frames::{FrameState, FrameTable};
use super::paging::{self, Entry};

/// Runs every check above over the address spaces `spaces` (each its top-level table and its
/// count of table frames); `console` is the console page every space maps, `device` the device
/// memory a space may map. `true` if all hold.
pub fn frames(
    frames: &mut FrameTable,
    console: u64,
    device: Option<DeviceMemory>,
    spaces: impl Iterator<Item = (u64, u32)>,
) -> bool {
    let (census, mut ok) = frames.census();
    let (mut mappings, mut checksum, mut shared) = (0u64, 0u64, (0u64, 0u64));
    // Checks an entry (a table entered must have share count `shares`); 1 for a table.
    let mut visit = |frames: &mut FrameTable, entry, shares| match entry {
        Entry::Table { frame, used } => {
            ok &= frames.state(frame) == Some(FrameState::PageTable { used, shares });
            1
        }
        Entry::Shared(frame) => {
            shared = (shared.0 + 1, shared.1.wrapping_add(frame));
            1
        }
        Entry::Leaf(frame) => {
            match frames.state(frame) {
                Some(FrameState::User { .. }) => {
                    mappings += 1;
                    checksum = checksum.wrapping_add(frame);
                }
                Some(FrameState::Kernel) if frame == console => {}
                None | Some(FrameState::Unusable) if device.is_some_and(|d| d.contains(frame)) => {}
                _ => ok = false,
            }
            0
        }
    };
    let (mut tables, mut counts_ok) = (0u64, true);
    for (root, counted_tables) in spaces {
        let mut own = 0;
        paging::for_each_entry(frames, root, 4, true, &mut |f, e| own += visit(f, e, 0));
        counts_ok &= own == counted_tables;
        tables += u64::from(own);
    }
    // Each shared table once, as the one table it is, met as often as its share count says.
    let mut sharers = (0u64, 0u64);
    for table in 0..frames.total() {
        let shares = frames.shares(table);
        if shares > 0 {
            let n = u64::from(shares) + 1;
            sharers = (sharers.0 + n, sharers.1.wrapping_add(n.wrapping_mul(table)));
            tables = tables.wrapping_sub(n);
            let mut visit = |f: &mut FrameTable, e| tables += u64::from(visit(f, e, shares));
            paging::for_each_entry(frames, table, 1, true, &mut visit);
        }
    }
    ok && counts_ok
        && shared == sharers
        && tables == census.page_table
        && frames.map_totals() == (mappings, checksum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::frames::test_table;
    use crate::tests::map_at;
    use abi::layout::CONSOLE;
    use abi::PageRights;

    #[test]
    fn the_audit_passes_exact_accounting_and_catches_a_wrong_count() {
        let _memory = crate::tests::host::take_memory(64);
        let mut f = test_table(64);
        let kernel_root = f.alloc(FrameState::Kernel).unwrap();
        let console = f.alloc(FrameState::Kernel).unwrap();
        let root = paging::new_root(&mut f, kernel_root).unwrap();
        let mut tables = 1;
        map_at(
            &mut f,
            root,
            &mut tables,
            CONSOLE,
            console,
            PageRights::WRITE,
        )
        .unwrap();
        let page = f.alloc(FrameState::User { maps: 0 }).unwrap();
        map_at(
            &mut f,
            root,
            &mut tables,
            0x40_0000,
            page,
            PageRights::WRITE,
        )
        .unwrap();
        // A device page beyond the frame table (as the framebuffer is): not counted anywhere.
        let device = DeviceMemory {
            first: 1000,
            geometry: [0, 0, 0, 0, 0, 4],
        };
        map_at(
            &mut f,
            root,
            &mut tables,
            0x80_0000,
            1003,
            PageRights::WRITE,
        )
        .unwrap();
        let space = |tables| [(root, tables)].into_iter();
        let dev = Some(device);
        assert!(
            frames(&mut f, console, dev, space(tables)),
            "exact accounting"
        );
        let elsewhere = Some(DeviceMemory {
            first: 1004,
            ..device
        });
        assert!(
            !frames(&mut f, console, elsewhere, space(tables)),
            "a mapping outside RAM that is not the known device memory is caught"
        );
        assert!(!frames(&mut f, console, None, space(tables)), "no device");

        f.adjust_maps(page, 1);
        assert!(
            !frames(&mut f, console, dev, space(tables)),
            "a map count that disagrees with the page tables is caught"
        );
        f.adjust_maps(page, -1);
        let wrong = tables + 1;
        assert!(
            !frames(&mut f, console, dev, space(wrong)),
            "a wrong table count"
        );
        assert!(
            !frames(&mut f, kernel_root, dev, space(tables)),
            "a kernel frame mapped that is not the console page"
        );
    }
}
