//! Physical frames: who owns every 4 KiB frame, and the free lists. Exact accounting: every frame is
//! in exactly one state, and `census` proves the counts add up. Plain logic, host-tested.
//!
//! Free frames are kept in two stacks in one array: zeroed ones from the bottom, dirty ones (freed
//! since, or never cleared) from the top. Freeing makes a frame dirty; the idle loop zeroes dirty
//! frames (`zero_one`); frames that must start zeroed come from the zeroed stack first, so the
//! zeroing is off their path; frames about to be overwritten take a dirty one first.
use super::phys;
use abi::frames::FrameView;
use abi::{ensure, SysError};

/// The state of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameState {
    /// Not RAM, or memory the bootloader/firmware keeps.
    Unusable,
    Free,
    /// Kernel data (frame tables, the console page).
    Kernel,
    /// A page-table page of some address space; `used` counts its present entries (in a top-level
    /// table, those of the lower half), so empty tables can be freed and teardown can stop early;
    /// `shares` counts the other spaces a last-level table is shared with (`paging::own`).
    PageTable {
        used: u16,
        shares: u16,
    },
    /// Allocated from the pool to user space; `maps` counts the mappings of it.
    User {
        maps: u32,
    },
}

/// Counts by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub free: u64,
    pub kernel: u64,
    pub page_table: u64,
    pub user: u64,
    pub unusable: u64,
}

pub struct FrameTable {
    states: &'static mut [FrameState],
    /// Free frame numbers (room for every frame): `zeroed` zeroed ones at the start, `dirty`
    /// others at the end.
    free: &'static mut [u32],
    zeroed: usize,
    dirty: usize,
}

impl FrameTable {
    /// A table with no frames (before boot has found memory).
    pub const fn empty() -> FrameTable {
        FrameTable {
            states: &mut [],
            free: &mut [],
            zeroed: 0,
            dirty: 0,
        }
    }

    /// A table where every frame is unusable; `add_free` then marks the RAM that is free.
    pub fn new(states: &'static mut [FrameState], free: &'static mut [u32]) -> FrameTable {
        states.fill(FrameState::Unusable);
        FrameTable {
            states,
            free,
            ..FrameTable::empty()
        }
    }

    pub fn state(&self, frame: u64) -> Option<FrameState> {
        self.states.get(frame as usize).copied()
    }

    /// Marks a frame that was unusable as free.
    pub fn add_free(&mut self, frame: u64) {
        if self.state(frame) == Some(FrameState::Unusable) {
            self.push_free(frame);
        }
    }

    /// Marks an unusable frame as kernel data (the frame table's own storage).
    pub fn claim_for_kernel(&mut self, frame: u64) {
        if self.state(frame) == Some(FrameState::Unusable) {
            self.states[frame as usize] = FrameState::Kernel;
        }
    }

    /// Takes a free frame for `state`, a dirty one first: its contents are whatever was there
    /// (for a frame about to be overwritten).
    #[must_use = "a frame that is not used is leaked"]
    pub fn alloc(&mut self, state: FrameState) -> Result<u64, SysError> {
        let Some(frame) = self.pop_dirty() else {
            return self.alloc_zeroed(state);
        };
        self.states[frame as usize] = state;
        Ok(frame)
    }

    /// Takes a zeroed frame for `state`: one zeroed ahead of time, else a dirty one zeroed now.
    /// (Inlined: on the demand-zero fault path a call costs more than the work.)
    #[must_use = "a frame that is not used is leaked"]
    #[inline]
    pub fn alloc_zeroed(&mut self, state: FrameState) -> Result<u64, SysError> {
        ensure(self.zeroed > 0 || self.zero_one(), SysError::OutOfMemory)?;
        self.zeroed -= 1;
        let frame = self.free[self.zeroed] as u64;
        self.states[frame as usize] = state;
        Ok(frame)
    }

    fn pop_dirty(&mut self) -> Option<u64> {
        self.dirty = self.dirty.checked_sub(1)?;
        Some(self.free[self.free.len() - self.dirty - 1] as u64)
    }

    /// Zeroes one dirty frame and moves it to the zeroed ones; `false` if none is dirty.
    pub fn zero_one(&mut self) -> bool {
        let Some(frame) = self.pop_dirty() else {
            return false;
        };
        phys::zero(frame);
        self.free[self.zeroed] = frame as u32;
        self.zeroed += 1;
        true
    }

    /// Returns a page-table or kernel frame (the caller knows it owns it).
    pub fn release(&mut self, frame: u64) {
        debug_assert!(matches!(
            self.states[frame as usize],
            FrameState::PageTable { .. } | FrameState::Kernel
        ));
        self.push_free(frame);
    }

    /// Puts a frame on the dirty stack.
    fn push_free(&mut self, frame: u64) {
        self.states[frame as usize] = FrameState::Free;
        self.dirty += 1;
        let at = self.free.len() - self.dirty;
        self.free[at] = frame as u32;
    }

    /// Returns an unmapped user frame to the free list (`BadFrame`: not a user frame).
    pub fn free_user(&mut self, frame: u64) -> Result<(), SysError> {
        match self.state(frame) {
            Some(FrameState::User { maps: 0 }) => {
                self.push_free(frame);
                Ok(())
            }
            Some(FrameState::User { .. }) => Err(SysError::FrameInUse),
            _ => Err(SysError::BadFrame),
        }
    }

