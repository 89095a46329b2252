//! Frames from the pool, and address spaces: create, map, unmap, protect, query, list, destroy.
use super::{ensure, Args, Done, SysResult};
use crate::mem::frames::FrameState;
use crate::mem::paging::{self, Tables};
use crate::mem::{phys, range};
use crate::obj::cap::Cap;
use crate::obj::space::Space;
use crate::sched::Kernel;
use abi::layout::{is_user_page, CONSOLE, PAGE_SIZE, USER_TOP};
use abi::space::{ShareMode, UnmapFlags, PAGES_PER_CALL};
use abi::{CapKind, PageRights, Rights, SysError};

fn page(vaddr: u64) -> Result<u64, SysError> {
    ensure(is_user_page(vaddr), SysError::BadAddress).map(|_| vaddr)
}

fn page_rights(bits: u64) -> Result<PageRights, SysError> {
    PageRights::from_bits(bits).ok_or(SysError::InvalidArgument)
}

/// How many page-table frames space `index` owns, its root included. The calls that may build
/// tables return it, so whoever pays for a space (the memory server) can charge what its tables
/// really cost.
fn tables_of(k: &Kernel, index: u16) -> u64 {
    k.spaces.at(index).map_or(0, |s| u64::from(s.tables))
}

/// The address space a capability names: its index and root table.
fn space(k: &mut Kernel, t: u16, slot: u64, rights: Rights) -> Result<(u16, u64), SysError> {
    let cap = k.lookup(t, slot, CapKind::AddressSpace, rights)?;
    let root = k.spaces.get(cap.index, cap.gen)?.root;
    Ok((cap.index, root))
}

pub fn frame_alloc(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::FramePool, Rights::MAP)?;
    let frame = k.frames.alloc_zeroed(FrameState::User { maps: 0 })?;
    k.results(t, [frame])
}

pub fn frame_free(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::FramePool, Rights::MAP)?;
    k.frames.free_user(a[1])?;
    Ok(Done::Return)
}

pub fn space_create(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::FramePool, Rights::MAP)?;
    k.task(t).caps.check_empty(a[1])?;
    let (index, gen) = k.new_space()?;
    let rights = Rights::MAP | Rights::READ | Rights::CONTROL;
    // Cannot fail: the slot was checked empty and nothing ran since.
    let _ = k.insert_cap(t, a[1], Cap::new(CapKind::AddressSpace, index, gen, rights));
    Ok(Done::Return)
}

impl Kernel {
    /// A new address space with the kernel half and the console page (WeensyOS's 0xB8000).
    pub fn new_space(&mut self) -> Result<(u16, u64), SysError> {
        ensure(self.spaces.has_room(), SysError::OutOfMemory)?;
        let root = paging::new_root(&mut self.frames, self.kernel_root)?;
        let space = Space {
            root,
            tables: 1,
            tasks: 0,
        };
        let (index, gen) = self.spaces.alloc(space)?;
        let console = self.console_frame;
        if let Err(e) = self.tables(index)?.map(CONSOLE, console, PageRights::WRITE) {
            self.destroy(CapKind::AddressSpace, index);
            return Err(e);
        }
        Ok((index, gen))
    }

    /// An entry of `root` at `vaddr` was removed or lost rights: no TLB may keep the old one.
    fn flush_if_active(&mut self, root: u64, vaddr: u64) {
        if self.active_root == root {
            paging::flush(vaddr);
        }
        self.flush_elsewhere(root);
    }

    /// The page tables of live space `index`, to edit. (An edit may give the space its own copy of
    /// a shared table, which other CPUs running it may still cache: they flush.)
    pub(crate) fn tables(&mut self, index: u16) -> Result<Tables<'_>, SysError> {
        let root = self.spaces.at(index).ok_or(SysError::StaleCap)?.root;
        self.flush_elsewhere(root);
        let space = self.spaces.at_mut(index).ok_or(SysError::StaleCap)?;
        let (frames, root, count) = (&mut self.frames, space.root, &mut space.tables);
        Ok(Tables {
            frames,
            root,
            count,
        })
    }
}

pub fn map(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (index, _) = space(k, t, a[0], Rights::MAP)?;
    k.lookup(t, a[1], CapKind::FramePool, Rights::MAP)?;
    let (frame, vaddr, rights) = (a[2], page(a[3])?, page_rights(a[4])?);
    ensure(k.frames.is_user(frame), SysError::BadFrame)?;
    k.tables(index)?.map(vaddr, frame, rights)?;
    k.results(t, [tables_of(k, index)])
}

/// `AsMapDevice(device frames, space, vaddr, page, rights)`: page `page` of the device's memory at
/// `vaddr`, never executable. Its frame is not RAM, so no map count changes and unmapping or
/// destroying the space just drops it (`FrameTable::drop_map`); `AsShare` skips it (and never
/// shares its table whole), `AsCopy` refuses it.
pub fn map_device(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    k.lookup(t, a[0], CapKind::DeviceFrames, Rights::MAP)?;
    let (index, root) = space(k, t, a[1], Rights::MAP)?;
    let (vaddr, rights) = (page(a[2])?, page_rights(a[4])?);
    let device = k.framebuffer.ok_or(SysError::StaleCap)?;
    let fits = a[3] < device.pages() && !rights.contains(PageRights::EXECUTE);
    ensure(fits, SysError::InvalidArgument)?;
    k.tables(index)?.map(vaddr, device.first + a[3], rights)?;
    paging::mark_device(root, vaddr);
    k.results(t, [tables_of(k, index)])
}

