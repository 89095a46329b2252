//! Fixed-size object tables with generation counters (no kernel heap).
use abi::SysError;

pub struct Entry<T> {
    gen: u32,
    obj: Option<T>,
}

pub struct ObjTable<T, const N: usize> {
    entries: [Entry<T>; N],
}

impl<T, const N: usize> ObjTable<T, N> {
    pub const fn new() -> Self {
        ObjTable {
            entries: [const { Entry { gen: 0, obj: None } }; N],
        }
    }

    /// Stores `obj` in a free entry; returns its index and generation.
    pub fn alloc(&mut self, obj: T) -> Result<(u16, u32), SysError> {
        let (i, e) = self
            .entries
            .iter_mut()
            .enumerate()
            .find(|(_, e)| e.obj.is_none())
            .ok_or(SysError::OutOfMemory)?;
        e.obj = Some(obj);
        Ok((i as u16, e.gen))
    }

    /// Is there a free entry?
    pub fn has_room(&self) -> bool {
        self.entries.iter().any(|e| e.obj.is_none())
    }

    /// The object at `index` if it is still generation `gen`.
    pub fn get(&self, index: u16, gen: u32) -> Result<&T, SysError> {
        match self.entries.get(index as usize) {
            Some(Entry {
                gen: g,
                obj: Some(o),
            }) if *g == gen => Ok(o),
            _ => Err(SysError::StaleCap),
        }
    }

    pub fn get_mut(&mut self, index: u16, gen: u32) -> Result<&mut T, SysError> {
        match self.entries.get_mut(index as usize) {
            Some(Entry {
                gen: g,
                obj: Some(o),
            }) if *g == gen => Ok(o),
            _ => Err(SysError::StaleCap),
        }
    }

    /// The live object at `index`, whatever its generation (for kernel-internal references).
    pub fn at(&self, index: u16) -> Option<&T> {
        self.entries.get(index as usize)?.obj.as_ref()
    }

    pub fn at_mut(&mut self, index: u16) -> Option<&mut T> {
        self.entries.get_mut(index as usize)?.obj.as_mut()
    }

    pub fn gen(&self, index: u16) -> u32 {
        self.entries[index as usize].gen
    }

    /// Removes the object; every capability to it becomes stale.
    pub fn free(&mut self, index: u16) -> Option<T> {
        let e = &mut self.entries[index as usize];
        let obj = e.obj.take();
        e.gen = e.gen.wrapping_add(1);
        obj
    }

    pub fn iter(&self) -> impl Iterator<Item = (u16, &T)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((i as u16, e.obj.as_ref()?)))
    }
}

impl<T, const N: usize> Default for ObjTable<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
