//! Reading and writing whole pages that `page_alloc` mapped: no Rust object lives in them, so they
//! are reached through raw pointers, volatile because they appear behind the compiler's back.
use userlib::layout::PAGE_SIZE;

/// 64-bit words in a page.
pub const WORDS: usize = (PAGE_SIZE / 8) as usize;

/// The word `i` of the pattern `owner` writes into the page at `addr`: different for every owner,
/// page and word, so a page that was copied to the wrong place, or written by another process,
/// does not match.
pub fn pattern(owner: u64, addr: u64, i: usize) -> u64 {
    let x = addr.wrapping_add(i as u64 * 8) ^ owner.rotate_left(40);
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
}

/// Word `i` of the page at `addr`.
///
/// # Safety
///
/// `addr` is a page-aligned address mapped readable in this process where no Rust object lives
/// (a page from `page_alloc`), and `i < WORDS`.
pub unsafe fn read(addr: u64, i: usize) -> u64 {
    // SAFETY: the caller's contract: a mapped page no Rust object occupies, `i` inside it.
    unsafe { (addr as *const u64).add(i).read_volatile() }
}

/// Writes word `i` of the page at `addr`.
///
/// # Safety
///
/// As [`read`], and the page is mapped writable (or copy-on-write, or demand-zero).
pub unsafe fn write(addr: u64, i: usize, value: u64) {
    // SAFETY: the caller's contract.
    unsafe { (addr as *mut u64).add(i).write_volatile(value) }
}

/// Does every word of the page read zero?
///
/// # Safety
///
/// As [`read`].
pub unsafe fn is_zero(addr: u64) -> bool {
    // SAFETY: the caller's contract, for every word of the page.
    (0..WORDS).all(|i| unsafe { read(addr, i) } == 0)
}

/// Fills the page with `owner`'s [`pattern`].
///
/// # Safety
///
/// As [`write`].
pub unsafe fn fill(addr: u64, owner: u64) {
    for i in 0..WORDS {
        // SAFETY: the caller's contract, for every word of the page.
        unsafe { write(addr, i, pattern(owner, addr, i)) }
    }
}

/// Does the page hold `owner`'s [`pattern`]?
///
/// # Safety
///
/// As [`read`].
pub unsafe fn holds(addr: u64, owner: u64) -> bool {
    // SAFETY: the caller's contract, for every word of the page.
    (0..WORDS).all(|i| unsafe { read(addr, i) } == pattern(owner, addr, i))
}
