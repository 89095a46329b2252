//! The observer's requests (the memory viewer's, through the endpoint init badged `OBSERVER`):
//! which processes live, what each has mapped where, and their capabilities. Read-only, and each
//! request's work is bounded (at most `LIST_CALLS` bounded `AsPages` calls), so an observer cannot
//! hold the server up for long.
use crate::regions::{Regions, STACK_MAX};
use crate::{Outcome, Server, OWN_SPACE, SYSTEM_READ};
use heapless::Vec;
use memsrv::census::Tally;
use userlib::abi::elf::Elf;
use userlib::abi::frames::PER_CALL;
use userlib::abi::inspect::SLOTS_PER_CALL;
use userlib::abi::memsrv::{
    pack_name, MemError, PageEntry, ProcState, Region, Request, PAGES_PER_REPLY, SLOTS_PER_REPLY,
};
use userlib::ipc::{ipc_word, set_ipc_word, Received};
use userlib::layout::{BOOTFS, CONSOLE, IPC_BUFFER, PAGE_SIZE, STACK_TOP, USER_TOP};
use userlib::sys;

/// Most `AsPages` calls one `Pages` request makes (each examines at most 512 table entries).
const LIST_CALLS: u32 = 8;
/// The stack init maps for the servers it starts (its `STACK_PAGES`).
const SERVER_STACK: u64 = 16 * PAGE_SIZE;

impl Server {
    pub fn observe(&mut self, msg: &Received) -> Outcome {
        let w = msg.msg.words;
        let result = match Request::from_raw(msg.label()) {
            Some(Request::Processes) => self.next_process(w[0]).map(|words| (words, 4)),
            Some(Request::Pages) => self.pages(w[0], w[1]),
            Some(Request::Caps) => self.caps(w[0], w[1]),
            _ => Err(MemError::BadRequest),
        };
        match result {
            Ok((words, count)) => Outcome::ReplyLong(words, count),
            Err(e) => Outcome::Refuse(e),
        }
    }

    /// `Processes` from any process: the observer's answer and the process's state (w4, in the
    /// IPC buffer).
    pub fn process_entry(&self, from: u64) -> Outcome {
        match self.next_process(from) {
            Ok(words) => {
                let adopted = self.ledger.procs.get(words[0]).is_some_and(|p| p.adopted);
                let state = match adopted {
                    true => ProcState::Orphan,
                    false => ProcState::Running,
                };
                set_ipc_word(4, state as u64);
                Outcome::ReplyLong(words, 5)
            }
            Err(e) => Outcome::Refuse(e),
        }
    }

    /// The frame census (`Census`): the kernel's frame states, counted.
    pub fn census(&self) -> Result<[u64; 4], MemError> {
        let mut tally = Tally::default();
        let mut first = 0;
        loop {
            let (described, _) =
                sys::frame_states(SYSTEM_READ, first).map_err(|_| MemError::BadRequest)?;
            if described == 0 {
                return Ok(tally.words());
            }
            let mut bytes = [0u8; PER_CALL];
            for (i, chunk) in bytes.as_chunks_mut::<8>().0.iter_mut().enumerate() {
                chunk.copy_from_slice(&ipc_word(i).to_le_bytes());
            }
            tally.add(&bytes[..described as usize]);
            first += described;
        }
    }

    fn next_process(&self, from: u64) -> Result<[u64; 4], MemError> {
        let (p, _) = self
            .ledger
            .procs
            .live()
            .filter(|(p, _)| p.pid >= from)
            .min_by_key(|(p, _)| p.pid)
            .ok_or(MemError::NoChild)?;
        let name = pack_name(p.name()).unwrap_or([0; 2]);
        Ok([p.pid, name[0], name[1], p.parent])
    }

