//! Binaries as the boot disk holds them: without what the guest does not read. The BIOS copies
//! every byte of the disk's files in real mode (slow under TCG: a 3.5 MB kernel with debug info
//! took most of a `cargo run`), and gdb takes the symbols from the files in `target/`. Anything
//! unexpected passes through untouched.

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u64_at(b: &[u8], at: usize) -> usize {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize
}

fn put_u64(b: &mut [u8], at: usize, value: usize) {
    b[at..at + 8].copy_from_slice(&(value as u64).to_le_bytes());
}

/// Where the ELF header, the program headers and every `PT_LOAD` segment's bytes end, if `elf`
/// is a 64-bit ELF whose program headers lie within it.
fn loaded_end(elf: &[u8]) -> Option<usize> {
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
        return None;
    }
    let (ph_offset, ph_size, ph_count) = (u64_at(elf, 32), u16_at(elf, 54), u16_at(elf, 56));
    let mut end = ph_offset.checked_add(ph_size.checked_mul(ph_count)?)?;
    if end > elf.len() || ph_size < 56 {
        return None;
    }
    for ph in (ph_offset..end).step_by(ph_size) {
        if u32::from_le_bytes(elf[ph..ph + 4].try_into().unwrap()) == 1 {
            end = end.max(u64_at(elf, ph + 8).checked_add(u64_at(elf, ph + 32))?);
        }
    }
    (end <= elf.len()).then_some(end)
}

/// A user program: only its loadable part (no section headers at all). The guest's loader reads
/// only `PT_LOAD` segments.
pub fn loadable_part(mut elf: Vec<u8>) -> Vec<u8> {
    let Some(end) = loaded_end(&elf) else {
        return elf;
    };
    elf.truncate(end);
    elf[40..48].fill(0); // e_shoff
    elf[60..64].fill(0); // e_shnum, e_shstrndx
    elf
}

/// The kernel: without its `.debug_*` sections, keeping every other section (the bootloader
/// finds `.bootloader-config` by name; the symbols stay for crash reports). The debug sections'
/// headers stay, emptied, so section indices do not change. The sections after the loaded part
/// move up; a debug section inside the loaded part leaves the file untouched.
pub fn without_debug_info(elf: Vec<u8>) -> Vec<u8> {
    strip_debug(&elf).unwrap_or(elf)
}

fn strip_debug(elf: &[u8]) -> Option<Vec<u8>> {
    let loaded = loaded_end(elf)?;
    let (sh_offset, sh_size, sh_count) = (u64_at(elf, 40), u16_at(elf, 58), u16_at(elf, 60));
    let names_index = u16_at(elf, 62);
    let table_end = sh_offset.checked_add(sh_size.checked_mul(sh_count)?)?;
    if sh_size != 64 || table_end > elf.len() || names_index >= sh_count {
        return None;
    }
    let header = |i: usize| sh_offset + i * 64;
    let names = header(names_index);
    let names = elf.get(u64_at(elf, names + 24)..)?;
    let is_debug = |i: usize| {
        let name =
            names.get(u32::from_le_bytes(elf[header(i)..][..4].try_into().unwrap()) as usize..);
        name.is_some_and(|n| n.starts_with(b".debug"))
    };
    let mut out = elf[..loaded].to_vec();
    let mut table = elf[sh_offset..table_end].to_vec();
    for i in 0..sh_count {
        let (at, h) = (i * 64, header(i));
        let (offset, size) = (u64_at(elf, h + 24), u64_at(elf, h + 32));
        let no_bits = u32::from_le_bytes(elf[h + 4..h + 8].try_into().unwrap()) == 8;
        if is_debug(i) {
            if offset < loaded {
                return None;
            }
            put_u64(&mut table, at + 24, 0);
            put_u64(&mut table, at + 32, 0);
        } else if offset >= loaded && !no_bits && size > 0 {
            let align = u64_at(elf, h + 48).clamp(1, 4096);
            out.resize(out.len().next_multiple_of(align), 0);
            put_u64(&mut table, at + 24, out.len());
            out.extend_from_slice(elf.get(offset..offset.checked_add(size)?)?);
        }
    }
    out.resize(out.len().next_multiple_of(8), 0);
    let table_at = out.len();
    put_u64(&mut out, 40, table_at);
    out.extend_from_slice(&table);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel() -> Vec<u8> {
        std::fs::read(env!("CARGO_BIN_FILE_KERNEL_kernel")).unwrap()
    }

    /// (name, type, data) of every section.
    fn sections(elf: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
        let (offset, count) = (u64_at(elf, 40), u16_at(elf, 60));
        let header = |i: usize| offset + i * 64;
        let names = u64_at(elf, header(u16_at(elf, 62)) + 24);
        (0..count)
            .map(|i| {
                let h = header(i);
                let name_at =
                    names + u32::from_le_bytes(elf[h..h + 4].try_into().unwrap()) as usize;
                let name = elf[name_at..].split(|&b| b == 0).next().unwrap();
                let kind = u32::from_le_bytes(elf[h + 4..h + 8].try_into().unwrap());
                let (at, size) = (u64_at(elf, h + 24), u64_at(elf, h + 32));
                let data = if kind == 8 {
                    vec![]
                } else {
                    elf[at..at + size].to_vec()
                };
                (String::from_utf8_lossy(name).into_owned(), kind, data)
            })
            .collect()
    }

    #[test]
    fn the_kernel_keeps_every_section_but_the_debug_info() {
        let elf = kernel();
        let stripped = without_debug_info(elf.clone());
        let before = sections(&elf);
        assert!(before.iter().any(|(name, ..)| name.starts_with(".debug")));
        assert!(
            stripped.len() < elf.len() / 2,
            "{} of {}",
            stripped.len(),
            elf.len()
        );
        let after = sections(&stripped);
        assert_eq!(after.len(), before.len());
        for ((name, kind, data), (name_after, kind_after, data_after)) in before.iter().zip(&after)
        {
            assert_eq!((name, kind), (name_after, kind_after));
            match name.starts_with(".debug") {
                true => assert!(data_after.is_empty(), "{name}"),
                false => assert_eq!(data, data_after, "{name}"),
            }
        }
        assert!(after.iter().any(|(name, ..)| name == ".bootloader-config"));
        // The loaded part is where it was: the program headers still describe the file.
        let end = loaded_end(&elf).unwrap();
        assert_eq!(elf[..40], stripped[..40]);
        assert_eq!(elf[48..end], stripped[48..end]);
    }

    #[test]
    fn anything_unexpected_passes_through() {
        for odd in [vec![], b"not an elf".to_vec(), kernel()[..100].to_vec()] {
            assert_eq!(without_debug_info(odd.clone()), odd);
            assert_eq!(loadable_part(odd.clone()), odd);
        }
    }
}
