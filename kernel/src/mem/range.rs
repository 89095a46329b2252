//! `AsShare`: the mappings of a range of one address space shared (or copied) into another at the
//! same addresses, resumably: one call does at most one last-level table (2 MiB) and
//! `MAX_COPIES` copies, so interrupts are never off for long; absent upper-level entries are
//! skipped whole, so an empty range costs a few entries per level. The per-page path works on raw
//! entries: it is the point of the call.
use super::frames::{FrameState, FrameTable};
use super::paging::{self, Tables, ADDRESS};
use super::phys;
use abi::layout::PAGE_SIZE;
use abi::space::ShareMode;
use abi::{PageRights, SysError};
use core::ops::Range;
use x86_64::structures::paging::PageTableFlags as F;

/// Most frames one call copies.
pub const MAX_COPIES: u32 = 16;
/// What a last-level table maps.
const SPAN: u64 = 512 * PAGE_SIZE;
/// Raw leaf-entry bits.
const PRESENT: u64 = F::PRESENT.bits();
const WRITABLE: u64 = F::WRITABLE.bits();
/// What a shared or copied entry keeps of the source's (not its accessed and dirty bits).
const LEAF: u64 = ADDRESS | PRESENT | WRITABLE | F::USER_ACCESSIBLE.bits() | F::NO_EXECUTE.bits();

/// What `rights & keep` does to a leaf entry: the bits to keep (all but perhaps WRITABLE) and
/// the bits to set (perhaps NO_EXECUTE).
fn masks(keep: PageRights) -> (u64, u64) {
    let w = keep.contains(PageRights::WRITE) as u64 * WRITABLE;
    let nx = !keep.contains(PageRights::EXECUTE) as u64 * F::NO_EXECUTE.bits();
    (!WRITABLE | w, nx)
}

/// Shares the user pages of `[start, end)` (page-aligned, `start < end`) of the space whose
/// top-level table is `src` into `dst`, up to the end of the first last-level table that has
/// any; returns the address to continue from (`end` when done). Pages of other frames (the console
/// page) are skipped. `src_active`: the source is the running space (TLB entries to flush). On an
/// error the pages before the failing one stay shared and every count stays exact.
pub fn share(
    dst: &mut Tables,
    src: u64,
    mode: ShareMode,
    src_active: bool,
    start: u64,
    end: u64,
) -> Result<u64, SysError> {
    let mut va = start;
    let path = loop {
        if va >= end {
            return Ok(end);
        }
        match paging::path(src, va) {
            Ok(path) => break path,
            // Past what the missing entry would map (512 GiB, 1 GiB or 2 MiB).
            Err(level) => va = (va | ((1 << (39 - 9 * level)) - 1)) + 1,
        }
    };
    let stop = ((va | (SPAN - 1)) + 1).min(end);
    // A whole table shared (if the destination has none there): no entry is copied.
    if mode.tables && va.is_multiple_of(SPAN) && stop - va == SPAN && dst.share_table(&path, va)? {
        if src_active {
            (va..stop)
                .step_by(PAGE_SIZE as usize)
                .for_each(paging::flush);
        }
        return Ok(stop);
    }
    let src = phys::entries(path[3]);
    let user = |e: u64| e & PRESENT != 0 && dst.frames.is_user((e & ADDRESS) / PAGE_SIZE);
    // Indices below 512 (so no bounds checks): the last one is that of `stop`'s page before.
    let index = |va: u64| (va / PAGE_SIZE) as usize % 512;
    let (first, end) = (index(va), index(stop - PAGE_SIZE) + 1);
    let Some(first) = paging::used(src, first, end).find(|&i| user(src[i])) else {
        return Ok(stop);
    };
    let target_table = dst.table_at::<3>(va)?;
    let (targets, frames) = (phys::entries(target_table), &mut *dst.frames);
    let (result, added) = fill(frames, src, targets, first..end, stop, mode, src_active);
    frames.adjust_used(target_table, added);
    result
}

/// The per-page loop of `share` over source entries `pages` of one last-level table, whose
/// mappings end at `stop`, on raw entries (a function of its own, so the compiler knows the tables
/// and the frame table do not alias and keeps its values in registers). Returns where to go on,
/// and how many destination entries it filled.
#[inline(never)]
fn fill(
    frames: &mut FrameTable,
    src: &mut [u64; 512],
    targets: &mut [u64; 512],
    pages: Range<usize>,
    stop: u64,
    mode: ShareMode,
    src_active: bool,
) -> (Result<u64, SysError>, i16) {
    let ((dst_and, dst_or), (src_and, src_or)) = (masks(mode.dst_keep), masks(mode.src_keep));
    let (mut added, mut copies, base) = (0, 0, (stop - 1) & !(SPAN - 1));
    for i in pages.start.min(512)..pages.end.min(512) {
        let e = src[i];
        let frame = (e & ADDRESS) / PAGE_SIZE;
        let Some(maps) = (e & PRESENT != 0).then(|| frames.maps_mut(frame)).flatten() else {
            continue;
        };
        if targets[i] != 0 {
            return (Err(SysError::AlreadyMapped), added);
        }
        let (leaf, va) = (e & LEAF, base + i as u64 * PAGE_SIZE);
        if mode.copy_writable && e & WRITABLE != 0 {
            if copies == MAX_COPIES {
                return (Ok(va), added);
            }
            let Ok(copy) = frames.alloc(FrameState::User { maps: 1 }) else {
                return (Err(SysError::OutOfMemory), added);
            };
            phys::copy(copy, frame);
            targets[i] = leaf & !ADDRESS | (copy * PAGE_SIZE);
            copies += 1;
        } else {
            *maps += 1;
            targets[i] = leaf & dst_and | dst_or;
            let kept = leaf & src_and | src_or;
            if kept != leaf {
                src[i] = kept;
                if src_active {
                    paging::flush(va);
                }
            }
        }
        added += 1;
    }
    (Ok(stop), added)
}
