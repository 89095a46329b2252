//! User memory as the kernel sees it: every user pointer is an unverified claim. It is checked
//! against the task's own page tables (user half, no overflow, mapped, user-accessible, writable if
//! the kernel writes) and then accessed through the physical-memory window, never through the user
//! address itself.
use super::{paging, phys};
use abi::layout::{is_user_range, PAGE_SIZE};
use abi::{ensure, SysError};
use x86_64::structures::paging::PageTableFlags as F;

/// The frame behind a user page, if the user may access it as asked. (Always inlined: the long
/// IPC fast path finds both IPC buffers with it.)
#[inline(always)]
pub fn user_frame(root: u64, vaddr: u64, write: bool) -> Result<u64, SysError> {
    let (frame, flags) =
        paging::lookup(root, vaddr & !(PAGE_SIZE - 1)).ok_or(SysError::NotMapped)?;
    let allowed = flags.contains(F::USER_ACCESSIBLE) && (!write || flags.contains(F::WRITABLE));
    ensure(allowed, SysError::NotMapped)?;
    Ok(frame)
}

/// Copies `[addr, addr + out.len())` of a user address space into `out`.
pub fn read(root: u64, addr: u64, out: &mut [u8]) -> Result<(), SysError> {
    ensure(is_user_range(addr, out.len() as u64), SysError::BadAddress)?;
    let end = addr + out.len() as u64;
    let pages = addr / PAGE_SIZE..end.div_ceil(PAGE_SIZE);
    // Check every page first, so a failure copies nothing.
    for page in pages.clone() {
        user_frame(root, page * PAGE_SIZE, false)?;
    }
    for page in pages {
        let (from, to) = (addr.max(page * PAGE_SIZE), end.min((page + 1) * PAGE_SIZE));
        let frame = user_frame(root, from, false)?;
        let part = &mut out[(from - addr) as usize..(to - addr) as usize];
        phys::read(frame, (from % PAGE_SIZE) as usize, part);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::frames::{test_table, FrameState};
    use abi::PageRights;

    #[test]
    fn user_pointers_are_checked_before_use() {
        let _memory = crate::tests::host::take_memory(16);
        let mut frames = test_table(16);
        let kernel_root = frames.alloc(FrameState::Kernel).unwrap();
        let root = paging::new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        let (a, b) = (
            frames.alloc(FrameState::User { maps: 0 }).unwrap(),
            frames.alloc(FrameState::User { maps: 0 }).unwrap(),
        );
        phys::write(a, 4094, b"he");
        phys::write(b, 0, b"llo");
        crate::tests::map_at(
            &mut frames,
            root,
            &mut tables,
            0x1000,
            a,
            PageRights::empty(),
        )
        .unwrap();
        crate::tests::map_at(
            &mut frames,
            root,
            &mut tables,
            0x2000,
            b,
            PageRights::empty(),
        )
        .unwrap();

        let mut out = [0u8; 5];
        read(root, 0x1ffe, &mut out).unwrap();
        assert_eq!(&out, b"hello", "a read may cross pages");
        assert_eq!(
            read(root, 0x2ffe, &mut out),
            Err(SysError::NotMapped),
            "runs off the end"
        );
        assert_eq!(
            read(root, 0xffff_8000_0000_0000, &mut out),
            Err(SysError::BadAddress)
        );
        assert_eq!(
            read(root, u64::MAX - 2, &mut out),
            Err(SysError::BadAddress)
        );
        assert_eq!(
            user_frame(root, 0x1000, true),
            Err(SysError::NotMapped),
            "read-only"
        );
        assert_eq!(user_frame(root, 0x1000, false), Ok(a));
    }

    #[test]
    fn a_read_that_fails_copies_nothing() {
        let _memory = crate::tests::host::take_memory(16);
        let mut frames = test_table(16);
        let kernel_root = frames.alloc(FrameState::Kernel).unwrap();
        let root = paging::new_root(&mut frames, kernel_root).unwrap();
        let mut tables = 1;
        // Two mapped pages full of 0xAA, then nothing at 0x3000.
        for vaddr in [0x1000, 0x2000] {
            let f = frames.alloc(FrameState::User { maps: 0 }).unwrap();
            phys::write(f, 0, &[0xAA; 4096]);
            let rights = PageRights::empty();
            crate::tests::map_at(&mut frames, root, &mut tables, vaddr, f, rights).unwrap();
        }
        for (addr, len) in [(0x2ff0, 32), (0x1ff0, 4200), (0x1000, 8193)] {
            let mut out = vec![0u8; len];
            assert_eq!(
                read(root, addr, &mut out),
                Err(SysError::NotMapped),
                "{addr:#x} {len}"
            );
            assert!(out.iter().all(|&b| b == 0), "{addr:#x} {len}: copied");
        }
        let mut out = vec![0u8; 8192];
        read(root, 0x1000, &mut out).unwrap();
        assert!(out.iter().all(|&b| b == 0xAA));
        assert_eq!(
            read(root, 0x5000, &mut []),
            Ok(()),
            "nothing to read: nothing to check"
        );
    }
}
