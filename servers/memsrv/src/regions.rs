//! Where a process's memory may be: the server resolves faults, commits page tables and checks
//! mappings by these.
use heapless::Vec;
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP};

/// The stack grows on demand down to this far below `STACK_TOP`.
pub const STACK_MAX: u64 = 1 << 20;

/// A loaded ELF segment, as far as faults care: code and read-only data must stay read-only.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub start: u64,
    pub end: u64,
    pub writable: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Regions {
    pub segments: Vec<Segment, 8>,
    /// The heap: `[heap_start, brk)`, demand-zero.
    pub heap_start: u64,
    pub brk: u64,
    /// The range `page_alloc` has mapped into (lowest and one past the highest page). Only a
    /// bound: the pages in it are found through the page tables committed for them.
    pub allocated: (u64, u64),
}

impl Regions {
    #[inline]
    pub fn is_read_only(&self, page: u64) -> bool {
        let hit = |s: &&Segment| (s.start..s.end).contains(&page);
        self.segments.iter().find(hit).is_some_and(|s| !s.writable)
    }

    /// The heap's pages: `[heap_start, the break rounded up)`.
    pub fn heap(&self) -> (u64, u64) {
        (self.heap_start, self.brk.next_multiple_of(PAGE_SIZE))
    }

    /// The heap below the break: zeroed pages appear there when first touched.
    #[inline]
    pub fn is_heap(&self, page: u64) -> bool {
        let (start, end) = self.heap();
        (start..end).contains(&page)
    }

    /// The stack's region: zeroed pages appear there when first touched.
    #[inline]
    pub fn is_stack(&self, page: u64) -> bool {
        (STACK_TOP - STACK_MAX..STACK_TOP).contains(&page)
    }

    /// Whether the process may have a page here: its segments, heap, `page_alloc`ed range, stack,
    /// IPC buffer or the console.
    #[inline]
    pub fn may_map(&self, page: u64) -> bool {
        let (lo, hi) = self.allocated;
        self.segments
            .iter()
            .any(|s| (s.start..s.end).contains(&page))
            || self.is_heap(page)
            || (lo..hi).contains(&page)
            || self.is_stack(page)
            || page == IPC_BUFFER
            || page == CONSOLE
    }

    /// Every range where the process may have pages (segments, heap, `page_alloc`ed pages,
    /// stack), sorted and merged: what fork shares. (The IPC buffer, above the stack, is not in
    /// it; the kernel skips what is not mapped, so a wide `page_alloc` range costs little.)
    pub fn ranges(&self) -> Vec<(u64, u64), 12> {
        let mut all: Vec<(u64, u64), 12> = Vec::new();
        let stack = (STACK_TOP - STACK_MAX, STACK_TOP);
        let segments = self.segments.iter().map(|s| (s.start, s.end));
        for range in segments.chain([self.heap(), self.allocated, stack]) {
            if range.0 < range.1 {
                let _ = all.push(range); // (at most 8 segments and 3 more)
            }
        }
        all.sort_unstable();
        let mut merged: Vec<(u64, u64), 12> = Vec::new();
        for (start, end) in all {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => {
                    let _ = merged.push((start, end));
                }
            }
        }
        merged
    }

    /// What a copy-on-write fork shares: `ranges`, each widened to whole 2 MiB spans so the
    /// kernel can share their last-level tables whole (the process has nothing else there), but
    /// not into the span of the stack top, which holds the IPC buffer (never shared); merged again.
    pub fn fork_ranges(&self) -> Vec<(u64, u64), 12> {
        const SPAN: u64 = 512 * PAGE_SIZE;
        let top_span = IPC_BUFFER & !(SPAN - 1);
        let mut merged: Vec<(u64, u64), 12> = Vec::new();
        for (start, end) in self.ranges() {
            let (start, end) = match end.next_multiple_of(SPAN) {
                wide if wide <= top_span => (start & !(SPAN - 1), wide),
                _ => (start, end),
            };
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => {
                    let _ = merged.push((start, end)); // (no more than `ranges`)
                }
            }
        }
        merged
    }

    pub fn note_allocated(&mut self, page: u64) {
        let (lo, hi) = self.allocated;
        self.allocated = if lo == hi {
            (page, page + PAGE_SIZE)
        } else {
            (lo.min(page), hi.max(page + PAGE_SIZE))
        };
    }
}
