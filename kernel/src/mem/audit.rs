//! The frame audit behind `FrameCensus`: proves the accounting against the page tables themselves.
//!
//! - the free list holds exactly the free frames;
//! - every page-table frame of every address space is in the page-table state, each space's count
//!   of them is right, and together they are all the page-table frames there are;
//! - every mapping points at a user frame (or the console page), never at a free, kernel or
//!   page-table frame, and the user frames' map counts add up to the mappings found (count and
//!   frame-weighted checksum).
use super::frames::FrameState;
use super::paging::{self, Entry};
use crate::sched::Kernel;

impl Kernel {
    /// Runs every check above; `true` if all hold.
    pub fn audit_frames(&self) -> bool {
        let (census, mut ok) = self.frames.census();
        let (mut tables, mut mappings, mut checksum) = (0u64, 0u64, 0u64);
        for (_, space) in self.spaces.iter() {
            let mut own_tables = 0u32;
            paging::for_each_entry(space.root, &mut |entry| match entry {
                Entry::Table(frame) => {
                    own_tables += 1;
                    ok &= self.frames.state(frame) == Some(FrameState::PageTable);
                }
                Entry::Leaf(frame) => match self.frames.state(frame) {
                    Some(FrameState::User { .. }) => {
                        mappings += 1;
                        checksum = checksum.wrapping_add(frame);
                    }
                    Some(FrameState::Kernel) if frame == self.console_frame => {}
                    _ => ok = false,
                },
            });
            ok &= own_tables == space.tables;
            tables += own_tables as u64;
        }
        ok && tables == census.page_table && self.frames.map_totals() == (mappings, checksum)
    }
}