    /// Up to `PAGES_PER_REPLY` mapped pages of `pid` (0: the server) from `from` on, in its
    /// regions; the reply's words beyond the registers are staged in the IPC buffer. The kernel
    /// lists them (`AsPages`, skipping empty tables), at most `LIST_CALLS` calls a request.
    fn pages(&self, pid: u64, from: u64) -> Result<([u64; 4], usize), MemError> {
        let (space, ranges) = if pid == 0 {
            (OWN_SPACE, self.own_ranges())
        } else {
            let p = self.ledger.procs.get(pid).ok_or(MemError::NoChild)?;
            (
                p.slots().ok_or(MemError::NoChild)?.space(),
                ranges_of(&p.regions),
            )
        };
        // The reply: w0 where to go on (0: done), w1 how many pages, then two words a page.
        let mut words = [0; 2 + 2 * PAGES_PER_REPLY];
        let (mut found, mut calls) = (0, 0);
        'walk: for &(start, end, region) in &ranges {
            let end = end.next_multiple_of(PAGE_SIZE).min(USER_TOP);
            let mut at = start.max(from) & !(PAGE_SIZE - 1);
            while at < end {
                if calls == LIST_CALLS {
                    words[0] = at;
                    break 'walk;
                }
                calls += 1;
                // (The listing is in the IPC buffer until the reply is staged there.)
                let listed = sys::as_pages(space, at, end).map_err(|_| MemError::NoChild)?;
                for page in listed.pages() {
                    let (addr, rights, frame) = (page.addr, page.rights, page.frame);
                    if found == PAGES_PER_REPLY {
                        words[0] = addr;
                        break 'walk;
                    }
                    let entry = PageEntry {
                        addr,
                        rights,
                        region,
                        frame,
                    };
                    words[2 + 2 * found..4 + 2 * found].copy_from_slice(&entry.pack());
                    found += 1;
                }
                at = listed.next;
            }
        }
        words[1] = found as u64;
        Ok(stage(&words[..2 + 2 * found]))
    }

    /// The server's own pages: its image (from the boot archive), stack, IPC buffer, the boot
    /// archive, its heap and the console.
    fn own_ranges(&self) -> Vec<(u64, u64, Region), 16> {
        let mut ranges = Vec::new();
        let image = self
            .fs
            .find(crate::NAME)
            .and_then(|f| Elf::parse(f.data).ok());
        for s in image.iter().flat_map(|elf| elf.segments()) {
            let end = (s.vaddr + s.mem_size).next_multiple_of(PAGE_SIZE);
            let _ = ranges.push((s.vaddr & !(PAGE_SIZE - 1), end, Region::Server));
        }
        let archive_end = BOOTFS + self.fs_len.next_multiple_of(PAGE_SIZE);
        for range in [
            (CONSOLE, CONSOLE + PAGE_SIZE, Region::Console),
            (BOOTFS, archive_end, Region::Server),
            (crate::heap::BASE, crate::heap::end(), Region::Server),
            (STACK_TOP - SERVER_STACK, STACK_TOP, Region::Stack),
            (IPC_BUFFER, IPC_BUFFER + PAGE_SIZE, Region::IpcBuffer),
        ] {
            let _ = ranges.push(range);
        }
        ranges.sort_unstable_by_key(|r| r.0);
        ranges
    }

    /// `pid`'s capabilities from `first` on, and what it waits for.
    fn caps(&self, pid: u64, first: u64) -> Result<([u64; 4], usize), MemError> {
        let p = self.ledger.procs.get(pid).ok_or(MemError::NoChild)?;
        let task = p.slots().ok_or(MemError::NoChild)?.task();
        let info = sys::task_caps(task, first).map_err(|_| MemError::NoChild)?;
        let count = (info.slots as usize).min(SLOTS_PER_REPLY);
        let mut words: Vec<u64, 64> = Vec::new();
        let _ = words.extend_from_slice(&[count as u64, info.activity, info.on, info.cpu]);
        // (The kernel wrote the entries into the IPC buffer's words; they move up past the head.)
        let entries: Vec<u64, { 2 * SLOTS_PER_CALL }> = (0..2 * count).map(ipc_word).collect();
        let _ = words.extend_from_slice(&entries);
        Ok(stage(&words))
    }
}

/// Every region of a process where pages may be mapped, with its kind, in address order.
fn ranges_of(r: &Regions) -> Vec<(u64, u64, Region), 16> {
    let mut ranges: Vec<(u64, u64, Region), 16> = Vec::new();
    let console = (CONSOLE, CONSOLE + PAGE_SIZE, Region::Console);
    let segments = r.segments.iter().map(|s| {
        let kind = if s.writable {
            Region::Data
        } else {
            Region::ReadOnly
        };
        (s.start, s.end, kind)
    });
    let heap = (
        r.heap_start,
        r.brk.next_multiple_of(PAGE_SIZE),
        Region::Heap,
    );
    let allocated = (r.allocated.0, r.allocated.1, Region::Allocated);
    let stack = (STACK_TOP - STACK_MAX, STACK_TOP, Region::Stack);
    let ipc = (IPC_BUFFER, IPC_BUFFER + PAGE_SIZE, Region::IpcBuffer);
    for range in [console]
        .into_iter()
        .chain(segments)
        .chain([heap, allocated, stack, ipc])
    {
        if range.0 < range.1 {
            let _ = ranges.push(range);
        }
    }
    ranges.sort_unstable_by_key(|r| r.0);
    // Where ranges overlap (`page_alloc`ed pages in the heap), each page is reported once.
    let mut clipped: Vec<(u64, u64, Region), 16> = Vec::new();
    for (start, end, kind) in ranges {
        let start = clipped.last().map_or(start, |last| start.max(last.1));
        if start < end {
            let _ = clipped.push((start, end, kind));
        }
    }
    clipped
}

/// Puts a reply's words beyond the registers into the IPC buffer; returns the register words and
/// the word count.
fn stage(words: &[u64]) -> ([u64; 4], usize) {
    let mut regs = [0; 4];
    for (i, &w) in words.iter().enumerate() {
        match regs.get_mut(i) {
            Some(r) => *r = w,
            None => set_ipc_word(i, w),
        }
    }
    (regs, words.len())
}
