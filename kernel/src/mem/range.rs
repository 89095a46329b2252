//! `AsShare`: the mappings of a range of one address space shared (or copied) into another at the
//! same addresses, resumably: one call does at most one last-level table (2 MiB) and
//! `MAX_COPIES` copies, so interrupts are never off for long; absent upper-level entries are
//! skipped whole, so an empty range costs a few entries per level.
use super::frames::{FrameState, FrameTable};
use super::paging::{self, frame_of, leaf_flags, rights_of, MapError};
use super::phys;
use abi::layout::PAGE_SIZE;
use abi::space::ShareMode;
use abi::PageRights;

/// Most frames one call copies.
pub const MAX_COPIES: u32 = 16;

/// What one `AsShare` call works on: the two spaces' top-level tables, the mode, and whether the
/// source is the active space (its TLB entries then need flushing when its rights shrink).
pub struct Share {
    pub src: u64,
    pub dst: u64,
    pub mode: ShareMode,
    pub src_active: bool,
}

/// The last-level table of `root` for `va`, or the size of the empty region there (what the
/// absent entry would map: 512 GiB, 1 GiB or 2 MiB).
fn leaf_table(root: u64, va: u64) -> Result<u64, u64> {
    let mut table = root;
    for shift in [39, 30, 21] {
        let entry = &phys::table(table)[(va >> shift) as usize % 512];
        if entry.is_unused() {
            return Err(1 << shift);
        }
        table = frame_of(entry.addr());
    }
    Ok(table)
}

/// Shares the user pages of `[start, end)` (page-aligned, `start < end`) from `s.src` into
/// `s.dst`, up to the end of the first last-level table found; returns the address to continue
/// from (`end` when done). Pages of other frames (the console page) are skipped. On an error the
/// pages before the failing one stay shared and every count stays exact; tables made in the
/// destination are counted in `dst_tables`.
pub fn share(
    frames: &mut FrameTable,
    dst_tables: &mut u32,
    s: &Share,
    start: u64,
    end: u64,
) -> Result<u64, MapError> {
    let mut va = start;
    let table = loop {
        if va >= end {
            return Ok(end);
        }
        match leaf_table(s.src, va) {
            Ok(table) => break table,
            Err(span) => va = (va | (span - 1)) + 1,
        }
    };
    let stop = ((va | (512 * PAGE_SIZE - 1)) + 1).min(end);
    let (mut dst, mut added) = (None, 0);
    let result = share_table(frames, dst_tables, s, table, va, stop, &mut dst, &mut added);
    if let Some(dst) = dst {
        frames.adjust_used(dst, added);
    }
    result
}

/// The work of `share` in one source table `table`, from `va` to `stop`. The destination table
/// is made on the first page to share (`dst`); `added` counts the entries filled in it.
#[allow(clippy::too_many_arguments)]
fn share_table(
    frames: &mut FrameTable,
    dst_tables: &mut u32,
    s: &Share,
    table: u64,
    mut va: u64,
    stop: u64,
    dst: &mut Option<u64>,
    added: &mut i16,
) -> Result<u64, MapError> {
    let (src_entries, mut copies) = (phys::table(table), 0);
    while va < stop {
        let index = (va / PAGE_SIZE) as usize % 512;
        let entry = &mut src_entries[index];
        let frame = frame_of(entry.addr());
        if entry.is_unused() || !frames.is_user(frame) {
            va += PAGE_SIZE;
            continue;
        }
        let dst_table = match *dst {
            Some(t) => t,
            None => *dst.insert(paging::walk(frames, s.dst, va, Some(dst_tables))?[3]),
        };
        let target = &mut phys::table(dst_table)[index];
        if !target.is_unused() {
            return Err(MapError::AlreadyMapped);
        }
        let rights = rights_of(entry.flags());
        if s.mode.copy_writable && rights.contains(PageRights::WRITE) {
            if copies == MAX_COPIES {
                return Ok(va);
            }
            let copy = frames
                .alloc(FrameState::User { maps: 1 })
                .map_err(|_| MapError::OutOfMemory)?;
            phys::copy(copy, frame);
            paging::set(target, copy, rights);
            copies += 1;
        } else {
            paging::set(target, frame, rights & s.mode.dst_keep);
            frames.adjust_maps(frame, 1);
            let kept = rights & s.mode.src_keep;
            if kept != rights {
                entry.set_flags(leaf_flags(kept));
                if s.src_active {
                    paging::flush(va);
                }
            }
        }
        *added += 1;
        va += PAGE_SIZE;
    }
    Ok(va)
}
