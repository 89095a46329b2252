//! The frame census a `Census` request answers, counted from the kernel's frame states
//! (`FrameStates`, a byte a frame): the server holds the system capability with `READ` only, and
//! `FrameCensus` (which audits everything) needs `CONTROL`, which only init has.
use userlib::abi::frames::FrameView;

/// Frames by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub free: u64,
    pub kernel: u64,
    pub page_table: u64,
    pub user: u64,
}

impl Tally {
    /// Counts the frames `states` describes (unusable ones are not counted).
    pub fn add(&mut self, states: &[u8]) {
        for &byte in states {
            match FrameView::from_byte(byte) {
                FrameView::Unusable => {}
                FrameView::Free => self.free += 1,
                FrameView::Kernel => self.kernel += 1,
                FrameView::PageTable => self.page_table += 1,
                FrameView::User { .. } => self.user += 1,
            }
        }
    }

    /// The reply's words.
    pub fn words(&self) -> [u64; 4] {
        [self.free, self.kernel, self.page_table, self.user]
    }
}
