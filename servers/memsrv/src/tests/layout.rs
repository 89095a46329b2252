//! A program's layout as a new process, and the fixed hash of the server's maps.
use crate::image::Image;
use crate::map::IntHasher;
use core::hash::Hasher;
use userlib::abi::elf::Segment;
use userlib::abi::memsrv::MemError;
use userlib::layout::STACK_TOP;

fn segment(vaddr: u64, mem_size: u64, writable: bool) -> Segment<'static> {
    Segment {
        vaddr,
        mem_size,
        data: &[],
        writable,
        executable: !writable,
    }
}

#[test]
fn a_program_is_committed_its_image_its_ipc_buffer_and_its_tables() {
    let text = segment(0x40_0000, 0x1800, false);
    let data = segment(0x40_2010, 0x100, true);
    let image = Image::of([text, data].into_iter()).expect("fits");
    let r = &image.regions;
    let spans: Vec<_> = r
        .segments
        .iter()
        .map(|s| (s.start, s.end, s.writable))
        .collect();
    assert_eq!(
        spans,
        [(0x40_0000, 0x40_2000, false), (0x40_2000, 0x40_3000, true)]
    );
    assert_eq!((r.heap_start, r.brk), (0x40_3000, 0x40_3000));
    // Tables: the program's and the console's last-level tables, their directory and pointer
    // table; one of each for the stack and IPC buffer (at the top); the root.
    assert_eq!(image.tables.count(), 8);
    assert_eq!(image.committed, 3 + 1 + 8);
}

#[test]
fn the_heap_starts_above_the_highest_segment() {
    let high = segment(0x80_0000, 0x10, true);
    let low = segment(0x40_0000, 0x2000, false);
    let image = Image::of([high, low].into_iter()).expect("fits");
    assert_eq!(image.regions.heap_start, 0x80_1000);
    assert_eq!(image.committed, 1 + 2 + 1 + image.tables.count());
    let stack_only = Image::of([].into_iter()).expect("fits");
    assert_eq!(stack_only.regions.heap_start, 0);
    assert_eq!(stack_only.tables.count(), 1 + 3 + 3);
    assert!(stack_only.regions.is_stack(STACK_TOP - 4096));
}

#[test]
fn a_program_with_more_segments_than_a_process_holds_is_refused() {
    let many = (0..9).map(|i| segment(0x40_0000 + i * 0x1000, 0x1000, false));
    assert_eq!(Image::of(many).err(), Some(MemError::NoSuchProgram));
    let eight = (0..8).map(|i| segment(0x40_0000 + i * 0x1000, 0x1000, false));
    assert_eq!(Image::of(eight).map(|i| i.committed).ok(), Some(8 + 1 + 8));
}

#[test]
fn the_maps_hash_is_fixed() {
    let hash = |n: u64| {
        let mut h = IntHasher::default();
        h.write_u64(n);
        h.finish()
    };
    assert_eq!(hash(0), 0);
    assert_eq!(hash(1), 0xf135_7aea_2e62_a9c5u64.rotate_left(26));
    assert_ne!(hash(2), hash(1));
    let mut h = IntHasher::default();
    h.write_u32(1);
    assert_eq!(h.finish(), hash(1));
    let mut h = IntHasher::default();
    h.write(&[1, 2]);
    let mut two = IntHasher::default();
    two.write_u64(1);
    two.write_u64(2);
    assert_eq!(h.finish(), two.finish());
    assert_eq!(two.finish(), 0x1000_0312_b39b_435d);
    assert_ne!(h.finish(), hash(1));
}
