//! The server's own heap, for its process records and committed page tables (`hashbrown` maps,
//! `map.rs`): so its tables grow with what runs instead of being fixed. The server cannot `sbrk`
//! itself (it is the one that answers `sbrk`), so the heap grows by mapping fresh frames from the
//! pool into its own address space, above everything else it maps. These frames are not charged to any
//! job: they come out of the reserve, which is what it is for, and the records they hold are
//! bounded per job (`jobs.rs`).
//!
//! Every insertion into a map reserves first (`try_reserve`), so a heap that cannot grow is a
//! refused request, never a panic.
use crate::{OWN_SPACE, POOL};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use userlib::heap::{Break, Growth, Heap};
use userlib::layout::PAGE_SIZE;
use userlib::{sys, PageRights};

/// Where the heap starts in the server's space (the boot archive is at 16 TiB, the scratch
/// window at 80 TiB).
pub const BASE: u64 = 0x0000_6000_0000_0000;
/// The most the heap may grow to: far beyond what the per-job bounds let the records take.
const LIMIT: u64 = 1 << 30;

/// Where the heap ends now (the viewer shows the server's pages up to here).
static END: AtomicU64 = AtomicU64::new(BASE);

/// The end of the heap's mapped pages.
pub fn end() -> u64 {
    END.load(Relaxed)
}

/// The heap's source: fresh zeroed frames mapped at its end.
pub struct OwnPages;

impl Break for OwnPages {
    fn grow(&mut self, bytes: u64) -> Option<u64> {
        let start = END.load(Relaxed);
        let end = start.checked_add(bytes.next_multiple_of(PAGE_SIZE))?;
        if end > BASE + LIMIT {
            return None;
        }
        for page in (start..end).step_by(PAGE_SIZE as usize) {
            if sys::as_alloc(OWN_SPACE, POOL, page, PageRights::WRITE).is_err() {
                // Give back what this growth mapped: the heap stays as it was.
                for mapped in (start..page).step_by(PAGE_SIZE as usize) {
                    let _ = sys::as_release(OWN_SPACE, mapped);
                }
                return None;
            }
        }
        END.store(end, Relaxed);
        Some(start)
    }
}

#[global_allocator]
static HEAP: Heap<Growth<OwnPages>> = Heap::growing(OwnPages);
