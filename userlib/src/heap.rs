//! A heap for programs that use `alloc` (`Vec`, `BTreeMap`, `String`, ...): the
//! [talc](https://crates.io/crates/talc) allocator over memory that grows through the memory
//! server's `sbrk` ([`SbrkHeap`]), or over a fixed static arena ([`ArenaHeap`]) for a server that
//! cannot `sbrk` itself (the memory server).
//!
//! Opt-in: nothing here runs, and no `alloc` crate is linked, unless a program declares a global
//! allocator, which takes one line:
//!
//! ```ignore
//! extern crate alloc;
//! userlib::sbrk_heap!();            // or: userlib::arena_heap!(256 * 1024);
//! ```
//!
//! Growth: when talc runs out it asks the [`Break`] for at least [`MIN_GROWTH`] bytes (more for a
//! large allocation, rounded up to whole pages). If the new memory starts where the heap ended, the
//! heap is extended; otherwise (someone else moved the break) talc takes it as a second heap. The
//! memory server maps sbrk'd pages zeroed on first touch, so a growth costs frames only for the
//! pages talc and the program actually write. An allocation the break cannot satisfy returns null,
//! and `alloc` then panics with "memory allocation of N bytes failed" (exit status 101).
//!
//! Why talc 4 and not 5 (the current major): talc 5 depends on `allocator-api2` with its `alloc`
//! feature, which links the `alloc` crate into every program of the crate that depends on it — and
//! rustc then demands a global allocator in every binary, so the heap would stop being opt-in.
//! talc 4 with default features off depends on `lock_api` only. `linked_list_allocator` would fit
//! as well, but its allocation and free walk a list of holes (O(n)), where talc keeps binned free
//! lists (near O(1)) and grows and shrinks in place.

use crate::process;
use abi::layout::PAGE_SIZE;
use core::alloc::{GlobalAlloc, Layout};
use talc::{ClaimOnOom, OomHandler, Span, Talc, Talck};

/// The lock around the allocator. A program is one task in its own address space, so it is never
/// contended; a spin lock (rather than none) keeps the heap sound should that ever change.
type Lock = spin::Mutex<()>;

/// The least the heap grows by at a time: 16 pages, so small allocations do not each cost a call
/// to the memory server.
pub const MIN_GROWTH: u64 = 16 * PAGE_SIZE;

/// Room talc needs beside an allocation: its bin table on the first claim (about 1 KiB), chunk
/// tags, and alignment.
const OVERHEAD: u64 = 2048;

/// Where more heap memory comes from.
pub trait Break {
    /// Moves the break up by `bytes`; returns the old break (the start of the new memory), or
    /// `None` if there is no more.
    fn grow(&mut self, bytes: u64) -> Option<u64>;
}

/// The process's program break, moved with [`process::sbrk`].
#[derive(Debug, Default)]
pub struct ProcessBreak;

impl Break for ProcessBreak {
    fn grow(&mut self, bytes: u64) -> Option<u64> {
        let bytes = i64::try_from(bytes).ok()?;
        process::sbrk(bytes).ok()
    }
}

/// How many bytes to ask the break for so that `layout` fits: at least [`MIN_GROWTH`], whole
/// pages. `None` if that overflows.
pub fn growth_for(layout: Layout) -> Option<u64> {
    let need = (layout.size() as u64)
        .checked_add(layout.align() as u64)?
        .checked_add(OVERHEAD)?
        .max(MIN_GROWTH);
    need.checked_next_multiple_of(PAGE_SIZE)
}

/// talc's out-of-memory handler that grows the heap through a [`Break`].
pub struct Growth<B> {
    source: B,
    /// The heap talc manages (as `claim`/`extend` returned it), empty before the first growth.
    heap: Span,
    /// Where the memory we got from the break ends (the heap's span may end a little below it
    /// after talc aligns it).
    end: u64,
}

// SAFETY: `Span` is a pair of pointers into memory only the allocator uses; talc itself declares
// `Span: Send`. `B` is required to be `Send`.
unsafe impl<B: Send> Send for Growth<B> {}

impl<B: Break> OomHandler for Growth<B> {
    fn handle_oom(talc: &mut Talc<Self>, layout: Layout) -> Result<(), ()> {
        let bytes = growth_for(layout).ok_or(())?;
        let start = talc.oom_handler.source.grow(bytes).ok_or(())?;
        let end = start.checked_add(bytes).ok_or(())?;
        let handler = &mut talc.oom_handler;
        let contiguous = handler.end == start;
        let (heap, base) = (handler.heap, handler.heap.get_base_acme());
        let grown = match base {
            Some((base, _)) if contiguous => {
                let wanted = Span::new(base, end as *mut u8);
                // SAFETY: `heap` came from talc's own `claim`/`extend`, and the memory from its
                // end to `end` is what the break just gave us: readable, writable, used by nothing
                // else.
                unsafe { talc.extend(heap, wanted) }
            }
            _ => {
                let fresh = Span::new(start as *mut u8, end as *mut u8);
                // SAFETY: the break just gave us `[start, end)`: readable and writable, outside any
                // heap talc has (the break only moves up), used by nothing else.
                unsafe { talc.claim(fresh)? }
            }
        };
        talc.oom_handler.heap = grown;
        talc.oom_handler.end = end;
        Ok(())
    }
}

