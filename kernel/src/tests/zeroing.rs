//! Frames zeroed ahead of time: free frames are zeroed or dirty; the idle loop's `zero_one` moves
//! one from dirty to zeroed; frames that must start zeroed (`FrameAlloc`, `AsAlloc`, page tables)
//! take a zeroed one first, else zero a dirty one; frames about to be overwritten (`AsCopy`,
//! `AsShare`'s copies) take a dirty one first. Freeing makes a frame dirty.
use super::*;

const W: u64 = PageRights::WRITE.bits();

fn is_zero(frame: u64) -> bool {
    let mut b = [1u8; 4096];
    phys::read(frame, 0, &mut b);
    b.iter().all(|&x| x == 0)
}

/// A task, and every free frame scribbled over (they are all dirty).
fn setup(sim: &mut Sim) -> u16 {
    let t = sim.task();
    for f in 0..512 {
        if sim.k.frames.state(f) == Some(FrameState::Free) {
            phys::write(f, 0, &[0xAA; 4096]);
        }
    }
    assert_eq!(sim.k.frames.free_lists().0, 0, "nothing zeroed yet");
    t
}

fn alloc(sim: &mut Sim, t: u16) -> u64 {
    sim.ok(t, Sysnum::FrameAlloc, [POOL, 0, 0, 0, 0, 0]).rdi
}

fn lists(sim: &Sim) -> (usize, usize) {
    assert!(sim.k.frames.census().1, "the lists agree with the states");
    sim.k.frames.free_lists()
}

#[test]
fn zeroed_frames_are_taken_first_and_freed_ones_are_dirty() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    (0..3).for_each(|_| assert!(sim.k.frames.zero_one()));
    let (_, dirty) = lists(&sim);
    assert_eq!(lists(&sim), (3, dirty));
    let taken: Vec<u64> = (0..3).map(|_| alloc(&mut sim, t)).collect();
    assert!(taken.iter().all(|&f| is_zero(f)));
    assert_eq!(lists(&sim), (0, dirty), "no dirty frame was needed");
    for &f in &taken {
        phys::write(f, 0, b"used");
        sim.ok(t, Sysnum::FrameFree, [POOL, f, 0, 0, 0, 0]);
    }
    assert_eq!(lists(&sim), (0, dirty + 3));
    // No zeroed frame left: the last one freed is zeroed on the way out.
    assert_eq!(alloc(&mut sim, t), taken[2]);
    assert!(is_zero(taken[2]));
    assert_eq!(lists(&sim), (0, dirty + 2));
    assert!(sim.audit());
}

#[test]
fn page_tables_and_alloc_take_zeroed_frames_first() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    (0..5).for_each(|_| assert!(sim.k.frames.zero_one()));
    let (_, dirty) = lists(&sim);
    // A page where three new tables are needed: four zeroed frames.
    let a = [SPACE, POOL, 0x100_0000_0000, W, 0, 0];
    let page = sim.ok(t, Sysnum::AsAlloc, a).rdi;
    assert!(is_zero(page));
    assert_eq!(lists(&sim), (1, dirty));
    assert!(sim.audit());
}

#[test]
fn copies_take_a_dirty_frame_first() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let a = [SPACE, POOL, 0x40_0000, W, 0, 0];
    let page = sim.ok(t, Sysnum::AsAlloc, a).rdi;
    phys::write(page, 0, b"contents");
    assert!(sim.k.frames.zero_one());
    let (_, dirty) = lists(&sim);
    let a = [SPACE, POOL, 0x40_0000, W, 0, 0];
    let copy = sim.ok(t, Sysnum::AsCopy, a).rdi;
    let mut b = [0u8; 8];
    phys::read(copy, 0, &mut b);
    assert_eq!(&b, b"contents");
    // The copy took a dirty frame; the old one, released, is dirty too.
    assert_eq!(lists(&sim), (1, dirty));
    assert_eq!(sim.k.frames.state(page), Some(FrameState::Free));
    assert!(sim.audit());
}

#[test]
fn zeroing_stops_when_no_frame_is_dirty() {
    let mut sim = Sim::new();
    let t = setup(&mut sim);
    let mut zeroed = 0;
    while sim.k.frames.zero_one() {
        zeroed += 1;
    }
    assert_eq!(lists(&sim), (zeroed, 0));
    assert_eq!(zeroed as u64, sim.k.frames.census().0.free);
    // Copies now take zeroed frames (AsAlloc takes two: a page table and the page).
    let a = [SPACE, POOL, 0x40_0000, W, 0, 0];
    sim.ok(t, Sysnum::AsAlloc, a);
    sim.ok(t, Sysnum::AsCopy, a);
    assert_eq!(lists(&sim), (zeroed - 3, 1), "the old page is dirty");
    assert!(sim.audit());
}
