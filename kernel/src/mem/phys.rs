//! The window onto physical memory: the bootloader maps all of it at `PHYSICAL_MEMORY_OFFSET`.
//! The kernel touches page tables, frames and user memory only through here (never through user
//! addresses, so SMAP stays on and a bad user pointer can never fault the kernel).
use abi::layout::PAGE_SIZE;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::structures::paging::PageTable;

/// Where the bootloader maps all physical memory (`boot::BOOTLOADER_CONFIG` asks for it): the start
/// of the upper half. Everything the kernel needs lives in the upper half, so user space owns the
/// whole lower half.
pub const PHYSICAL_MEMORY_OFFSET: u64 = 0xFFFF_8000_0000_0000;

/// Where the window starts: the bootloader's mapping, or a plain buffer in host tests.
static WINDOW: AtomicU64 = AtomicU64::new(PHYSICAL_MEMORY_OFFSET);

fn frame_ptr(frame: u64) -> *mut u8 {
    (WINDOW.load(Ordering::Relaxed) + frame * PAGE_SIZE) as *mut u8
}

/// Host tests: the window opens on a buffer standing for physical memory (`tests::host`).
#[cfg(test)]
pub fn set_window(start: u64) {
    WINDOW.store(start, Ordering::Relaxed);
}

/// The page table in `frame`.
///
/// Callers pass only frames the frame table says are page-table frames of an address space they
/// are working on; the kernel is single-threaded and holds no other reference to that table.
pub fn table(frame: u64) -> &'static mut PageTable {
    // SAFETY: every RAM frame is mapped in the window, page tables are 4 KiB-aligned frames, and per
    // the contract above no other reference to this table is alive.
    unsafe { &mut *(frame_ptr(frame) as *mut PageTable) }
}

/// The page table in `frame` as raw entries (the same contract as `table`).
pub fn entries(frame: u64) -> &'static mut [u64; 512] {
    // SAFETY: as in `table`: a 4 KiB-aligned RAM frame in the window, no other reference alive.
    unsafe { &mut *(frame_ptr(frame) as *mut [u64; 512]) }
}

pub fn zero(frame: u64) {
    // SAFETY: the frame is RAM mapped in the window; nothing else references its contents.
    unsafe { core::ptr::write_bytes(frame_ptr(frame), 0, PAGE_SIZE as usize) }
}

/// Copies the whole of frame `src` into frame `dst`.
pub fn copy(dst: u64, src: u64) {
    // SAFETY: two distinct RAM frames mapped in the window (the caller just allocated `dst`, so it
    // is not `src`); nothing else references their contents.
    unsafe { core::ptr::copy_nonoverlapping(frame_ptr(src), frame_ptr(dst), PAGE_SIZE as usize) }
}

/// Copies `src` into `frame` at `offset` (the range must stay inside the frame).
pub fn write(frame: u64, offset: usize, src: &[u8]) {
    assert!(offset + src.len() <= PAGE_SIZE as usize);
    // SAFETY: the destination range is inside one RAM frame mapped in the window and cannot overlap
    // `src`, which is kernel data or another frame's contents read earlier.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), frame_ptr(frame).add(offset), src.len()) }
}

/// Copies from `frame` at `offset` into `dst`.
pub fn read(frame: u64, offset: usize, dst: &mut [u8]) {
    assert!(offset + dst.len() <= PAGE_SIZE as usize);
    // SAFETY: as in `write`, with the roles swapped.
    unsafe {
        core::ptr::copy_nonoverlapping(frame_ptr(frame).add(offset), dst.as_mut_ptr(), dst.len())
    }
}

/// The `u64` at `index` in `frame` (volatile: user space may write it).
pub fn read_u64(frame: u64, index: usize) -> u64 {
    assert!(index < 512);
    // SAFETY: an aligned u64 inside a mapped RAM frame.
    unsafe { core::ptr::read_volatile((frame_ptr(frame) as *const u64).add(index)) }
}

pub fn write_u64(frame: u64, index: usize, value: u64) {
    assert!(index < 512);
    // SAFETY: an aligned u64 inside a mapped RAM frame.
    unsafe { core::ptr::write_volatile((frame_ptr(frame) as *mut u64).add(index), value) }
}

/// Copies the `u64`s at `words` of frame `src` to the same indices of frame `dst` (message words
/// from IPC buffer to IPC buffer; the two may be one frame, shared by two tasks of one space).
/// An empty range (`start >= end`) copies nothing.
pub fn copy_words(dst: u64, src: u64, words: core::ops::Range<usize>) {
    let len = words.end.saturating_sub(words.start);
    assert!(words.start + len <= 512);
    let (from, to) = (frame_ptr(src) as *const u64, frame_ptr(dst) as *mut u64);
    // SAFETY: both ranges are inside mapped RAM frames (checked above); `copy` allows overlap.
    unsafe { core::ptr::copy(from.add(words.start), to.add(words.start), len) }
}

/// A physical range (bootloader-reserved memory, e.g. the frame-table storage) as a slice of `T`.
///
/// # Safety
/// The range must be RAM no one else uses, suitably aligned for `T`, for the kernel's lifetime.
pub unsafe fn claim<T>(phys: u64, count: usize) -> &'static mut [T] {
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts_mut((PHYSICAL_MEMORY_OFFSET + phys) as *mut T, count) }
}
