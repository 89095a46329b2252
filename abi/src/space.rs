//! Arguments of the address-space calls that do not fit a plain number: `AsUnmap`'s flags and
//! `AsShare`'s rights masks (see `docs/syscalls.md`).
use crate::cap::PageRights;
use bitflags::bitflags;

bitflags! {
    /// Flags of `AsUnmap`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct UnmapFlags: u64 {
        /// If this was the frame's last mapping, return the frame to its pool.
        const RELEASE = 1 << 0;
    }
}

/// How `AsShare` treats each mapped page of the source range. A page mapped with rights `r` in the
/// source is mapped in the destination with `r & dst_keep` and left in the source with
/// `r & src_keep`. With `copy_writable`, a page whose source rights include `WRITE` is not shared:
/// the destination gets a fresh copy (from the pool passed to the call) with rights `r`, and the
/// source keeps `r`. Copy-on-write fork: `src_keep = dst_keep = !WRITE`. Eager fork:
/// `copy_writable`, masks all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareMode {
    /// The rights the source keeps on each page it shares.
    pub src_keep: PageRights,
    /// The rights the destination gets, out of the source's, on each page shared.
    pub dst_keep: PageRights,
    /// Give the destination a fresh copy of every writable page instead of sharing it.
    pub copy_writable: bool,
}

const DST_SHIFT: u32 = 8;
const COPY_WRITABLE: u64 = 1 << 16;

impl ShareMode {
    /// Copy-on-write: both sides lose `WRITE`, everything is shared.
    pub const COPY_ON_WRITE: ShareMode = ShareMode {
        src_keep: PageRights::EXECUTE,
        dst_keep: PageRights::EXECUTE,
        copy_writable: false,
    };
    /// Eager: writable pages copied, the rest shared, rights unchanged.
    pub const EAGER: ShareMode = ShareMode {
        src_keep: PageRights::all(),
        dst_keep: PageRights::all(),
        copy_writable: true,
    };

    /// The register encoding: bits 0–7 `src_keep`, 8–15 `dst_keep`, bit 16 `copy_writable`.
    pub const fn to_word(self) -> u64 {
        self.src_keep.bits()
            | self.dst_keep.bits() << DST_SHIFT
            | if self.copy_writable { COPY_WRITABLE } else { 0 }
    }

    /// Decodes a word; `None` if any unknown bit is set.
    pub const fn from_word(word: u64) -> Option<ShareMode> {
        let known =
            PageRights::all().bits() | PageRights::all().bits() << DST_SHIFT | COPY_WRITABLE;
        if word & !known != 0 {
            return None;
        }
        Some(ShareMode {
            src_keep: PageRights::from_bits_truncate(word),
            dst_keep: PageRights::from_bits_truncate(word >> DST_SHIFT),
            copy_writable: word & COPY_WRITABLE != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_modes_round_trip_and_unknown_bits_are_refused() {
        for mode in [ShareMode::COPY_ON_WRITE, ShareMode::EAGER] {
            assert_eq!(ShareMode::from_word(mode.to_word()), Some(mode));
        }
        assert_eq!(ShareMode::from_word(1 << 17), None);
        assert_eq!(ShareMode::from_word(1 << 2), None);
    }
}
