//! User memory as the kernel sees it: every user pointer is an unverified claim. It is checked
//! against the task's own page tables (user half, no overflow, mapped, user-accessible, writable if
//! the kernel writes) and then accessed through the physical-memory window, never through the user
//! address itself.
use super::frames::FrameTable;
use super::{paging, phys};
use abi::layout::{is_user_range, PAGE_SIZE};
use abi::SysError;
use x86_64::structures::paging::PageTableFlags as F;

/// The frame behind a user page, if the user may access it as asked.
pub fn user_frame(
    frames: &mut FrameTable,
    root: u64,
    vaddr: u64,
    write: bool,
) -> Result<u64, SysError> {
    let (frame, flags) =
        paging::lookup(frames, root, vaddr & !(PAGE_SIZE - 1)).ok_or(SysError::NotMapped)?;
    if !flags.contains(F::USER_ACCESSIBLE) || (write && !flags.contains(F::WRITABLE)) {
        return Err(SysError::NotMapped);
    }
    Ok(frame)
}

/// Copies `[addr, addr + out.len())` of a user address space into `out`.
pub fn read(frames: &mut FrameTable, root: u64, addr: u64, out: &mut [u8]) -> Result<(), SysError> {
    if !is_user_range(addr, out.len() as u64) {
        return Err(SysError::BadAddress);
    }
    // Check every page first, so a failure copies nothing.
    let mut done = 0;
    while done < out.len() {
        let a = addr + done as u64;
        user_frame(frames, root, a, false)?;
        done += (PAGE_SIZE - a % PAGE_SIZE) as usize;
    }
    let mut done = 0;
    while done < out.len() {
        let a = addr + done as u64;
        let offset = (a % PAGE_SIZE) as usize;
        let n = (PAGE_SIZE as usize - offset).min(out.len() - done);
        let frame = user_frame(frames, root, a, false)?;
        phys::read(frame, offset, &mut out[done..done + n]);
        done += n;
    }
    Ok(())
}