/// A global allocator: talc behind a lock, growing as `O` says.
pub struct Heap<O: OomHandler>(Talck<Lock, O>);

// SAFETY: every method hands the call to talc's own `GlobalAlloc` implementation unchanged, so
// talc's guarantees (blocks fit their layout, do not overlap, stay valid until freed) carry over.
unsafe impl<O: OomHandler> GlobalAlloc for Heap<O> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's obligations under `GlobalAlloc::alloc` are passed on as they are.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above (`ptr` came from this allocator with `layout`).
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

/// The heap of a program: grows through [`process::sbrk`].
pub type SbrkHeap = Heap<Growth<ProcessBreak>>;

impl<B: Break> Heap<Growth<B>> {
    /// A heap that takes its memory from `source` when it needs more (none at first).
    pub const fn growing(source: B) -> Self {
        let growth = Growth {
            source,
            heap: Span::empty(),
            end: 0,
        };
        Heap(Talck::new(Talc::new(growth)))
    }
}

impl SbrkHeap {
    /// The program's heap, empty until the first allocation moves the break.
    pub const fn new() -> Self {
        Self::growing(ProcessBreak)
    }
}

impl Default for SbrkHeap {
    fn default() -> Self {
        Self::new()
    }
}

/// A heap over a fixed arena (for a server that cannot `sbrk`, such as the memory server):
/// allocations beyond it fail.
pub type ArenaHeap = Heap<ClaimOnOom>;

impl ArenaHeap {
    /// A heap over `[base, base + len)`, claimed at the first allocation.
    ///
    /// # Safety
    ///
    /// The memory must be readable and writable for as long as the heap is used, and nothing else
    /// may use it (a `static mut` array that only this heap names, as
    /// [`arena_heap!`](crate::arena_heap) makes).
    pub const unsafe fn over_arena(base: *mut u8, len: usize) -> Self {
        // SAFETY: the caller promises the memory is the arena's alone.
        let claim = unsafe { ClaimOnOom::new(Span::from_base_size(base, len)) };
        Heap(Talck::new(Talc::new(claim)))
    }
}

/// Makes [`SbrkHeap`] the program's global allocator (use `alloc` after `extern crate alloc;`).
#[macro_export]
macro_rules! sbrk_heap {
    () => {
        #[global_allocator]
        static HEAP: $crate::heap::SbrkHeap = $crate::heap::SbrkHeap::new();
    };
}

