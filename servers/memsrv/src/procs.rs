//! The process table: one record per process the server runs (and one for init, the client that
//! spawns the first ones). A record outlives its process as a zombie until the parent waits for it.
use heapless::{FnvIndexMap, Vec};
use userlib::abi::memsrv::{ExitHow, INIT_PID, NAME_MAX};
use userlib::layout::{PAGE_SIZE, STACK_TOP};
use userlib::CapSlot;

/// Most processes alive at once (WeensyOS's `NPROC`): each takes three capability slots.
pub const MAX_LIVE: usize = 16;
/// Most records, zombies included.
const MAX_RECORDS: usize = 32;
/// The stack grows on demand down to this far below `STACK_TOP`.
pub const STACK_MAX: u64 = 1 << 20;
/// The first of the per-process capability slots (three each: space, task, own endpoint).
const FIRST_PROCESS_SLOT: u32 = 16;

/// A loaded ELF segment, as far as faults care: code and read-only data must stay read-only.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub start: u64,
    pub end: u64,
    pub writable: bool,
}

/// Where a process's memory may be: the server resolves faults and checks mappings by these.
#[derive(Clone, Debug, Default)]
pub struct Regions {
    pub segments: Vec<Segment, 8>,
    /// The heap: `[heap_start, brk)`, demand-zero.
    pub heap_start: u64,
    pub brk: u64,
    /// The range `page_alloc` has mapped into (lowest and one past the highest page).
    pub allocated: (u64, u64),
}

impl Regions {
    pub fn is_read_only(&self, page: u64) -> bool {
        let hit = |s: &&Segment| (s.start..s.end).contains(&page);
        self.segments.iter().find(hit).is_some_and(|s| !s.writable)
    }

    /// The heap below the break: zeroed pages appear there when first touched.
    pub fn is_heap(&self, page: u64) -> bool {
        (self.heap_start..self.brk.next_multiple_of(PAGE_SIZE)).contains(&page)
    }

    /// The stack's region: zeroed pages appear there when first touched.
    pub fn is_stack(&self, page: u64) -> bool {
        (STACK_TOP - STACK_MAX..STACK_TOP).contains(&page)
    }

    /// Every range where the process may have pages (segments, heap, `page_alloc`ed pages,
    /// stack), sorted and merged: what fork shares and the checks walk. (The IPC buffer, above
    /// the stack, is not in it.)
    pub fn ranges(&self) -> Vec<(u64, u64), 12> {
        let mut all: Vec<(u64, u64), 12> = Vec::new();
        let heap = (self.heap_start, self.brk.next_multiple_of(PAGE_SIZE));
        let stack = (STACK_TOP - STACK_MAX, STACK_TOP);
        let segments = self.segments.iter().map(|s| (s.start, s.end));
        for range in segments.chain([heap, self.allocated, stack]) {
            if range.0 < range.1 {
                let _ = all.push(range); // (at most 8 segments and 3 more)
            }
        }
        all.sort_unstable();
        let mut merged: Vec<(u64, u64), 12> = Vec::new();
        for (start, end) in all {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => {
                    let _ = merged.push((start, end));
                }
            }
        }
        merged
    }

    pub fn note_allocated(&mut self, page: u64) {
        let (lo, hi) = self.allocated;
        self.allocated = if lo == hi {
            (page, page + PAGE_SIZE)
        } else {
            (lo.min(page), hi.max(page + PAGE_SIZE))
        };
    }
}

/// The kernel objects of a live process: capability slots in the server's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slots {
    index: usize,
}

