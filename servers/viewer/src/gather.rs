//! One snapshot of the machine: every frame's state from the kernel (`FrameStates`, 512 frames a
//! call), and from the memory server (the observer's requests) the live processes, each one's
//! mapped pages, and the capabilities of the process on screen. Frames are marked with who owns
//! them as the pages are read.
use userlib::abi::frames::{FrameView, PER_CALL};
use userlib::abi::inspect::{Activity, CapEntry};
use userlib::abi::memsrv::{unpack_name, PageEntry, Region, Request, NAME_MAX};
use userlib::ipc::ipc_word;
use userlib::{sys, CapKind, CapSlot, MsgTag, SysError};

/// The system capability, `READ` only (frame states).
pub const SYSTEM: CapSlot = userlib::slots::VIEW_SYSTEM;
/// The memory server, through the endpoint badged `OBSERVER`.
pub const MEMORY: CapSlot = userlib::slots::VIEW_MEMORY;

/// Frames the viewer describes (256 MiB); memory above is left out of the picture.
pub const MAX_FRAMES: usize = 1 << 16;
/// Pages of the process on screen the viewer keeps (its virtual picture).
pub const MAX_PAGES: usize = 1 << 14;
pub const MAX_PROCS: usize = 16;
pub const MAX_CAPS: usize = 16;

/// What a frame is, as the picture shows it: one character (`Mark::char`) and a colour. Stored
/// as a byte (`code`), so the viewer's tables take no room in its executable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Reserved,
    Free,
    Kernel,
    Console,
    PageTable,
    /// The memory server's own (its image, stack, the boot archive).
    Server,
    /// Mapped by nobody the memory server knows: init and the servers it runs (this viewer).
    Init,
    /// Allocated to user space and mapped nowhere: nobody can use it or give it back.
    Leaked,
    /// Mapped by several processes, read-only for good (code, read-only data).
    SharedReadOnly,
    /// Mapped by several processes, shared copy-on-write until one writes it.
    SharedCow,
    /// One process's own page (pid modulo 36, the digits and letters it shows as).
    Owned {
        pid: u8,
    },
}

