//! Arguments and results of the address-space calls that do not fit a plain number: `AsUnmap`'s
//! flags, `AsShare`'s rights masks and `AsPages`'s entries (see `docs/syscalls.md`).
use crate::cap::PageRights;
use crate::layout::PAGE_SIZE;
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
/// `copy_writable`, masks all. With `tables` (copy-on-write only), a last-level table whose
/// whole 2 MiB lies in the range, where the destination has none, is shared whole instead of page
/// by page: writes through it are refused above it in both spaces until one of them changes an
/// entry in it, which copies it (`docs/syscalls.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareMode {
    /// The rights the source keeps on each page it shares.
    pub src_keep: PageRights,
    /// The rights the destination gets, out of the source's, on each page shared.
    pub dst_keep: PageRights,
    /// Give the destination a fresh copy of every writable page instead of sharing it.
    pub copy_writable: bool,
    /// Share whole last-level tables where the range covers them.
    pub tables: bool,
}

const DST_SHIFT: u32 = 8;
const COPY_WRITABLE: u64 = 1 << 16;
const TABLES: u64 = 1 << 17;

impl ShareMode {
    /// Copy-on-write: both sides lose `WRITE`, everything is shared.
    pub const COPY_ON_WRITE: ShareMode = ShareMode {
        src_keep: PageRights::EXECUTE,
        dst_keep: PageRights::EXECUTE,
        copy_writable: false,
        tables: false,
    };
    /// Copy-on-write, whole last-level tables shared where the range covers them.
    pub const COPY_ON_WRITE_TABLES: ShareMode = ShareMode {
        tables: true,
        ..ShareMode::COPY_ON_WRITE
    };
    /// Eager: writable pages copied, the rest shared, rights unchanged.
    pub const EAGER: ShareMode = ShareMode {
        src_keep: PageRights::all(),
        dst_keep: PageRights::all(),
        copy_writable: true,
        tables: false,
    };

    /// The register encoding: bits 0–7 `src_keep`, 8–15 `dst_keep`, bit 16 `copy_writable`, bit
    /// 17 `tables`.
    pub const fn to_word(self) -> u64 {
        self.src_keep.bits()
            | self.dst_keep.bits() << DST_SHIFT
            | if self.copy_writable { COPY_WRITABLE } else { 0 }
            | if self.tables { TABLES } else { 0 }
    }

    /// Decodes a word; `None` if any unknown bit is set, or `tables` with other than
    /// copy-on-write's masks (a shared table's leaves are both sides' alike).
    pub const fn from_word(word: u64) -> Option<ShareMode> {
        let known = PageRights::all().bits()
            | PageRights::all().bits() << DST_SHIFT
            | COPY_WRITABLE
            | TABLES;
        let cow = ShareMode::COPY_ON_WRITE.to_word();
        if word & !known != 0 || (word & TABLES != 0 && word & !TABLES != cow) {
            return None;
        }
        Some(ShareMode {
            src_keep: PageRights::from_bits_truncate(word),
            dst_keep: PageRights::from_bits_truncate(word >> DST_SHIFT),
            copy_writable: word & COPY_WRITABLE != 0,
            tables: word & TABLES != 0,
        })
    }
}

/// Pages one `AsPages` call lists: two IPC buffer words each.
pub const PAGES_PER_CALL: usize = crate::msg::MAX_WORDS / 2;

/// One mapped page `AsPages` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MappedPage {
    /// The page's address.
    pub addr: u64,
    /// The mapping's rights.
    pub rights: PageRights,
    /// The frame mapped there.
    pub frame: u64,
    /// The frame's mappings in all spaces (0 for the console page, kernel data), saturating at
    /// [`MappedPage::MAPS_MAX`]. In a shared table (`shared`), the spaces sharing it count each:
    /// a lower bound, as views of the frame through other tables may count fewer.
    pub maps: u32,
    /// The page is in a last-level table other spaces share (`ShareMode::tables`).
    pub shared: bool,
}

/// The address word's bit for `shared` (below it, the rights).
const SHARED: u64 = 1 << 11;

/// Frame numbers fit 40 bits (52-bit physical addresses); the map count takes the rest.
const FRAME_BITS: u32 = 40;

impl MappedPage {
    /// The largest map count an entry carries.
    pub const MAPS_MAX: u32 = (1 << (64 - FRAME_BITS)) - 1;

    /// The two words: the address with the rights in its low bits; the frame with the map
    /// count above bit 40.
    #[inline]
    pub fn pack(&self) -> [u64; 2] {
        let maps = self.maps.min(Self::MAPS_MAX) as u64;
        [
            self.addr | self.rights.bits() | if self.shared { SHARED } else { 0 },
            self.frame | maps << FRAME_BITS,
        ]
    }

    /// The entry from its two words.
    #[inline]
    pub fn unpack(words: [u64; 2]) -> MappedPage {
        MappedPage {
            addr: words[0] & !(PAGE_SIZE - 1),
            rights: PageRights::from_bits_truncate(words[0]),
            frame: words[1] & ((1 << FRAME_BITS) - 1),
            maps: (words[1] >> FRAME_BITS) as u32,
            shared: words[0] & SHARED != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_modes_round_trip_and_unknown_bits_are_refused() {
        let modes = [
            ShareMode::COPY_ON_WRITE,
            ShareMode::EAGER,
            ShareMode::COPY_ON_WRITE_TABLES,
        ];
        for mode in modes {
            assert_eq!(ShareMode::from_word(mode.to_word()), Some(mode));
        }
        let eager_tables = ShareMode::EAGER.to_word() | ShareMode::COPY_ON_WRITE_TABLES.to_word();
        assert_eq!(
            ShareMode::from_word(eager_tables),
            None,
            "tables: copy-on-write only"
        );
        assert_eq!(ShareMode::from_word(1 << 17), None);
        assert_eq!(ShareMode::from_word(1 << 2), None);
    }

    #[test]
    fn mapped_pages_round_trip_and_map_counts_saturate() {
        let page = MappedPage {
            addr: 0x7fff_fffe_e000,
            rights: PageRights::all(),
            frame: (1 << 40) - 1,
            maps: 3,
            shared: true,
        };
        assert_eq!(MappedPage::unpack(page.pack()), page);
        let many = MappedPage {
            maps: u32::MAX,
            ..page
        };
        let back = MappedPage::unpack(many.pack());
        assert_eq!((back.maps, back.frame), (MappedPage::MAPS_MAX, page.frame));
    }
}
