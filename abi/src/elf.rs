//! The executable format: static, non-PIE ELF64 x86-64 files (`ET_EXEC`), as the build links them.
//! The kernel uses this to start the first server; init uses it to start programs.

/// A validated ELF image borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Elf<'a> {
    bytes: &'a [u8],
    entry: u64,
    ph_offset: usize,
    ph_count: usize,
}

/// A loadable segment (`PT_LOAD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Where it starts in the address space (not necessarily page-aligned).
    pub vaddr: u64,
    /// Its size in memory, at least `data.len()`.
    pub mem_size: u64,
    /// The bytes to copy to `vaddr`; the rest up to `mem_size` is zero.
    pub data: &'a [u8],
    /// Its pages are writable (`PF_W`).
    pub writable: bool,
    /// Its pages are executable (`PF_X`).
    pub executable: bool,
}

/// Why [`Elf::parse`] refused an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// It does not start with the ELF magic `\x7fELF`.
    NotElf,
    /// Not 64-bit little-endian x86-64 `ET_EXEC`.
    Unsupported,
    /// The header or the program-header table runs past the end of the bytes.
    Truncated,
    /// A segment's file range or memory range is invalid.
    BadSegment,
}

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PH_SIZE: usize = 56;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

impl<'a> Elf<'a> {
    /// Checks the header, the program-header table and every loadable segment.
    pub fn parse(bytes: &'a [u8]) -> Result<Elf<'a>, ElfError> {
        if bytes.len() < 64 {
            return Err(if bytes.starts_with(b"\x7fELF") {
                ElfError::Truncated
            } else {
                ElfError::NotElf
            });
        }
        if &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        // class 64, little-endian, version 1, ET_EXEC, EM_X86_64
        if bytes[4] != 2
            || bytes[5] != 1
            || bytes[6] != 1
            || u16_at(bytes, 16) != 2
            || u16_at(bytes, 18) != 0x3e
        {
            return Err(ElfError::Unsupported);
        }
        if u16_at(bytes, 54) as usize != PH_SIZE {
            return Err(ElfError::Unsupported);
        }
        let ph_offset = u64_at(bytes, 32) as usize;
        let ph_count = u16_at(bytes, 56) as usize;
        let ph_end = ph_offset
            .checked_add(ph_count * PH_SIZE)
            .ok_or(ElfError::Truncated)?;
        if ph_end > bytes.len() {
            return Err(ElfError::Truncated);
        }
        let elf = Elf {
            bytes,
            entry: u64_at(bytes, 24),
            ph_offset,
            ph_count,
        };
        for i in 0..ph_count {
            elf.segment(i)?;
        }
        Ok(elf)
    }

    /// The entry point.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    fn segment(&self, i: usize) -> Result<Option<Segment<'a>>, ElfError> {
        let at = self.ph_offset + i * PH_SIZE;
        let b = self.bytes;
        if u32_at(b, at) != PT_LOAD {
            return Ok(None);
        }
        let flags = u32_at(b, at + 4);
        let offset = u64_at(b, at + 8) as usize;
        let vaddr = u64_at(b, at + 16);
        let file_size = u64_at(b, at + 32) as usize;
        let mem_size = u64_at(b, at + 40);
        if file_size as u64 > mem_size || vaddr.checked_add(mem_size).is_none() {
            return Err(ElfError::BadSegment);
        }
        let end = offset.checked_add(file_size).ok_or(ElfError::BadSegment)?;
        let data = b.get(offset..end).ok_or(ElfError::BadSegment)?;
        Ok(Some(Segment {
            vaddr,
            mem_size,
            data,
            writable: flags & PF_W != 0,
            executable: flags & PF_X != 0,
        }))
    }

