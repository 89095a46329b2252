//! The process records: one per process the server runs (and one for init, the client that
//! spawns the first ones), on the server's heap, so they grow with what runs; `jobs.rs` bounds how
//! many one job may have. A record outlives its process as a zombie until the parent waits for it
//! (or the zombie policy drops it, `ending.rs`).
use crate::jobs::MAX_LIVE;
use crate::map::Map;
use crate::regions::Regions;
use crate::tables::Tables;
use userlib::abi::memsrv::{ExitHow, MemError, INIT_PID, NAME_MAX};
use userlib::CapSlot;

/// The first of the per-process capability slots (three each: space, task, own endpoint). The
/// server's table has 64: 16 of its own, then three for each of [`MAX_LIVE`] processes.
const FIRST_PROCESS_SLOT: u32 = 16;

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
    /// Ended; the record waits for the parent's `wait`. `ended` orders zombies by age.
    Zombie { how: ExitHow, code: i64, ended: u64 },
}

pub struct Process {
    pub pid: u64,
    /// 0 for a process nobody will wait for (one whose spawn or fork failed).
    pub parent: u64,
    /// The job it belongs to (the pid of the process init spawned it from; 0 for init).
    pub job: u64,
    /// An orphan init adopted: nobody waits for it, so it leaves no zombie.
    pub adopted: bool,
    pub name: [u8; NAME_MAX],
    pub name_len: usize,
    /// The kernel's index of its task: kernel notices name it.
    pub task_id: u64,
    pub state: State,
    pub regions: Regions,
    /// Frames committed to it: pages it may have privately and writably mapped and the page
    /// tables to map them (`tables`). Its job's quota counts these. See `Server::charge`.
    pub charged: u64,
    pub tables: Tables,
    /// Blocked in `Wait`: the task to reply to and the pid it waits for (0: any).
    pub waiting: Option<(u64, u64)>,
    /// Its children that have ended and not been waited for.
    pub zombies: u32,
    /// The name service has been told it exists (it asked for its capability to the service):
    /// the service must hear when it ends.
    pub named: bool,
}

impl Process {
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }

    #[inline]
    pub fn slots(&self) -> Option<Slots> {
        match self.state {
            State::Live(slots) => slots,
            State::Zombie { .. } => None,
        }
    }

    pub fn is_zombie(&self) -> bool {
        matches!(self.state, State::Zombie { .. })
    }
}

pub struct Table {
    records: Map<u64, Process>,
    /// Which slot groups are in use, by the pid using them.
    used_slots: [u64; MAX_LIVE],
    live: usize,
    next_pid: u64,
    /// Counts ends, to tell the oldest zombie.
    ends: u64,
}

impl Table {
    pub fn new() -> Table {
        let mut name = [0; NAME_MAX];
        name[..4].copy_from_slice(b"init");
        let init = Process {
            pid: INIT_PID,
            parent: 0,
            job: 0,
            adopted: false,
            name,
            name_len: 4,
            task_id: u64::MAX,
            state: State::Live(None),
            regions: Regions::default(),
            charged: 0,
            tables: Tables::new(),
            waiting: None,
            zombies: 0,
            named: false,
        };
        let mut records = Map::default();
        records.insert(INIT_PID, init);
        Table {
            records,
            used_slots: [0; MAX_LIVE],
            live: 0,
            next_pid: INIT_PID + 1,
            ends: 0,
        }
    }

    #[inline]
    pub fn get(&self, pid: u64) -> Option<&Process> {
        self.records.get(&pid)
    }

    #[inline]
    pub fn get_mut(&mut self, pid: u64) -> Option<&mut Process> {
        self.records.get_mut(&pid)
    }

    /// Processes alive now (init not counted).
    pub fn live_count(&self) -> usize {
        self.live
    }