    /// Is this a frame user space may map?
    pub fn is_user(&self, frame: u64) -> bool {
        matches!(self.state(frame), Some(FrameState::User { .. }))
    }

    /// The map count of a user frame, to change (`None` for any other frame).
    pub fn maps_mut(&mut self, frame: u64) -> Option<&mut u32> {
        match self.states.get_mut(frame as usize) {
            Some(FrameState::User { maps }) => Some(maps),
            _ => None,
        }
    }

    /// Counts one mapping fewer of `frame`; a user frame left with none goes back to the free list
    /// (any other frame, e.g. the console page, stays as it is).
    pub fn drop_map(&mut self, frame: u64) {
        self.adjust_maps(frame, -1);
        let _ = self.free_user(frame);
    }

    /// Counts one more (`delta = 1`) or one fewer (`-1`) mapping of a user frame.
    pub fn adjust_maps(&mut self, frame: u64, delta: i32) {
        if let Some(FrameState::User { maps }) = self.states.get_mut(frame as usize) {
            *maps = maps
                .checked_add_signed(delta)
                .expect("frame map count out of range");
        }
    }

    /// Counts one more (`delta = 1`) or one fewer (`-1`) present entry in a page-table frame;
    /// returns the new count.
    pub fn adjust_used(&mut self, table: u64, delta: i16) -> u16 {
        match self.states.get_mut(table as usize) {
            Some(FrameState::PageTable { used, .. }) => {
                *used = used
                    .checked_add_signed(delta)
                    .expect("page-table entry count out of range");
                *used
            }
            _ => panic!("frame {table} is not a page table"),
        }
    }

    /// Present entries of a page-table frame, as counted.
    pub fn used(&self, table: u64) -> u16 {
        match self.state(table) {
            Some(FrameState::PageTable { used, .. }) => used,
            _ => 0,
        }
    }

    /// How many other spaces share a page-table frame (0 for any other frame).
    pub fn shares(&self, table: u64) -> u16 {
        match self.state(table) {
            Some(FrameState::PageTable { shares, .. }) => shares,
            _ => 0,
        }
    }

    /// Counts one sharer more (`delta = 1`) or fewer (`-1`) of a page-table frame.
    pub fn adjust_shares(&mut self, table: u64, delta: i16) {
        if let Some(FrameState::PageTable { shares, .. }) = self.states.get_mut(table as usize) {
            *shares = shares
                .checked_add_signed(delta)
                .expect("page-table share count out of range");
        }
    }

    /// How many frames the table describes.
    pub fn total(&self) -> u64 {
        self.states.len() as u64
    }

    /// Over all user frames: the sum of their map counts, and the sum of frame number times map
    /// count (a checksum the audit compares with the page tables).
    pub fn map_totals(&self) -> (u64, u64) {
        let mut totals = (0u64, 0u64);
        for (frame, state) in self.states.iter().enumerate() {
            if let FrameState::User { maps } = state {
                totals.0 += *maps as u64;
                totals.1 = totals.1.wrapping_add(frame as u64 * *maps as u64);
            }
        }
        totals
    }

    /// The states of frames `first..` into `out`, a byte each (`abi::frames`); returns how many,
    /// and how many frames there are.
    pub fn describe(&self, first: u64, out: &mut [u8]) -> (u64, u64) {
        let states = self.states.get(first as usize..).unwrap_or(&[]);
        for (byte, state) in out.iter_mut().zip(states) {
            *byte = match *state {
                FrameState::Unusable => FrameView::Unusable,
                FrameState::Free => FrameView::Free,
                FrameState::Kernel => FrameView::Kernel,
                FrameState::PageTable { .. } => FrameView::PageTable,
                FrameState::User { maps } => FrameView::user(maps),
            }
            .to_byte();
        }
        (states.len().min(out.len()) as u64, self.states.len() as u64)
    }

    /// Counts frames by state and checks the free list agrees with the states.
    pub fn census(&self) -> (Census, bool) {
        let mut c = Census::default();
        for s in self.states.iter() {
            match s {
                FrameState::Unusable => c.unusable += 1,
                FrameState::Free => c.free += 1,
                FrameState::Kernel => c.kernel += 1,
                FrameState::PageTable { .. } => c.page_table += 1,
                FrameState::User { .. } => c.user += 1,
            }
        }
        let dirty = &self.free[self.free.len() - self.dirty..];
        let mut listed = self.free[..self.zeroed].iter().chain(dirty);
        let free = |&f: &u32| self.states[f as usize] == FrameState::Free;
        let list_ok = c.free == (self.zeroed + self.dirty) as u64 && listed.all(free);
        (c, list_ok)
    }
}

#[cfg(test)]
mod tests;

/// A frame table over `frames` frames, all free (host tests).
#[cfg(test)]
pub fn test_table(frames: usize) -> FrameTable {
    let states = Box::leak(vec![FrameState::Unusable; frames].into_boxed_slice());
    let free = Box::leak(vec![0u32; frames].into_boxed_slice());
    let mut table = FrameTable::new(states, free);
    for frame in (0..frames as u64).rev() {
        table.add_free(frame);
    }
    table
}
