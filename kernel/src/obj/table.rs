//! Fixed-size object tables with generation counters and reference counts (no kernel heap).
//!
//! A capability names an object by index and generation. Freeing an entry bumps its generation, so
//! every capability to the old object becomes stale. Generations never wrap: an entry whose
//! generation reaches [`MAX_GEN`] is retired for good (after 2^48 reuses of one entry), so a stale
//! capability can never reach a new object. Each live object counts the capabilities that name it
//! (`refs`), so the kernel can reclaim it when the last one goes.
use abi::{ensure, SysError};

/// Generations fit in 48 bits (a task id packs one with a 16-bit index).
pub const MAX_GEN: u64 = (1 << 48) - 1;

pub struct Entry<T> {
    gen: u64,
    refs: u32,
    obj: Option<T>,
}

pub struct ObjTable<T, const N: usize> {
    entries: [Entry<T>; N],
}

impl<T, const N: usize> ObjTable<T, N> {
    pub const fn new() -> Self {
        ObjTable {
            entries: [const {
                Entry {
                    gen: 0,
                    refs: 0,
                    obj: None,
                }
            }; N],
        }
    }

    fn free_index(&self) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.obj.is_none() && e.gen < MAX_GEN)
    }

    /// Stores `obj` in a free entry (lowest first) with no references; returns index and generation.
    pub fn alloc(&mut self, obj: T) -> Result<(u16, u64), SysError> {
        let i = self.free_index().ok_or(SysError::OutOfMemory)? as u16;
        Ok((i, self.alloc_at(i, obj)?))
    }

    /// Stores `obj` at `index` (an object its number names: an interrupt line), if that is free.
    pub fn alloc_at(&mut self, index: u16, obj: T) -> Result<u64, SysError> {
        let e = self.entries.get_mut(index as usize);
        let e = e.ok_or(SysError::InvalidArgument)?;
        ensure(e.obj.is_none() && e.gen < MAX_GEN, SysError::InUse)?;
        (e.obj, e.refs) = (Some(obj), 0);
        Ok(e.gen)
    }

    /// Is there a free entry?
    pub fn has_room(&self) -> bool {
        self.free_index().is_some()
    }

    /// The object at `index` if it is still generation `gen`.
    pub fn get(&self, index: u16, gen: u64) -> Result<&T, SysError> {
        let entry = self.entries.get(index as usize).filter(|e| e.gen == gen);
        entry.and_then(|e| e.obj.as_ref()).ok_or(SysError::StaleCap)
    }

    pub fn get_mut(&mut self, index: u16, gen: u64) -> Result<&mut T, SysError> {
        let entry = self.current(index, gen);
        entry.and_then(|e| e.obj.as_mut()).ok_or(SysError::StaleCap)
    }

    /// Entry `index` if it holds an object of generation `gen`.
    fn current(&mut self, index: u16, gen: u64) -> Option<&mut Entry<T>> {
        let e = self.entries.get_mut(index as usize)?;
        (e.gen == gen && e.obj.is_some()).then_some(e)
    }

    /// The live object at `index`, whatever its generation (for kernel-internal references).
    pub fn at(&self, index: u16) -> Option<&T> {
        self.entries.get(index as usize)?.obj.as_ref()
    }

    pub fn at_mut(&mut self, index: u16) -> Option<&mut T> {
        self.entries.get_mut(index as usize)?.obj.as_mut()
    }

    pub fn gen(&self, index: u16) -> u64 {
        self.entries[index as usize].gen
    }

    /// Counts one more capability to the object (if it is still generation `gen`).
    pub fn add_ref(&mut self, index: u16, gen: u64) {
        if let Some(e) = self.current(index, gen) {
            e.refs += 1;
        }
    }

    /// Counts one capability fewer; `true` if that was the last one. A stale capability (its object
    /// was destroyed explicitly) counts for nothing.
    #[must_use = "an object whose last capability went must be reclaimed"]
    pub fn drop_ref(&mut self, index: u16, gen: u64) -> bool {
        let Some(e) = self.current(index, gen).filter(|e| e.refs > 0) else {
            return false;
        };
        e.refs -= 1;
        e.refs == 0
    }

    /// Capabilities counted for the live object at `index`.
    pub fn refs(&self, index: u16) -> u32 {
        self.entries.get(index as usize).map_or(0, |e| e.refs)
    }

    /// Removes the object; every capability to it becomes stale.
    pub fn free(&mut self, index: u16) -> Option<T> {
        let e = self.entries.get_mut(index as usize)?;
        let obj = e.obj.take()?;
        e.gen += 1;
        e.refs = 0;
        Some(obj)
    }

    pub fn iter(&self) -> impl Iterator<Item = (u16, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((i as u16, e.obj.as_ref()?)))
    }

    /// Live objects.
    pub fn live(&self) -> u64 {
        self.iter().count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<T, const N: usize> ObjTable<T, N> {
        /// Pretends entry `index` was reused `gen` times.
        pub fn set_gen(&mut self, index: u16, gen: u64) {
            self.entries[index as usize].gen = gen;
        }
    }

    #[test]
    fn stale_generations_are_refused() {
        let mut t: ObjTable<&str, 2> = ObjTable::new();
        let (a, ga) = t.alloc("a").unwrap();
        let (_b, _) = t.alloc("b").unwrap();
        assert_eq!(t.alloc("c"), Err(SysError::OutOfMemory));
        assert_eq!(t.get(a, ga), Ok(&"a"));
        t.free(a);
        assert_eq!(t.get(a, ga), Err(SysError::StaleCap));
        let (a2, ga2) = t.alloc("recycled").unwrap();
        assert_eq!(a2, a);
        assert_ne!(ga2, ga);
        assert_eq!(
            t.get(a, ga),
            Err(SysError::StaleCap),
            "an old capability cannot reach the new object"
        );
        assert_eq!(t.get(9, 0), Err(SysError::StaleCap));
        assert!(t.free(a2).is_some());
        assert!(t.free(a2).is_none(), "a second free changes nothing");
        assert_eq!(t.gen(a2), ga2 + 1);
    }

    #[test]
    fn an_entry_whose_generation_is_used_up_is_retired_not_wrapped() {
        let mut t: ObjTable<u8, 2> = ObjTable::new();
        t.set_gen(0, MAX_GEN - 1);
        let (i, gen) = t.alloc(1).unwrap();
        assert_eq!((i, gen), (0, MAX_GEN - 1));
        t.free(i);
        let (j, _) = t.alloc(2).unwrap();
        assert_eq!(
            j, 1,
            "entry 0 reached the last generation and is never reused"
        );
        assert!(!t.has_room());
        assert_eq!(t.alloc(3), Err(SysError::OutOfMemory));
        assert_eq!(t.get(0, MAX_GEN - 1), Err(SysError::StaleCap));
    }

    #[test]
    fn references_count_only_the_current_generation() {
        let mut t: ObjTable<u8, 1> = ObjTable::new();
        let (i, g) = t.alloc(7).unwrap();
        t.add_ref(i, g);
        t.add_ref(i, g);
        t.add_ref(i, g + 1);
        assert_eq!(t.refs(i), 2);
        assert!(!t.drop_ref(i, g));
        assert!(
            !t.drop_ref(i, g + 1),
            "a stale capability counts for nothing"
        );
        assert!(t.drop_ref(i, g), "the last reference");
        assert!(!t.drop_ref(i, g), "never below zero");
        assert_eq!(t.refs(i), 0);
        t.free(i);
        let (i2, g2) = t.alloc(8).unwrap();
        assert_eq!(t.refs(i2), 0);
        assert!(
            !t.drop_ref(i2, g),
            "the old object's capability cannot touch the new one"
        );
        assert_eq!(t.live(), 1);
        let _ = g2;
    }
}