/// A fresh zeroed frame from the pool, mapped: `AsMap` without a separate `FrameAlloc`.
pub fn alloc(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (index, _) = space(k, t, a[0], Rights::MAP)?;
    k.lookup(t, a[1], CapKind::FramePool, Rights::MAP)?;
    let (vaddr, rights) = (page(a[2])?, page_rights(a[3])?);
    let frame = k.tables(index)?.alloc(vaddr, rights)?;
    k.results(t, [frame, tables_of(k, index)])
}

pub fn unmap(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (index, root) = space(k, t, a[0], Rights::MAP)?;
    let vaddr = page(a[1])?;
    let flags = UnmapFlags::from_bits(a[2]).ok_or(SysError::InvalidArgument)?;
    let frame = k.tables(index)?.unmap(vaddr)?;
    if flags.contains(UnmapFlags::RELEASE) {
        // Back to the free list if that was its last mapping.
        let _ = k.frames.free_user(frame);
    }
    k.flush_if_active(root, vaddr);
    k.results(t, [frame])
}

/// Shares (or copies) the mappings of a range of one space into another; bounded work per call.
pub fn share(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (src, src_root) = space(k, t, a[0], Rights::MAP)?;
    let (dst, _) = space(k, t, a[1], Rights::MAP)?;
    let (start, end) = (a[2], a[3]);
    let in_user = is_user_page(start) && (is_user_page(end) || end == USER_TOP);
    ensure(in_user && start < end, SysError::BadAddress)?;
    let mode = ShareMode::from_word(a[4]).ok_or(SysError::InvalidArgument)?;
    ensure(src != dst, SysError::InvalidArgument)?;
    if mode.copy_writable {
        k.lookup(t, a[5], CapKind::FramePool, Rights::MAP)?;
    }
    let src_active = k.active_root == src_root;
    // The source's entries may lose write (copy-on-write) on every CPU running it.
    k.flush_elsewhere(src_root);
    let next = range::share(&mut k.tables(dst)?, src_root, mode, src_active, start, end)?;
    k.results(t, [next, tables_of(k, dst)])
}

/// Replaces a mapping with a private copy of its frame (the copy-on-write break).
pub fn copy(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (_, root) = space(k, t, a[0], Rights::MAP)?;
    k.lookup(t, a[1], CapKind::FramePool, Rights::MAP)?;
    let (vaddr, rights) = (page(a[2])?, page_rights(a[3])?);
    let frame = paging::copy(&mut k.frames, root, vaddr, rights)?;
    k.flush_if_active(root, vaddr);
    k.results(t, [frame])
}

pub fn protect(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (_, root) = space(k, t, a[0], Rights::MAP)?;
    let (vaddr, rights) = (page(a[1])?, page_rights(a[2])?);
    // Device memory stays never executable (`map_device`).
    let frame = paging::lookup(root, vaddr).map_or(u64::MAX, |(f, _)| f);
    let device = k.framebuffer.is_some_and(|d| d.contains(frame));
    let exec = rights.contains(PageRights::EXECUTE);
    ensure(!(device && exec), SysError::InvalidArgument)?;
    paging::protect(&mut k.frames, root, vaddr, rights)?;
    k.flush_if_active(root, vaddr);
    Ok(Done::Return)
}

pub fn query(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (index, root) = space(k, t, a[0], Rights::READ)?;
    let vaddr = page(a[1])?;
    let (frame, flags, maps) = paging::query(&k.frames, root, vaddr).ok_or(SysError::NotMapped)?;
    let rights = paging::rights_of(flags).bits();
    k.results(t, [frame, rights, maps.into(), tables_of(k, index)])
}

/// `AsPages`: the mapped pages of `[a1, a2)` into the caller's IPC buffer, two words each; r0 how
/// many, r1 where to go on. The walk skips empty tables and its work is bounded (`paging::list`).
pub fn pages(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let (_, root) = space(k, t, a[0], Rights::READ)?;
    let (start, end) = (a[1], a[2]);
    let in_user = (start | end) % PAGE_SIZE == 0 && start <= end && end <= USER_TOP;
    ensure(in_user, SysError::BadAddress)?;
    let buffer = k.ipc_buffer(t).ok_or(SysError::NoIpcBuffer)?;
    let mut count = 0;
    let next = paging::list(&k.frames, root, (start, end), |page| {
        let words = page.pack();
        phys::write_u64(buffer, 2 * count, words[0]);
        phys::write_u64(buffer, 2 * count + 1, words[1]);
        count += 1;
        count < PAGES_PER_CALL
    });
    k.results(t, [count as u64, next])
}

pub fn space_destroy(k: &mut Kernel, t: u16, a: &Args) -> SysResult {
    let cap = k.lookup(t, a[0], CapKind::AddressSpace, Rights::CONTROL)?;
    let tasks = k.spaces.get(cap.index, cap.gen)?.tasks;
    ensure(tasks == 0, SysError::InUse)?;
    k.destroy(CapKind::AddressSpace, cap.index);
    Ok(Done::Return)
}