    /// The loadable segments (validated by `parse`).
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a>> + '_ {
        (0..self.ph_count).filter_map(|i| self.segment(i).ok().flatten())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal ELF with one PT_LOAD segment of `data` at `vaddr` (memory size `mem`).
    pub fn tiny_elf(vaddr: u64, data: &[u8], mem: u64, flags: u32) -> std::vec::Vec<u8> {
        let mut b = std::vec![0u8; 64 + PH_SIZE];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&2u16.to_le_bytes());
        b[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
        b[24..32].copy_from_slice(&vaddr.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&(PH_SIZE as u16).to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = 64;
        b[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        b[ph + 4..ph + 8].copy_from_slice(&flags.to_le_bytes());
        b[ph + 8..ph + 16].copy_from_slice(&((64 + PH_SIZE) as u64).to_le_bytes());
        b[ph + 16..ph + 24].copy_from_slice(&vaddr.to_le_bytes());
        b[ph + 32..ph + 40].copy_from_slice(&(data.len() as u64).to_le_bytes());
        b[ph + 40..ph + 48].copy_from_slice(&mem.to_le_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn parses_a_segment() {
        let image = tiny_elf(0x40_0000, b"code", 0x2000, PF_X);
        let elf = Elf::parse(&image).unwrap();
        assert_eq!(elf.entry(), 0x40_0000);
        let segs: std::vec::Vec<_> = elf.segments().collect();
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].data, b"code");
        assert_eq!(segs[0].mem_size, 0x2000);
        assert!(segs[0].executable && !segs[0].writable);
    }

    #[test]
    fn rejects_bad_images() {
        assert_eq!(Elf::parse(b"hello").unwrap_err(), ElfError::NotElf);
        let good = tiny_elf(0x40_0000, b"code", 0x10, PF_X);
        assert_eq!(Elf::parse(&good[..40]).unwrap_err(), ElfError::Truncated);
        assert_eq!(
            Elf::parse(&good[..good.len() - 1]).unwrap_err(),
            ElfError::BadSegment
        );
        let mut wrong_machine = good.clone();
        wrong_machine[18] = 3;
        assert_eq!(
            Elf::parse(&wrong_machine).unwrap_err(),
            ElfError::Unsupported
        );
        // file size larger than memory size
        assert_eq!(
            Elf::parse(&tiny_elf(0x1000, b"abcd", 2, 0)).unwrap_err(),
            ElfError::BadSegment
        );
        // memory range wraps around
        assert_eq!(
            Elf::parse(&tiny_elf(u64::MAX - 1, b"", 16, 0)).unwrap_err(),
            ElfError::BadSegment
        );
        let mut many = good.clone();
        many[56..58].copy_from_slice(&1000u16.to_le_bytes());
        assert_eq!(Elf::parse(&many).unwrap_err(), ElfError::Truncated);
    }
}

/// Where a loader puts an image: implemented by the kernel (first server) and by init (programs),
/// so the loading algorithm is written once.
pub trait LoadTarget {
    /// What placing a page or bytes can fail with.
    type Error;
    /// Makes sure a zeroed page is mapped at `page` (page-aligned) with at least these rights;
    /// pages shared by two segments get the union of their rights.
    fn ensure_page(
        &mut self,
        page: u64,
        writable: bool,
        executable: bool,
    ) -> Result<(), Self::Error>;
    /// Copies `bytes` to `vaddr` (the pages are already there).
    fn write(&mut self, vaddr: u64, bytes: &[u8]) -> Result<(), Self::Error>;
}

impl Elf<'_> {
    /// Maps every loadable segment's pages and copies its bytes; the rest stays zero.
    pub fn load<T: LoadTarget>(&self, target: &mut T) -> Result<(), T::Error> {
        const PAGE: u64 = crate::layout::PAGE_SIZE;
        for seg in self.segments() {
            let start = seg.vaddr & !(PAGE - 1);
            let end = (seg.vaddr + seg.mem_size).next_multiple_of(PAGE);
            for page in (start..end).step_by(PAGE as usize) {
                target.ensure_page(page, seg.writable, seg.executable)?;
            }
            target.write(seg.vaddr, seg.data)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod load_tests {
    use super::tests::tiny_elf;
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Memory {
        pages: BTreeMap<u64, (bool, bool, [u8; 4096])>,
    }

    impl LoadTarget for Memory {
        type Error = ();
        fn ensure_page(&mut self, page: u64, w: bool, x: bool) -> Result<(), ()> {
            let e = self.pages.entry(page).or_insert((false, false, [0; 4096]));
            e.0 |= w;
            e.1 |= x;
            Ok(())
        }
        fn write(&mut self, vaddr: u64, bytes: &[u8]) -> Result<(), ()> {
            for (i, b) in bytes.iter().enumerate() {
                let a = vaddr + i as u64;
                self.pages.get_mut(&(a & !0xfff)).ok_or(())?.2[(a & 0xfff) as usize] = *b;
            }
            Ok(())
        }
    }

    #[test]
    fn loads_across_pages_and_zero_fills() {
        let data: std::vec::Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let image = tiny_elf(0x40_0ff0, &data, 0x3000, PF_W);
        let mut mem = Memory::default();
        Elf::parse(&image).unwrap().load(&mut mem).unwrap();
        assert_eq!(
            mem.pages.keys().copied().collect::<std::vec::Vec<_>>(),
            [0x40_0000, 0x40_1000, 0x40_2000, 0x40_3000]
        );
        assert_eq!(mem.pages[&0x40_0000].2[0xff0], 0);
        assert_eq!(mem.pages[&0x40_1000].2[0], 16);
        assert_eq!(
            mem.pages[&0x40_2000].2[0xfff], 0,
            "beyond the file bytes stays zero"
        );
        assert!(mem.pages[&0x40_0000].0 && !mem.pages[&0x40_0000].1);
    }
}
