//! A program's layout as a new process: where its segments, heap and stack are, the page tables
//! they need, and what it is committed at the start (`spawn.rs` loads it).
use crate::regions::{Regions, Segment, STACK_MAX};
use crate::tables::{Tables, FIXED};
use userlib::abi::elf;
use userlib::abi::memsrv::MemError;
use userlib::layout::{CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP};

// The IPC buffer, a page above the stack's top, needs no tables of its own: it is in the span of
// the stack's last-level table.
const _: () = assert!(IPC_BUFFER >> 21 == (STACK_TOP - 1) >> 21);

pub struct Image {
    pub regions: Regions,
    pub tables: Tables,
    /// Frames committed to it: the image's pages (a fork commits them again for the child), its
    /// IPC buffer, and the page tables for all that and the stack.
    pub committed: u64,
}

impl Image {
    /// The layout of a program with these loadable segments (`Elf::segments`); `NoSuchProgram` if it has more than a
    /// process can hold, `OutOfMemory` if the server's heap cannot hold its tables.
    pub fn of<'a>(segments: impl Iterator<Item = elf::Segment<'a>>) -> Result<Image, MemError> {
        let mut regions = Regions::default();
        let mut tables = Tables::new();
        let mut image = 0;
        for s in segments {
            let start = s.vaddr & !(PAGE_SIZE - 1);
            let end = (s.vaddr + s.mem_size).next_multiple_of(PAGE_SIZE);
            let segment = Segment {
                start,
                end,
                writable: s.writable,
            };
            regions
                .segments
                .push(segment)
                .map_err(|_| MemError::NoSuchProgram)?;
            regions.heap_start = regions.heap_start.max(end);
            image += (end - start) / PAGE_SIZE;
            claim(&mut tables, start, end)?;
        }
        regions.brk = regions.heap_start;
        claim(&mut tables, CONSOLE, CONSOLE + PAGE_SIZE)?;
        claim(&mut tables, STACK_TOP - STACK_MAX, STACK_TOP)?;
        let committed = image + 1 + tables.count();
        Ok(Image {
            regions,
            tables,
            committed,
        })
    }
}

/// Commits the page tables of a fixed region of a new process.
fn claim(tables: &mut Tables, start: u64, end: u64) -> Result<(), MemError> {
    tables
        .prepare(start, end)
        .map_err(|_| MemError::OutOfMemory)?;
    tables.claim(start, end, FIXED);
    Ok(())
}
