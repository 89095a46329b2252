//! Loading a program into a fresh address space through capability calls: every frame comes from
//! the pool and is filled through a temporary mapping in init's own space. Destroying the space
//! gives the frames back (`AsDestroy` releases what only that space mapped).
use userlib::abi::elf::LoadTarget;
use userlib::layout::PAGE_SIZE;
use userlib::{init_slots, sys, CapSlot, PageRights, SysError};

/// Where init maps a child's frame to fill it.
const SCRATCH: u64 = 0x0000_5000_0000_0000;

/// Makes init's own page tables for `SCRATCH` exist for init's whole life: a page mapped next to
/// it keeps them (the kernel frees a table when its last mapping goes). So loading does not build
/// and free tables for every page, and censuses before and after programs compare like with like.
pub fn prepare_scratch() -> Result<(), SysError> {
    let anchor = sys::frame_alloc(init_slots::POOL)?;
    let own = init_slots::SELF_SPACE;
    sys::as_map(
        own,
        init_slots::POOL,
        anchor,
        SCRATCH + PAGE_SIZE,
        PageRights::empty(),
    )
}

/// Maps `frame` at `SCRATCH` in init's own space while `f` works on its bytes.
fn with_scratch(frame: u64, f: impl FnOnce(&mut [u8])) -> Result<(), SysError> {
    let own = init_slots::SELF_SPACE;
    sys::as_map(own, init_slots::POOL, frame, SCRATCH, PageRights::WRITE)?;
    // SAFETY: SCRATCH now maps one writable page that nothing else in init uses, until the unmap
    // below; the slice does not outlive `f`.
    f(unsafe { core::slice::from_raw_parts_mut(SCRATCH as *mut u8, PAGE_SIZE as usize) });
    sys::as_unmap(own, SCRATCH).map(|_| ())
}

pub struct Loader {
    pub space: CapSlot,
}

impl Loader {
    /// Maps a fresh zeroed frame at `page` in the child, or widens the rights of what is there.
    pub fn page(&mut self, page: u64, rights: PageRights) -> Result<u64, SysError> {
        if let Ok((frame, old)) = sys::as_query(self.space, page) {
            sys::as_protect(self.space, page, old | rights)?;
            return Ok(frame);
        }
        sys::as_alloc(self.space, init_slots::POOL, page, rights)
    }

    /// Copies `bytes` into the child at `vaddr` (its pages exist already).
    pub fn copy(&mut self, vaddr: u64, bytes: &[u8]) -> Result<(), SysError> {
        let mut done = 0;
        while done < bytes.len() {
            let at = vaddr + done as u64;
            let offset = (at % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - offset).min(bytes.len() - done);
            let (frame, _) = sys::as_query(self.space, at - offset as u64)?;
            with_scratch(frame, |page| {
                page[offset..offset + n].copy_from_slice(&bytes[done..done + n])
            })?;
            done += n;
        }
        Ok(())
    }
}

impl LoadTarget for Loader {
    type Error = SysError;
    fn ensure_page(&mut self, page: u64, writable: bool, executable: bool) -> Result<(), SysError> {
        self.page(page, PageRights::for_segment(writable, executable))
            .map(|_| ())
    }
    fn write(&mut self, vaddr: u64, bytes: &[u8]) -> Result<(), SysError> {
        self.copy(vaddr, bytes)
    }
}