impl Slots {
    fn slot(self, n: u32) -> CapSlot {
        CapSlot(FIRST_PROCESS_SLOT + 3 * self.index as u32 + n)
    }
    pub fn space(self) -> CapSlot {
        self.slot(0)
    }
    pub fn task(self) -> CapSlot {
        self.slot(1)
    }
    /// The endpoint the process finds at `slots::OWN`.
    pub fn own(self) -> CapSlot {
        self.slot(2)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Running (or blocked); `None` for init, which the server does not run.
    Live(Option<Slots>),
    /// Ended; the record waits for the parent's `wait`.
    Zombie { how: ExitHow, code: i64 },
}

pub struct Process {
    pub pid: u64,
    /// 0 once the parent has ended (an orphan is forgotten when it ends).
    pub parent: u64,
    pub name: [u8; NAME_MAX],
    pub name_len: usize,
    /// The kernel's index of its task: kernel notices name it.
    pub task_id: u64,
    pub state: State,
    pub regions: Regions,
    /// Pages committed to it: ones it may have privately and writably mapped (its quota counts
    /// these). See `Server::charge`.
    pub charged: u64,
    /// Blocked in `Wait`: the task to reply to and the pid it waits for (0: any).
    pub waiting: Option<(u64, u64)>,
}

impl Process {
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }

    pub fn slots(&self) -> Option<Slots> {
        match self.state {
            State::Live(slots) => slots,
            State::Zombie { .. } => None,
        }
    }
}

pub struct Table {
    records: FnvIndexMap<u64, Process, MAX_RECORDS>,
    /// Which slot groups are in use, by the pid using them.
    used_slots: [u64; MAX_LIVE],
    next_pid: u64,
}

impl Table {
    pub fn new() -> Table {
        let mut t = Table {
            records: FnvIndexMap::new(),
            used_slots: [0; MAX_LIVE],
            next_pid: INIT_PID + 1,
        };
        let mut name = [0; NAME_MAX];
        name[..4].copy_from_slice(b"init");
        let init = Process {
            pid: INIT_PID,
            parent: 0,
            name,
            name_len: 4,
            task_id: u64::MAX,
            state: State::Live(None),
            regions: Regions::default(),
            charged: 0,
            waiting: None,
        };
        let _ = t.records.insert(INIT_PID, init);
        t
    }

    pub fn get(&self, pid: u64) -> Option<&Process> {
        self.records.get(&pid)
    }

    pub fn get_mut(&mut self, pid: u64) -> Option<&mut Process> {
        self.records.get_mut(&pid)
    }

    /// A new live record with free slots, or `None` if the table is full.
    pub fn add(&mut self, parent: u64, name: &[u8], regions: Regions) -> Option<&mut Process> {
        let free = self.used_slots.iter().position(|&p| p == 0)?;
        if self.records.len() == MAX_RECORDS {
            return None;
        }
        // Never reused: the name service and servers know programs by pid for the whole run.
        let pid = self.next_pid;
        self.next_pid += 1;
        self.used_slots[free] = pid;
        let mut buf = [0; NAME_MAX];
        let len = name.len().min(NAME_MAX);
        buf[..len].copy_from_slice(&name[..len]);
        let process = Process {
            pid,
            parent,
            name: buf,
            name_len: len,
            task_id: 0,
            state: State::Live(Some(Slots { index: free })),
            regions,
            charged: 0,
            waiting: None,
        };
        self.records.insert(pid, process).ok()?;
        self.records.get_mut(&pid)
    }

    /// Marks a process ended (its slots free again); the record stays as a zombie.
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) {
        for p in self.used_slots.iter_mut().filter(|p| **p == pid) {
            *p = 0;
        }
        if let Some(p) = self.records.get_mut(&pid) {
            p.state = State::Zombie { how, code };
            p.waiting = None;
        }
    }

    pub fn remove(&mut self, pid: u64) -> Option<Process> {
        self.records.remove(&pid)
    }

    pub fn pids(&self) -> Vec<u64, MAX_RECORDS> {
        self.records.keys().copied().collect()
    }

    pub fn children(&self, parent: u64) -> impl Iterator<Item = &Process> + '_ {
        self.records.values().filter(move |p| p.parent == parent)
    }

    pub fn live(&self) -> impl Iterator<Item = (&Process, Slots)> + '_ {
        self.records.values().filter_map(|p| Some((p, p.slots()?)))
    }
}