    /// A new live record with free slots in `job` (its own pid if `job` is 0: a new job), or
    /// `TooManyProcesses` if no slots are free, `OutOfMemory` if the server's heap cannot hold
    /// it. Limits per job are the caller's (`Server::admit`).
    pub fn add(
        &mut self,
        parent: u64,
        job: u64,
        name: &[u8],
        regions: Regions,
        tables: Tables,
    ) -> Result<&mut Process, MemError> {
        let free = self.used_slots.iter().position(|&p| p == 0);
        let free = free.ok_or(MemError::TooManyProcesses)?;
        self.records
            .try_reserve(1)
            .map_err(|_| MemError::OutOfMemory)?;
        // Never reused: the name service and servers know programs by pid for the whole run.
        let pid = self.next_pid;
        self.next_pid += 1;
        self.used_slots[free] = pid;
        self.live += 1;
        let mut buf = [0; NAME_MAX];
        let len = name.len().min(NAME_MAX);
        buf[..len].copy_from_slice(&name[..len]);
        let process = Process {
            pid,
            parent,
            job: if job == 0 { pid } else { job },
            adopted: false,
            name: buf,
            name_len: len,
            task_id: 0,
            state: State::Live(Some(Slots { index: free })),
            regions,
            charged: 0,
            tables,
            waiting: None,
            zombies: 0,
            named: false,
        };
        Ok(self.records.entry(pid).insert(process).into_mut())
    }

    /// Marks a process ended (its slots free again, its committed tables dropped); the record
    /// stays as a zombie.
    pub fn end(&mut self, pid: u64, how: ExitHow, code: i64) {
        if let Some(at) = self.used_slots.iter().position(|&p| p == pid) {
            self.used_slots[at] = 0;
            self.live -= 1;
        }
        self.ends += 1;
        let ended = self.ends;
        if let Some(p) = self.records.get_mut(&pid) {
            p.state = State::Zombie { how, code, ended };
            p.waiting = None;
            p.tables = Tables::new();
        }
    }

    pub fn remove(&mut self, pid: u64) -> Option<Process> {
        self.records.remove(&pid)
    }

    /// Every record, to change in place.
    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut Process> + '_ {
        self.records.values_mut()
    }

    /// Drops every record `drop` says to, telling `dropped` of each.
    pub fn drop_where(
        &mut self,
        mut drop: impl FnMut(&Process) -> bool,
        mut dropped: impl FnMut(&Process),
    ) {
        self.records.retain(|_, p| {
            let gone = drop(p);
            if gone {
                dropped(p);
            }
            !gone
        });
    }

    pub fn children(&self, parent: u64) -> impl Iterator<Item = &Process> + '_ {
        self.records.values().filter(move |p| p.parent == parent)
    }

    /// A live child of `parent` (`pid` 0: any), if it has one.
    pub fn live_child(&self, parent: u64, pid: u64) -> Option<u64> {
        self.children(parent)
            .find(|c| (pid == 0 || c.pid == pid) && c.slots().is_some())
            .map(|c| c.pid)
    }

    /// Live process `pid` if it is an orphan (init adopted it) of the job `leader` leads: the
    /// job's first process may end those, as no one else could (a shell ends what its
    /// foreground program left running). `pid` 0 is never one.
    pub fn live_orphan_of(&self, leader: u64, pid: u64) -> Option<u64> {
        let p = self.get(pid)?;
        (p.adopted && p.job == leader && pid != leader && p.slots().is_some()).then_some(pid)
    }

    /// The zombie child of `parent` that ended first.
    pub fn oldest_zombie(&self, parent: u64) -> Option<u64> {
        self.children(parent)
            .filter_map(|c| match c.state {
                State::Zombie { ended, .. } => Some((ended, c.pid)),
                State::Live(_) => None,
            })
            .min()
            .map(|(_, pid)| pid)
    }

    pub fn live(&self) -> impl Iterator<Item = (&Process, Slots)> + '_ {
        self.records.values().filter_map(|p| Some((p, p.slots()?)))
    }
}
