//! Page faults: a first touch of the heap or stack gets a zeroed page; a write to a page shared
//! copy-on-write gets a private copy (or just its write right back, if no one else shares it any
//! more). Anything else is an invalid access, and the process is killed with the reason.
use crate::{Server, POOL};
use userlib::layout::{is_user_page, PAGE_SIZE};
use userlib::{sys, CapSlot, PageRights, SysError};

/// x86 page-fault error-code bits.
const PRESENT: u64 = 1 << 0;
const WRITE: u64 = 1 << 1;
const FETCH: u64 = 1 << 4;

/// How a fault is resolved.
pub enum Fix {
    /// Resolved already: the reply just resumes the process.
    Resumed,
    /// The reply maps a zeroed page (`fault::MAP_ZEROED`, these words); `stack`: a stack page,
    /// charged now (given back if the map fails).
    MapZeroed { words: [u64; 4], stack: bool },
}

/// A map the last fault reply asked for, kept until the reply has gone: if the kernel could not
/// make it (the reply fails, the process still waits), the server kills the process.
pub struct PendingMap {
    pub pid: u64,
    pub stack: bool,
    /// The fault notice's words (task, address, error code, rip), for the reason printed.
    pub notice: [u64; 4],
}

impl Server {
    /// The kernel could not make the map a fault reply asked for (`e`: no memory, say): the
    /// charge goes back and the process is killed with the reason.
    pub fn map_failed(&mut self, m: PendingMap, e: SysError) {
        self.ledger.uncharge(m.pid, m.stack as u64);
        let why = match e {
            SysError::OutOfMemory => "out of memory",
            _ => "the kernel refused the map",
        };
        self.kill_for_fault(m.pid, &m.notice, why);
    }

    /// Resolves a fault of `pid` (whose address space is `space`) or says why it cannot be
    /// resolved. (The hot path: one record lookup, no kernel call for a demand-zero page: the
    /// reply maps it.)
    pub fn page_fault(
        &mut self,
        pid: u64,
        space: CapSlot,
        addr: u64,
        code: u64,
    ) -> Result<Fix, &'static str> {
        let page = addr & !(PAGE_SIZE - 1);
        let p = self.ledger.procs.get(pid).ok_or("no record")?;
        if !is_user_page(page) {
            return Err("not a user address");
        }
        if code & PRESENT == 0 {
            // Heap pages were committed by `sbrk`; a stack page is committed when first touched.
            // (Their page tables were committed with the heap and at spawn; the kernel's count
            // is compared with the charge when the process ends and at every check.)
            let stack = p.regions.is_stack(page);
            if !(stack || p.regions.is_heap(page)) {
                return Err("nothing mapped there");
            }
            if stack {
                self.ledger
                    .charge_fault(pid, 1)
                    .map_err(|_| "out of memory")?;
            }
            let words = [
                space.0.into(),
                POOL.0.into(),
                page,
                PageRights::WRITE.bits(),
            ];
            return Ok(Fix::MapZeroed { words, stack });
        }
        if code & FETCH != 0 || code & WRITE == 0 || p.regions.is_read_only(page) {
            return Err("access not allowed");
        }
        self.copy_on_write(space, page).map(|()| Fix::Resumed)
    }

    /// Gives back the write right to a page shared copy-on-write: a private copy if others still
    /// share the frame, else the frame itself.
    fn copy_on_write(&mut self, space: CapSlot, page: u64) -> Result<(), &'static str> {
        let m = sys::as_mapping(space, page).map_err(|_| "not mapped")?;
        let rights = m.rights | PageRights::WRITE;
        if m.rights.contains(PageRights::WRITE) {
            return Ok(()); // another fault resolved it first
        }
        if m.maps <= 1 {
            return sys::as_protect(space, page, rights).map_err(|_| "cannot protect");
        }
        // The copy was committed when the page became shared (the fork charged the child as
        // much as the parent had).
        sys::as_copy(space, POOL, page, rights)
            .map(drop)
            .map_err(|_| "out of memory (copy-on-write)")
    }
}