/// Characters of pids 0..36: digits, then letters (pids grow without bound in `forkexit`).
pub const PID_CHARS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl Mark {
    pub fn char(self) -> u8 {
        match self {
            Mark::Reserved => b'R',
            Mark::Free => b'.',
            Mark::Kernel => b'K',
            Mark::Console => b'C',
            Mark::PageTable => b'P',
            Mark::Server => b'M',
            Mark::Init => b'I',
            Mark::Leaked => b'L',
            Mark::SharedReadOnly => b'S',
            Mark::SharedCow => b'W',
            Mark::Owned { pid } => PID_CHARS[pid as usize % PID_CHARS.len()],
        }
    }

    /// The byte a table stores (0 for `Reserved`, so a fresh table is all reserved).
    fn code(self) -> u8 {
        match self {
            Mark::Reserved => 0,
            m => m.char(),
        }
    }

    fn from_code(code: u8) -> Mark {
        match code {
            b'.' => Mark::Free,
            b'K' => Mark::Kernel,
            b'C' => Mark::Console,
            b'P' => Mark::PageTable,
            b'M' => Mark::Server,
            b'I' => Mark::Init,
            b'L' => Mark::Leaked,
            b'S' => Mark::SharedReadOnly,
            b'W' => Mark::SharedCow,
            b'0'..=b'9' => Mark::Owned { pid: code - b'0' },
            b'a'..=b'z' => Mark::Owned {
                pid: code - b'a' + 10,
            },
            _ => Mark::Reserved,
        }
    }

    /// The frame as the kernel describes it, before anyone claims it.
    fn of(view: FrameView) -> Mark {
        match view {
            FrameView::Unusable => Mark::Reserved,
            FrameView::Free => Mark::Free,
            FrameView::Kernel => Mark::Kernel,
            FrameView::PageTable => Mark::PageTable,
            FrameView::User { maps: 0 } => Mark::Leaked,
            FrameView::User { .. } => Mark::Init,
        }
    }

    /// What a page mapped by `pid` (0: the server) in `region` makes of its frame.
    fn claimed(view: FrameView, pid: u64, region: Region) -> Mark {
        match (view, region) {
            (FrameView::Kernel, _) | (_, Region::Console) => Mark::Console,
            (FrameView::User { maps }, _) if maps > 1 => match region {
                Region::ReadOnly | Region::Server => Mark::SharedReadOnly,
                _ => Mark::SharedCow,
            },
            _ if pid == 0 => Mark::Server,
            _ => Mark::Owned {
                pid: (pid % PID_CHARS.len() as u64) as u8,
            },
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Process {
    pub pid: u64,
    pub parent: u64,
    pub name: [u8; NAME_MAX],
    pub name_len: usize,
}

impl Process {
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SlotCap {
    pub slot: u64,
    pub cap: CapEntry,
}

pub struct Snapshot {
    pub frames: usize,
    /// The kernel's `abi::frames` byte for each frame.
    states: [u8; MAX_FRAMES],
    /// Each frame's `Mark::code`.
    marks: [u8; MAX_FRAMES],
    pub procs: heapless::Vec<Process, MAX_PROCS>,
    /// The process on screen: its pid, mapped pages (address and mark), capabilities and what it
    /// waits on.
    pub shown: u64,
    /// Page address | `Mark::code` of its frame.
    pages: heapless::Vec<u64, MAX_PAGES>,
    pub caps: heapless::Vec<SlotCap, MAX_CAPS>,
    pub activity: Option<(Activity, u64)>,
    /// The CPU it runs on (or is queued on, or ran on last).
    pub cpu: u64,
    /// Endpoint index of the memory server's service endpoint and of the name service (each
    /// process finds them in slots 0 and 1), to name them.
    pub server_endpoint: Option<u16>,
    pub names_endpoint: Option<u16>,
    /// What the last `take` cost, in TSC ticks (instructions under `-icount shift=0`): reading
    /// the frame states from the kernel, and asking the memory server.
    pub cost: [u64; 2],
}

impl Snapshot {
    pub const fn new() -> Snapshot {
        Snapshot {
            frames: 0,
            states: [0; MAX_FRAMES],
            marks: [0; MAX_FRAMES],
            procs: heapless::Vec::new(),
            shown: 0,
            pages: heapless::Vec::new(),
            caps: heapless::Vec::new(),
            activity: None,
            cpu: 0,
            server_endpoint: None,
            names_endpoint: None,
            cost: [0; 2],
        }
    }

    /// The marks of frames `range`.
    pub fn frame_marks(
        &self,
        range: core::ops::Range<usize>,
    ) -> impl Iterator<Item = Mark> + Clone + '_ {
        self.marks[range].iter().map(|&c| Mark::from_code(c))
    }

    /// How many pages the shown process has mapped.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The shown process's mapped pages `range` (in address order): address and mark.
    pub fn pages(
        &self,
        range: core::ops::Range<usize>,
    ) -> impl Iterator<Item = (u64, Mark)> + Clone + '_ {
        let range = range.start.min(self.pages.len())..range.end.min(self.pages.len());
        self.pages[range]
            .iter()
            .map(|&p| (p & !0xfff, Mark::from_code(p as u8)))
    }

    /// Takes a new snapshot, showing the live process after `previous` if `advance` (rotating),
    /// else `previous` again while it lives.
    pub fn take(&mut self, previous: u64, advance: bool) -> Result<(), SysError> {
        let start = userlib::rdtsc();
        self.frame_states()?;
        let states_read = userlib::rdtsc();
        self.processes()?;
        self.shown = self
            .procs
            .iter()
            .map(|p| p.pid)
            .find(|&pid| pid > previous || (pid == previous && !advance))
            .or_else(|| self.procs.first().map(|p| p.pid))
            .unwrap_or(0);
        self.pages.clear();
        let pids: heapless::Vec<u64, MAX_PROCS> = self.procs.iter().map(|p| p.pid).collect();
        for pid in core::iter::once(0).chain(pids) {
            self.claim_pages(pid)?;
        }
        self.capabilities()?;
        self.cost = [states_read - start, userlib::rdtsc() - states_read];
        Ok(())
    }

    fn frame_states(&mut self) -> Result<(), SysError> {
        // Each state byte's mark, worked out once a refresh rather than once a frame.
        let mark_of: [u8; 256] =
            core::array::from_fn(|b| Mark::of(FrameView::from_byte(b as u8)).code());
        let mut first = 0;
        loop {
            let (count, total) = sys::frame_states(SYSTEM, first as u64)?;
            self.frames = (total as usize).min(MAX_FRAMES);
            let count = (count as usize).min(PER_CALL);
            let count_here = count.min(self.frames.saturating_sub(first));
            for w in 0..count_here.div_ceil(8) {
                let bytes = ipc_word(w).to_le_bytes();
                let (at, n) = (first + 8 * w, (count_here - 8 * w).min(8));
                self.states[at..at + n].copy_from_slice(&bytes[..n]);
                for (mark, &byte) in self.marks[at..at + n].iter_mut().zip(&bytes[..n]) {
                    *mark = mark_of[byte as usize];
                }
            }
            first += count;
            if count == 0 || first >= self.frames {
                return Ok(());
            }
        }
    }

    fn processes(&mut self) -> Result<(), SysError> {
        self.procs.clear();
        let mut from = 1;
        while !self.procs.is_full() {
            let Ok(w) = ask(Request::Processes, [from, 0]) else {
                break; // (no process from `from` on)
            };
            let (name, name_len) = unpack_name([w[1], w[2]]);
            let p = Process {
                pid: w[0],
                parent: w[3],
                name,
                name_len,
            };
            let _ = self.procs.push(p);
            from = w[0] + 1;
        }
        Ok(())
    }

    /// Marks the frames `pid` (0: the server) maps; keeps the pages of the one on screen.
    fn claim_pages(&mut self, pid: u64) -> Result<(), SysError> {
        let mut from = 0;
        loop {
            let Ok(w) = ask(Request::Pages, [pid, from]) else {
                return Ok(()); // (it ended meanwhile)
            };
            let (next, count) = (w[0], w[1] as usize);
            for i in 0..count {
                // (The first page came in registers, the others in the IPC buffer.)
                let words = match i {
                    0 => [w[2], w[3]],
                    _ => [ipc_word(2 + 2 * i), ipc_word(3 + 2 * i)],
                };
                let entry = PageEntry::unpack(words);
                let frame = entry.frame as usize;
                let (Some(&state), Some(mark)) =
                    (self.states.get(frame), self.marks.get_mut(frame))
                else {
                    continue;
                };
                let claimed = Mark::claimed(FrameView::from_byte(state), pid, entry.region);
                // A frame another process claimed too is shared, whatever the kernel counted a
                // moment before (a fork in between).
                let new = match (Mark::from_code(*mark), claimed) {
                    (Mark::Owned { pid: a }, Mark::Owned { pid: b }) if a != b => Mark::SharedCow,
                    _ => claimed,
                };
                *mark = new.code();
                if pid == self.shown {
                    let _ = self.pages.push(entry.addr | new.code() as u64);
                }
            }
            if next == 0 {
                return Ok(());
            }
            from = next;
        }
    }

    fn capabilities(&mut self) -> Result<(), SysError> {
        self.caps.clear();
        self.activity = None;
        for first in [0, 30, 60] {
            let Ok(w) = ask(Request::Caps, [self.shown, first]) else {
                return Ok(());
            };
            let activity = Activity::from_raw(w[1]).unwrap_or(Activity::Ready);
            self.activity = Some((activity, w[2]));
            self.cpu = w[3];
            for i in 0..w[0] as usize {
                let cap = CapEntry::unpack(ipc_word(4 + 2 * i), ipc_word(5 + 2 * i));
                let slot = first + i as u64;
                match (slot, cap.kind) {
                    (_, CapKind::Empty) => continue,
                    (0, CapKind::Endpoint) => self.server_endpoint = Some(cap.index),
                    (1, CapKind::Endpoint) => self.names_endpoint = Some(cap.index),
                    _ => {}
                }
                let _ = self.caps.push(SlotCap { slot, cap });
            }
        }
        Ok(())
    }
}

/// One observer request to the memory server; the reply's register words (the rest are in the
/// IPC buffer).
fn ask(request: Request, words: [u64; 2]) -> Result<[u64; 4], SysError> {
    let tag = MsgTag::new(request.raw(), 2, 0);
    let reply = sys::call(MEMORY, tag, [words[0], words[1], 0, 0])?;
    match reply.tag.label() {
        0 => Ok(reply.words),
        _ => Err(SysError::InvalidArgument),
    }
}
