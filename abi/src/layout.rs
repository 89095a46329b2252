//! The user address-space layout every program and the kernel agree on.
//!
//! ```text
//! 0x0000_0000_0000_0000  unmapped (null pointers fault)
//! 0x0000_0000_000B_8000  console page: 80x25 cells of (attribute << 8 | char), user read/write
//! 0x0000_0000_0040_0000  program images, each linked at its own base (see servers/*/build.rs)
//! ...                    heap, grown upwards by the memory server
//! 0x0000_1000_0000_0000  boot archive (init only), read-only
//! 0x0000_7FFF_FFFE_F000  top of the stack (grows down)
//! 0x0000_7FFF_FFFF_0000  IPC buffer (one page)
//! 0x0000_7FFF_FFFF_F000  USER_TOP: the last page is never mapped (see below)
//! 0x0000_8000_0000_0000  end of user space; the kernel lives in the upper half
//! ```

/// The page size.
pub const PAGE_SIZE: u64 = 4096;
/// First address above user space (the canonical lower half ends here).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// End of what can be mapped: the top page of the lower half is never mapped (as Linux's TASK_SIZE
/// and seL4's USER_TOP), so no instruction can end at the non-canonical `USER_END`, and `sysretq`
/// never returns to a non-canonical address (CVE-2012-0217).
pub const USER_TOP: u64 = USER_END - PAGE_SIZE;
/// Where the console page is mapped in every address space, as in WeensyOS.
pub const CONSOLE: u64 = 0xB8000;
/// Console geometry: 80 columns by 25 rows of `u16` cells (CGA text layout).
pub const CONSOLE_COLUMNS: usize = 80;
/// Rows of the console (see [`CONSOLE_COLUMNS`]).
pub const CONSOLE_ROWS: usize = 25;
/// Where the kernel maps the boot archive into the first server.
pub const BOOTFS: u64 = 0x0000_1000_0000_0000;
/// The initial stack pointer of a program (the stack grows down from here).
pub const STACK_TOP: u64 = 0x0000_7FFF_FFFE_F000;
/// The IPC buffer of every task (see [`crate::msg::IpcBuffer`]).
pub const IPC_BUFFER: u64 = 0x0000_7FFF_FFFF_0000;
/// Where the memory server writes a spawned program's argument string (`memsrv::Request::
/// SpawnArgs`): in the IPC buffer's page, past anything a message uses; a word of length, then
/// the bytes. Zero (no string) in every other task.
pub const ARGS: u64 = IPC_BUFFER + PAGE_SIZE / 2;

/// Is `[addr, addr + len)` inside user space (and not wrapping)?
#[inline]
pub const fn is_user_range(addr: u64, len: u64) -> bool {
    match addr.checked_add(len) {
        Some(end) => end <= USER_END,
        None => false,
    }
}

/// Is `addr` a page-aligned address where user pages may be mapped (below [`USER_TOP`])?
#[inline]
pub const fn is_user_page(addr: u64) -> bool {
    addr.is_multiple_of(PAGE_SIZE) && addr < USER_TOP
}

/// Can `sysretq` be returning to `rip`? A syscall returns to the instruction after it, and the
/// highest such address is `USER_TOP` itself: a `syscall` in the last two bytes below the
/// never-mapped top page. That is canonical; `USER_END` (CVE-2012-0217) can never be reached.
#[inline]
pub const fn is_syscall_return(rip: u64) -> bool {
    rip <= USER_TOP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ranges() {
        assert!(is_user_range(0, USER_END));
        assert!(!is_user_range(USER_END - 1, 2));
        assert!(!is_user_range(u64::MAX, 2));
        assert!(is_user_page(IPC_BUFFER) && is_user_page(CONSOLE));
        assert!(!is_user_page(USER_END) && !is_user_page(0x1001));
        assert!(is_user_page(USER_TOP - PAGE_SIZE));
        let message_end = IPC_BUFFER + core::mem::size_of::<crate::msg::IpcBuffer>() as u64;
        assert!(ARGS >= message_end && ARGS + 8 + 128 <= IPC_BUFFER + PAGE_SIZE);
        assert!(!is_user_page(USER_TOP), "the top page is never mappable");
    }

    #[test]
    fn a_syscall_below_the_top_page_returns_to_user_top_at_most() {
        let last_syscall = USER_TOP - 2; // `syscall` is two bytes
        assert!(is_syscall_return(last_syscall + 2));
        assert!(!is_syscall_return(USER_END), "non-canonical");
        assert!(!is_syscall_return(USER_TOP + 1));
    }
}
