//! The page tables committed to a process: every table its address space may need to map what it
//! has committed (its program, heap up to the break, stack, IPC buffer, the console, each
//! `page_alloc`ed page). A table is known by its level and the span it maps (2 MiB for a
//! last-level table, 1 GiB for a directory, 512 GiB for a pointer table); one frame each, plus
//! the root. The process is charged for each as for a page, so a page it has committed never
//! finds a table missing, wherever it lies; and `Check` compares the count with the kernel's
//! (`AsQuery`), which can only be lower (tables appear when their first page is mapped).
//!
//! A table is claimed by fixed regions (the program, the stack, `page_alloc`ed pages: they stay
//! until the process ends) or by the heap, which `sbrk` grows and shrinks: a table only the heap
//! claimed is given back when the heap no longer reaches it.
use crate::map::Map;
use userlib::layout::PAGE_SIZE;

/// Who claims a table (bits of the map's values).
pub const FIXED: u8 = 1;
pub const HEAP: u8 = 2;

/// The three levels below the root: the shift of the span one table maps, and a tag for keys.
/// Keys are `tag | index of the span`: user space has 2^26 spans of 2 MiB, so 32 bits hold them
/// (a key costs the server's heap 8 bytes or so; the process is charged a frame for it).
const LEVELS: [(u32, u32); 3] = [(21, 1 << 30), (30, 2 << 30), (39, 3 << 30)];

/// A last-level table's key's tag.
const LEAF_TAG: u32 = 1 << 30;
const TAG_MASK: u32 = 3 << 30;

/// The keys of the tables mapping `[start, end)` (page-aligned user addresses, `start < end`).
fn keys(start: u64, end: u64) -> impl Iterator<Item = u32> {
    LEVELS.into_iter().flat_map(move |(shift, tag)| {
        // (The index lies below the tag's bits.)
        (start >> shift..=(end - 1) >> shift).map(move |index| tag + index as u32)
    })
}

/// The server's heap could not hold a new claim (nothing was changed).
#[derive(Debug)]
pub struct NoRoom;

#[derive(Clone)]
pub struct Tables {
    claims: Map<u32, u8>,
    /// The last-level table of the last fixed claim: a `page_alloc` next to the previous one
    /// needs no look-up (fixed claims are never taken back).
    last_fixed: u64,
}

impl Tables {
    pub fn new() -> Tables {
        Tables {
            claims: Map::default(),
            last_fixed: u64::MAX,
        }
    }

    /// Frames committed to tables: one per table claimed, and the root.
    #[inline]
    pub fn count(&self) -> u64 {
        self.claims.len() as u64 + 1
    }

    /// How many more tables claiming `[start, end)` would commit.
    pub fn missing(&self, start: u64, end: u64) -> u64 {
        if start >= end || self.is_fixed_leaf(start, end) {
            return 0;
        }
        keys(start, end)
            .filter(|k| !self.claims.contains_key(k))
            .count() as u64
    }

    fn is_fixed_leaf(&self, start: u64, end: u64) -> bool {
        end - start == PAGE_SIZE && start >> 21 == self.last_fixed
    }

    /// Makes room for the tables claiming `[start, end)` would add; returns how many that is (what
    /// to charge before `claim`). Fails only if the server's heap cannot hold them.
    pub fn prepare(&mut self, start: u64, end: u64) -> Result<u64, NoRoom> {
        let new = self.missing(start, end);
        self.claims.try_reserve(new as usize).map_err(|_| NoRoom)?;
        Ok(new)
    }

    /// Claims the tables of `[start, end)` for `who`, in the room `prepare` made.
    pub fn claim(&mut self, start: u64, end: u64, who: u8) {
        if start >= end || (who == FIXED && self.is_fixed_leaf(start, end)) {
            return;
        }
        for key in keys(start, end) {
            *self.claims.entry(key).or_insert(0) |= who;
        }
        if who == FIXED && end - start == PAGE_SIZE {
            self.last_fixed = start >> 21;
        }
    }

    /// Takes back `who`'s claim on the tables of `[start, end)` that do not also map
    /// `[keep_start, keep_end)` (the part of the region that stays); returns how many tables are
    /// no longer claimed by anyone.
    pub fn release(&mut self, start: u64, end: u64, keep: (u64, u64), who: u8) -> u64 {
        if start >= end {
            return 0;
        }
        let kept: Option<(u64, u64)> = (keep.0 < keep.1).then_some(keep);
        let mut freed = 0;
        for key in keys(start, end) {
            let shift = LEVELS[((key >> 30) - 1) as usize].0;
            let index = u64::from(key & !TAG_MASK);
            let still = kept.is_some_and(|(s, e)| s >> shift <= index && index <= (e - 1) >> shift);
            if still {
                continue;
            }
            if let Some(bits) = self.claims.get_mut(&key) {
                *bits &= !who;
                if *bits == 0 {
                    self.claims.remove(&key);
                    freed += 1;
                }
            }
        }
        freed
    }

    /// A copy for a forked child, or `NoRoom` (cloning a map cannot fail softly).
    pub fn try_clone(&self) -> Result<Tables, NoRoom> {
        let mut claims = Map::default();
        claims.try_reserve(self.claims.len()).map_err(|_| NoRoom)?;
        claims.extend(self.claims.iter().map(|(&k, &v)| (k, v)));
        Ok(Tables {
            claims,
            last_fixed: self.last_fixed,
        })
    }

    /// The start of every 2 MiB span a last-level table is claimed for: where the process's
    /// pages can be (the checks walk these, so their work follows what is committed, not how far
    /// apart the pages are).
    pub fn leaf_spans(&self) -> impl Iterator<Item = u64> + '_ {
        self.claims
            .keys()
            .filter(|&&k| k & TAG_MASK == LEAF_TAG)
            .map(|&k| u64::from(k & !TAG_MASK) << 21)
    }
}
