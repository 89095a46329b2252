//! What `FrameStates` reports: one byte per physical frame, so a memory viewer reads the state of
//! every frame in a few calls (512 frames each, written into the caller's IPC buffer words).

use crate::msg::MAX_WORDS;

/// Frames described by one `FrameStates` call: the IPC buffer's message words, a byte each.
pub const PER_CALL: usize = MAX_WORDS * 8;

/// `DebugWrite`'s a2 flag: write to the serial port as it is, not made inert nor marked with the
/// writer's name (a viewer drawing with terminal escapes on the serial console). a3 names a system capability with
/// `READ`: raw bytes on the developer's terminal are a privilege.
pub const SERIAL_ONLY: u64 = 1;

/// Not RAM, or memory the firmware and the bootloader keep (the kernel's image among it).
pub const UNUSABLE: u8 = 0;
/// Free (zeroed or not).
pub const FREE: u8 = 1;
/// Kernel data: the frame table, the console page.
pub const KERNEL: u8 = 2;
/// A page-table page of some address space.
pub const PAGE_TABLE: u8 = 3;
/// A user frame: `USER + n` says it is mapped `n` times (saturating at `u8::MAX - USER`).
pub const USER: u8 = 4;

/// One frame's state, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameView {
    /// Not RAM, or kept by the firmware and the bootloader.
    Unusable,
    /// Free.
    Free,
    /// Kernel data.
    Kernel,
    /// A page table.
    PageTable,
    /// Allocated to user space, mapped `maps` times (0: allocated and mapped nowhere).
    User {
        /// The map count, saturating.
        maps: u8,
    },
}

impl FrameView {
    /// The state a `FrameStates` byte describes.
    pub fn from_byte(byte: u8) -> FrameView {
        match byte {
            UNUSABLE => FrameView::Unusable,
            FREE => FrameView::Free,
            KERNEL => FrameView::Kernel,
            PAGE_TABLE => FrameView::PageTable,
            n => FrameView::User { maps: n - USER },
        }
    }

    /// The byte `FrameStates` writes for this state.
    pub fn to_byte(self) -> u8 {
        match self {
            FrameView::Unusable => UNUSABLE,
            FrameView::Free => FREE,
            FrameView::Kernel => KERNEL,
            FrameView::PageTable => PAGE_TABLE,
            FrameView::User { maps } => USER + maps.min(u8::MAX - USER),
        }
    }

    /// A user frame's state from its map count (saturating).
    pub fn user(maps: u32) -> FrameView {
        FrameView::User {
            maps: maps.min((u8::MAX - USER) as u32) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_map_counts_saturate() {
        for v in [
            FrameView::Unusable,
            FrameView::Free,
            FrameView::Kernel,
            FrameView::PageTable,
            FrameView::User { maps: 0 },
            FrameView::User { maps: 3 },
        ] {
            assert_eq!(FrameView::from_byte(v.to_byte()), v);
        }
        assert_eq!(FrameView::user(100_000).to_byte(), u8::MAX);
        assert_eq!(FrameView::from_byte(u8::MAX), FrameView::User { maps: 251 });
    }
}
