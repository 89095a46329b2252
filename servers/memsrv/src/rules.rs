//! The rules of the consistency check (`check.rs` in the program walks the pages and asks the
//! kernel; these say what is wrong with what it found).
use crate::regions::Regions;

/// The rule a page mapped at `page` breaks, if any: it must be where the process may have
/// pages, code and read-only data must not be writable, and a frame mapped more than once
/// (shared copy-on-write) must not be writable.
pub fn page_rule(r: &Regions, page: u64, writable: bool, maps: u64) -> Option<&'static str> {
    if !r.may_map(page) {
        Some("mapped where the process has nothing (above the break, say)")
    } else if r.is_read_only(page) && writable {
        Some("code or read-only data is writable")
    } else if writable && maps > 1 {
        Some("a frame shared with another mapping is writable")
    } else {
        None
    }
}

/// Whether the kernel's count of a space's page-table frames shows a table nobody paid for:
/// it can only be lower than the charge (tables appear when their first page is mapped).
pub fn tables_unpaid(kernel: u64, charged: u64) -> bool {
    kernel > charged
}

/// The frames mapped a different number of times than the kernel counts: `seen` holds one
/// `(frame, kernel's count, in a shared table)` per mapping found (sorted here). Yields (frame,
/// mappings found, kernel's count). A count seen through a table spaces share is a lower bound
/// (`MappedPage::maps`), so a frame seen so is only wrong if found fewer times.
pub fn miscounted(seen: &mut [(u64, u64, bool)]) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
    seen.sort_unstable();
    seen.chunk_by(|a, b| a.0 == b.0).filter_map(|run| {
        let found = run.len() as u64;
        let kernel = run.iter().map(|v| v.1).max().unwrap_or(0);
        let right = match run.iter().any(|v| v.2) {
            true => found >= kernel,
            false => run.iter().all(|v| v.1 == found),
        };
        (!right).then_some((run[0].0, found, kernel))
    })
}
