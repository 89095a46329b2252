//! The frame audit behind `FrameCensus`: proves the accounting against the page tables themselves.
//!
//! - the free list holds exactly the free frames;
//! - every page-table frame of every address space is in the page-table state with the right count
//!   of present entries, each space's count of tables is right, and together they are all the
//!   page-table frames there are;
//! - every mapping points at a user frame (or the console page), never at a free, kernel or
//!   page-table frame, and the user frames' map counts add up to the mappings found (count and
//!   frame-weighted checksum).
use super::frames::FrameState;
use super::paging::{self, Entry};
use crate::sched::Kernel;

impl Kernel {
    /// Runs every check above; `true` if all hold.
    pub fn audit_frames(&mut self) -> bool {
        let (census, mut ok) = self.frames.census();
        let (mut tables, mut mappings, mut checksum) = (0u64, 0u64, 0u64);
        let console = self.console_frame;
        for (_, space) in self.spaces.iter() {
            let mut own_tables = 0u32;
            let frames = &mut self.frames;
            paging::for_each_entry(frames, space.root, true, &mut |frames, entry| match entry {
                Entry::Table { frame, present } => {
                    own_tables += 1;
                    ok &= frames.state(frame) == Some(FrameState::PageTable { used: present });
                }
                Entry::Leaf(frame) => match frames.state(frame) {
                    Some(FrameState::User { .. }) => {
                        mappings += 1;
                        checksum = checksum.wrapping_add(frame);
                    }
                    Some(FrameState::Kernel) if frame == console => {}
                    _ => ok = false,
                },
            });
            ok &= own_tables == space.tables;
            tables += own_tables as u64;
        }
        ok && tables == census.page_table && self.frames.map_totals() == (mappings, checksum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::frames::test_table;
    use crate::mem::phys;
    use abi::PageRights;

    #[test]
    fn the_audit_passes_exact_accounting_and_catches_a_wrong_count() {
        let _memory = phys::test_memory::take(64);
        let mut k = Box::new(Kernel::new());
        k.frames = test_table(64);
        k.kernel_root = k.frames.alloc(FrameState::Kernel).unwrap();
        k.console_frame = k.frames.alloc(FrameState::Kernel).unwrap();
        let space = k.new_space_root().unwrap();
        let (root, mut tables) = (space.root, space.tables);
        let index = k.spaces.alloc(space).unwrap().0;
        let page = k.frames.alloc(FrameState::User { maps: 0 }).unwrap();
        crate::tests::map_at(
            &mut k.frames,
            root,
            &mut tables,
            0x40_0000,
            page,
            PageRights::WRITE,
        )
        .unwrap();
        k.spaces.at_mut(index).unwrap().tables = tables;
        assert!(k.audit_frames(), "exact accounting passes");

        k.frames.adjust_maps(page, 1);
        assert!(
            !k.audit_frames(),
            "a map count that disagrees with the page tables is caught"
        );
        k.frames.adjust_maps(page, -1);
        k.spaces.at_mut(index).unwrap().tables += 1;
        assert!(!k.audit_frames(), "a wrong table count is caught");
    }
}
