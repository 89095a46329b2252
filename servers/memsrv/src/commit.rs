//! What requests commit before the program's glue makes the kernel calls (`requests.rs`,
//! `fork.rs`, `spawn.rs`): a `page_alloc`ed page and its tables, the heap between the old and
//! new break, a new process's image or its parent's commitment. Each either commits all it needs
//! or changes nothing.
use crate::ledger::Ledger;
use crate::procs::Slots;
use crate::regions::{Regions, STACK_MAX};
use crate::tables::{Tables, FIXED, HEAP};
use core::cmp::Ordering;
use userlib::abi::memsrv::MemError;
use userlib::layout::{is_user_page, PAGE_SIZE, STACK_TOP};

/// A new process's record: its pid and kernel objects' slots, and whether its commitment (and
/// its job's count) could be made. If not, the caller abandons it (`Ledger::abandon`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewChild {
    pub pid: u64,
    pub slots: Slots,
    pub committed: bool,
}

/// A moved break: the old one (what `sbrk` answers), and the pages given back, if it shrank
/// (`[start, end)`: the caller unmaps them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewBreak {
    pub old: u64,
    pub released: Option<(u64, u64)>,
}

impl Ledger {
    /// Commits a `page_alloc` of the page at `addr` for `pid`: the page and the page tables to
    /// reach it (one page per GiB costs three frames, not one). The tables stay claimed even if
    /// the kernel then refuses the page (it may have built them): the caller gives back the page.
    pub fn commit_page(&mut self, pid: u64, addr: u64) -> Result<(), MemError> {
        // Not the null page: a null pointer must stay a fault.
        if !is_user_page(addr) || !(PAGE_SIZE..STACK_TOP).contains(&addr) {
            return Err(MemError::BadAddress);
        }
        let p = self.procs.get_mut(pid).ok_or(MemError::NoChild)?;
        let tables = p.tables.prepare(addr, addr + PAGE_SIZE);
        let tables = tables.map_err(|_| MemError::OutOfMemory)?;
        self.charge(pid, 1 + tables)?;
        self.claim(pid, addr, addr + PAGE_SIZE, FIXED);
        Ok(())
    }

    /// Claims the tables of `[start, end)` for `who` in `pid`'s record (room made and charged).
    fn claim(&mut self, pid: u64, start: u64, end: u64, who: u8) {
        if let Some(p) = self.procs.get_mut(pid) {
            p.tables.claim(start, end, who);
        }
    }

    /// Moves `pid`'s break by `increment`, committing (or giving back) the pages between the old
    /// and the new one and the page tables to map them. Pages above a lowered break are given
    /// back, so a heap grown again starts zeroed and committed afresh.
    pub fn move_break(&mut self, pid: u64, increment: i64) -> Result<NewBreak, MemError> {
        let p = self.procs.get_mut(pid).ok_or(MemError::NoChild)?;
        let (start, old) = (p.regions.heap_start, p.regions.brk);
        let new = old
            .checked_add_signed(increment)
            .filter(|&b| b >= start && b <= STACK_TOP - STACK_MAX)
            .ok_or(MemError::BadAddress)?;
        let end = |b: u64| b.next_multiple_of(PAGE_SIZE);
        let (before, after) = (end(old), end(new));
        let mut released = None;
        match after.cmp(&before) {
            Ordering::Greater => {
                let tables = p.tables.prepare(before, after);
                let tables = tables.map_err(|_| MemError::OutOfMemory)?;
                self.charge(pid, (after - before) / PAGE_SIZE + tables)?;
                self.claim(pid, before, after, HEAP);
            }
            Ordering::Less => {
                let freed = p.tables.release(after, before, (start, after), HEAP);
                self.uncharge(pid, (before - after) / PAGE_SIZE + freed);
                released = Some((after, before));
            }
            Ordering::Equal => {}
        }
        if let Some(p) = self.procs.get_mut(pid) {
            p.regions.brk = new;
        }
        Ok(NewBreak { old, released })
    }

    /// The record of a fork of live process `parent`, in its job, committed what the parent is:
    /// each of its pages may be copied (at once if eager, on a write if copy-on-write), and its
    /// page tables map the same layout (the tables it will have, not a guess). Also the parent's
    /// slots, to copy from.
    pub fn fork_child(&mut self, parent: u64) -> Result<(Slots, NewChild), MemError> {
        let job = self.admit(parent)?;
        let p = self.procs.get(parent).ok_or(MemError::BadRequest)?;
        let from = p.slots().ok_or(MemError::BadRequest)?;
        let (name, len, regions, charged) = (p.name, p.name_len, p.regions.clone(), p.charged);
        let tables = p.tables.try_clone().map_err(|_| MemError::OutOfMemory)?;
        let child = self.add_child(parent, job, &name[..len], regions, tables, charged)?;
        Ok((from, child))
    }

    /// Adds a live record (a child of `parent` in `job`, as `admit` said) and commits `frames`
    /// to it.
    pub fn add_child(
        &mut self,
        parent: u64,
        job: u64,
        name: &[u8],
        regions: Regions,
        tables: Tables,
        frames: u64,
    ) -> Result<NewChild, MemError> {
        let p = self.procs.add(parent, job, name, regions, tables)?;
        let (pid, slots) = (p.pid, p.slots().ok_or(MemError::BadRequest)?);
        let committed = self.join(pid).and_then(|()| self.charge(pid, frames));
        Ok(NewChild {
            pid,
            slots,
            committed: committed.is_ok(),
        })
    }
}
