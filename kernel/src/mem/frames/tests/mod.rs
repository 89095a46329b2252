//! Host tests of `mem::frames`.
use super::*;

/// What host tests read of a frame table and the kernel does not need.
impl FrameTable {
    /// How many free frames are zeroed and how many dirty (host tests).
    pub fn free_lists(&self) -> (usize, usize) {
        (self.zeroed, self.dirty)
    }
}

fn table(n: usize) -> FrameTable {
    let states = Box::leak(vec![FrameState::Free; n].into_boxed_slice());
    let free = Box::leak(vec![0u32; n].into_boxed_slice());
    FrameTable::new(states, free)
}

#[test]
fn allocates_until_empty_and_accounts_exactly() {
    let mut t = table(8);
    for f in 2..6 {
        t.add_free(f);
    }
    t.add_free(3); // twice: ignored
    let (c, ok) = t.census();
    assert!(ok);
    assert_eq!((c.free, c.unusable), (4, 4));
    let a = t.alloc(FrameState::User { maps: 0 }).unwrap();
    let b = t
        .alloc(FrameState::PageTable { used: 0, shares: 0 })
        .unwrap();
    let _ = t.alloc(FrameState::Kernel).unwrap();
    let _ = t.alloc(FrameState::User { maps: 0 }).unwrap();
    assert_eq!(t.alloc(FrameState::Kernel), Err(SysError::OutOfMemory));
    let (c, ok) = t.census();
    assert!(ok);
    assert_eq!((c.free, c.kernel, c.page_table, c.user), (0, 1, 1, 2));
    t.release(b);
    t.free_user(a).unwrap();
    let (c, ok) = t.census();
    assert!(ok);
    assert_eq!((c.free, c.user), (2, 1));
}

#[test]
fn mapped_and_foreign_frames_cannot_be_freed() {
    let mut t = table(4);
    for f in 0..4 {
        t.add_free(f);
    }
    let u = t.alloc(FrameState::User { maps: 0 }).unwrap();
    let k = t.alloc(FrameState::Kernel).unwrap();
    t.adjust_maps(u, 1);
    assert_eq!(t.free_user(u), Err(SysError::FrameInUse));
    assert_eq!(t.free_user(k), Err(SysError::BadFrame));
    assert_eq!(t.free_user(99), Err(SysError::BadFrame));
    assert_eq!(t.map_totals(), (1, u));
    t.adjust_maps(u, -1);
    assert_eq!(t.map_totals(), (0, 0));
    assert_eq!(t.free_user(u), Ok(()));
    assert_eq!(
        t.free_user(u),
        Err(SysError::BadFrame),
        "double free is refused"
    );
}

#[test]
fn only_unusable_frames_inside_the_table_are_added_or_claimed() {
    let mut t = table(4);
    t.add_free(4); // past the end (the boot memory map may name more RAM): ignored
    t.add_free(u64::MAX);
    t.add_free(1);
    t.claim_for_kernel(2);
    t.claim_for_kernel(1); // free already: stays free
    t.claim_for_kernel(9);
    assert_eq!(t.state(1), Some(FrameState::Free));
    assert_eq!(t.state(2), Some(FrameState::Kernel));
    let (c, ok) = t.census();
    assert!(ok);
    assert_eq!((c.free, c.kernel, c.unusable), (1, 1, 2));
    assert_eq!(t.alloc(FrameState::Kernel), Ok(1));
    assert_eq!(t.alloc(FrameState::Kernel), Err(SysError::OutOfMemory));
}

#[test]
fn the_census_catches_a_free_list_that_disagrees_with_the_states() {
    let mut t = table(4);
    for f in 0..4 {
        t.add_free(f);
    }
    let a = t.alloc(FrameState::Kernel).unwrap();
    assert!(t.census().1);
    // The right number of free frames, but the list names an allocated one.
    let listed = t.free[3] as usize;
    t.states[listed] = FrameState::Kernel;
    t.states[a as usize] = FrameState::Free;
    assert!(!t.census().1);
    // Only free frames listed, but one free frame more than the list holds.
    t.states[listed] = FrameState::Free;
    assert!(!t.census().1);
}