/// Makes an [`ArenaHeap`] over a static array of `$bytes` bytes the program's global allocator.
#[macro_export]
macro_rules! arena_heap {
    ($bytes:expr) => {
        static mut HEAP_ARENA: [u8; $bytes] = [0; $bytes];
        #[global_allocator]
        // SAFETY: `HEAP_ARENA` is named nowhere else, so the heap is the only user of its memory,
        // and a static lives as long as the program.
        static HEAP: $crate::heap::ArenaHeap =
            unsafe { $crate::heap::ArenaHeap::over_arena(&raw mut HEAP_ARENA as *mut u8, $bytes) };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A break over a host buffer: hands out memory up to `limit`, optionally skipping `gap` bytes
    /// once (as if someone else had moved the break).
    struct FakeBreak {
        base: u64,
        brk: u64,
        limit: u64,
        gap: u64,
        calls: usize,
    }

    impl FakeBreak {
        fn new(bytes: usize, gap: u64) -> FakeBreak {
            // Leaked on purpose: the heap may outlive the test's locals (it is tiny).
            let buffer = std::vec![0u8; bytes + PAGE_SIZE as usize].leak();
            let base = (buffer.as_mut_ptr() as u64).next_multiple_of(PAGE_SIZE);
            FakeBreak {
                base,
                brk: base,
                limit: base + bytes as u64,
                gap,
                calls: 0,
            }
        }
    }

    impl Break for FakeBreak {
        fn grow(&mut self, bytes: u64) -> Option<u64> {
            self.calls += 1;
            let start = self.brk + core::mem::take(&mut self.gap);
            if start + bytes > self.limit {
                return None;
            }
            self.brk = start + bytes;
            Some(start)
        }
    }

    fn source(heap: &Heap<Growth<FakeBreak>>) -> (u64, u64, usize) {
        let talc = heap.0.lock();
        let s = &talc.oom_handler.source;
        (s.base, s.brk, s.calls)
    }

    fn alloc(heap: &impl GlobalAlloc, size: usize, fill: u8) -> *mut u8 {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: a valid, non-zero layout.
        let p = unsafe { heap.alloc(layout) };
        if !p.is_null() {
            // SAFETY: `p` is a fresh block of `size` bytes.
            unsafe { p.write_bytes(fill, size) };
        }
        p
    }

    fn holds(p: *mut u8, size: usize, fill: u8) -> bool {
        // SAFETY: `p` is a live block of `size` bytes the test allocated.
        unsafe { std::slice::from_raw_parts(p, size) }
            .iter()
            .all(|&b| b == fill)
    }

    #[test]
    fn growth_is_whole_pages_and_at_least_the_minimum() {
        let small = Layout::from_size_align(8, 8).unwrap();
        assert_eq!(growth_for(small), Some(MIN_GROWTH));
        let big = Layout::from_size_align(100_000, 4096).unwrap();
        let g = growth_for(big).unwrap();
        assert!(g >= 100_000 + 4096 && g % PAGE_SIZE == 0, "{g}");
        let huge = Layout::from_size_align(isize::MAX as usize - 4095, 4096).unwrap();
        assert!(growth_for(huge).is_some_and(|g| g % PAGE_SIZE == 0));
    }

    #[test]
    fn the_heap_grows_in_place_and_keeps_every_block() {
        let heap = Heap::growing(FakeBreak::new(4 << 20, 0));
        let mut blocks = Vec::new();
        for i in 0..2000usize {
            let size = 16 + (i * 37) % 700;
            let p = alloc(&heap, size, i as u8);
            assert!(!p.is_null(), "allocation {i} of {size} bytes failed");
            blocks.push((p, size, i as u8));
        }
        for &(p, size, fill) in &blocks {
            assert!(holds(p, size, fill), "a block was overwritten");
        }
        let (base, brk, calls) = source(&heap);
        // 2000 blocks of ~370 bytes: ~0.75 MiB, so the break moved a few dozen times at most,
        // and never much past what the blocks need.
        assert!(calls > 1 && calls < 100, "{calls} growths");
        assert!(
            brk - base < 2 << 20,
            "the heap grew to {} bytes",
            brk - base
        );
        for (p, size, _) in blocks {
            // SAFETY: allocated above with this layout, freed once.
            unsafe { heap.dealloc(p, Layout::from_size_align(size, 8).unwrap()) };
        }
        // Everything freed: the same memory serves again without growing.
        let p = alloc(&heap, 512 * 1024, 7);
        assert!(!p.is_null());
        assert_eq!(
            source(&heap).1,
            brk,
            "reusing freed memory must not grow the heap"
        );
    }

    #[test]
    fn an_allocation_the_break_cannot_satisfy_fails_and_the_heap_carries_on() {
        let heap = Heap::growing(FakeBreak::new(256 * 1024, 0));
        let big = alloc(&heap, 200 * 1024, 1);
        assert!(!big.is_null());
        assert!(
            alloc(&heap, 200 * 1024, 2).is_null(),
            "beyond the break's limit"
        );
        let small = alloc(&heap, 100, 3);
        assert!(!small.is_null(), "small allocations still fit");
        assert!(holds(big, 200 * 1024, 1));
        // SAFETY: allocated above with this layout.
        unsafe { heap.dealloc(big, Layout::from_size_align(200 * 1024, 8).unwrap()) };
        assert!(
            !alloc(&heap, 150 * 1024, 4).is_null(),
            "freed memory is reused"
        );
    }

    #[test]
    fn a_break_moved_by_someone_else_starts_a_second_heap() {
        let heap = Heap::growing(FakeBreak::new(1 << 20, 0));
        let first = alloc(&heap, 1000, 1);
        // The next growth starts 3 pages above where the heap ended.
        heap.0.lock().oom_handler.source.gap = 3 * PAGE_SIZE;
        let second = alloc(&heap, 100 * 1024, 2);
        assert!(!first.is_null() && !second.is_null());
        assert!(holds(first, 1000, 1) && holds(second, 100 * 1024, 2));
        let third = alloc(&heap, 100 * 1024, 3);
        assert!(!third.is_null() && holds(second, 100 * 1024, 2));
    }

    #[test]
    fn an_arena_heap_serves_its_arena_and_no_more() {
        let arena = std::vec![0u8; 64 * 1024].leak();
        // SAFETY: the leaked buffer belongs to this heap alone.
        let heap = unsafe { ArenaHeap::over_arena(arena.as_mut_ptr(), 64 * 1024) };
        let range = arena.as_ptr_range();
        let p = alloc(&heap, 30 * 1024, 5);
        assert!(range.contains(&(p as *const u8)));
        assert!(
            alloc(&heap, 40 * 1024, 6).is_null(),
            "larger than what is left"
        );
        assert!(holds(p, 30 * 1024, 5));
    }
}
