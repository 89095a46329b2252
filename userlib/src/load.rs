//! Loading an ELF program into another address space through capability calls, for the servers
//! that start programs (init starts the memory server; the memory server starts processes). Every
//! page is a fresh zeroed frame from the pool (`AsAlloc`), filled through a scratch window in the
//! loader's own address space. Nothing is recorded: destroying the address space gives every frame
//! back (`AsDestroy` releases what loses its last mapping).
use crate::{sys, CapSlot, PageRights, Result, SysError};
use abi::elf::LoadTarget;
use abi::layout::PAGE_SIZE;

/// A loader's own address space, pool and scratch window (an address in its own space where it
/// maps one target frame at a time).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// The loader's own address space (with `MAP`).
    pub own_space: CapSlot,
    /// The frame pool that pays for the target's pages.
    pub pool: CapSlot,
    /// The page-aligned address in the loader's space where frames are mapped one at a time.
    pub scratch: u64,
}

impl Window {
    /// Makes the loader's own page tables for the scratch window exist for its whole life: a page
    /// mapped next to it keeps them (the kernel frees a table when its last mapping goes), so
    /// loading does not build and free tables for every page, and censuses taken before and after
    /// a program compare like with like.
    pub fn prepare(self) -> Result<Window> {
        let anchor = self.scratch + PAGE_SIZE;
        sys::as_alloc(self.own_space, self.pool, anchor, PageRights::empty())?;
        Ok(self)
    }

    /// Maps `frame` at the scratch address while `f` works on its bytes.
    pub fn with_frame<R>(self, frame: u64, f: impl FnOnce(&mut [u8]) -> R) -> Result<R> {
        let at = self.scratch;
        sys::as_map(self.own_space, self.pool, frame, at, PageRights::WRITE)?;
        // SAFETY: `at` now maps one writable page that nothing else in this program uses, until
        // the unmap below; the slice does not outlive `f`.
        let result =
            f(unsafe { core::slice::from_raw_parts_mut(at as *mut u8, PAGE_SIZE as usize) });
        sys::as_unmap(self.own_space, at)?;
        Ok(result)
    }
}

/// Loads into the address space `space` (an `abi::elf::LoadTarget`).
pub struct Loader {
    /// The address space being filled.
    pub space: CapSlot,
    /// How the loader reaches the target's frames.
    pub window: Window,
}

impl Loader {
    /// Maps a fresh zeroed frame at `page` in the target, or widens the rights of what is there.
    pub fn page(&mut self, page: u64, rights: PageRights) -> Result<u64> {
        if let Ok((frame, old)) = sys::as_query(self.space, page) {
            sys::as_protect(self.space, page, old | rights)?;
            return Ok(frame);
        }
        sys::as_alloc(self.space, self.window.pool, page, rights)
    }

    /// Copies `bytes` into the target at `vaddr` (its pages exist already).
    pub fn copy(&mut self, vaddr: u64, bytes: &[u8]) -> Result<()> {
        let mut done = 0;
        while done < bytes.len() {
            let at = vaddr + done as u64;
            let offset = (at % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - offset).min(bytes.len() - done);
            let (frame, _) = sys::as_query(self.space, at - offset as u64)?;
            self.window.with_frame(frame, |page| {
                page[offset..offset + n].copy_from_slice(&bytes[done..done + n])
            })?;
            done += n;
        }
        Ok(())
    }
}

impl LoadTarget for Loader {
    type Error = SysError;
    fn ensure_page(&mut self, page: u64, writable: bool, executable: bool) -> Result<()> {
        self.page(page, PageRights::for_segment(writable, executable))
            .map(drop)
    }
    fn write(&mut self, vaddr: u64, bytes: &[u8]) -> Result<()> {
        self.copy(vaddr, bytes)
    }
}
