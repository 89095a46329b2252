//! What the system tells the service about the programs it runs: which are live, the job each
//! belongs to and the program it runs (from `Started`, `Ended`), and which names are reserved for
//! which program (`Reserve`). Init and the memory server tell it before a program runs and as
//! soon as it ends, so every id that can call the service is known while it lives.
use heapless::Vec;
use userlib::abi::names::{Name, Program};

/// Live programs tracked: more than can be live at once (the memory server's 16 processes and the
/// dozen servers init runs itself).
pub const MAX_LIVE: usize = 64;
/// Reserved names: the registry's servers and system servers.
pub const MAX_RESERVED: usize = 32;

struct Live {
    id: u64,
    job: u64,
    program: Program,
}

pub struct Programs {
    live: Vec<Live, MAX_LIVE>,
    reserved: Vec<Name, MAX_RESERVED>,
}

impl Programs {
    pub fn new() -> Programs {
        Programs {
            live: Vec::new(),
            reserved: Vec::new(),
        }
    }

    /// Program `id`, of job `job`, is about to use the service (the system says so before its
    /// first request; the job is the memory server's, which a program keeps whatever its parent
    /// does). False if there is no room to track it (the service will refuse it).
    pub fn started(&mut self, id: u64, job: u64, program: Program) -> bool {
        self.ended(id);
        self.live.push(Live { id, job, program }).is_ok()
    }

    pub fn ended(&mut self, id: u64) {
        self.live.retain(|p| p.id != id);
    }

    /// The job of `id`, if it is live (the system, id 0, is a job of its own).
    pub fn job(&self, id: u64) -> Option<u64> {
        match id {
            0 => Some(0),
            _ => self.live.iter().find(|p| p.id == id).map(|p| p.job),
        }
    }

    /// Bit `i` set for every `ids[i]` that is not a live program.
    pub fn gone(&self, ids: &[u64]) -> u32 {
        let gone = |&id: &u64| self.job(id).is_none();
        ids.iter()
            .enumerate()
            .filter(|(_, id)| gone(id))
            .map(|(i, _)| 1 << i)
            .sum()
    }

    /// Reserves `name` for the program of that name; false if there is no room.
    pub fn reserve(&mut self, name: Name) -> bool {
        self.reserved.contains(&name) || self.reserved.push(name).is_ok()
    }

    /// May `id` register `name`? Any name that is not reserved; a reserved one only if `id` runs
    /// the program of that name.
    pub fn may_register(&self, id: u64, name: &str) -> bool {
        let runs = |p: &Live| p.id == id && p.program.as_str() == name;
        !self.reserved.iter().any(|r| r == name) || self.live.iter().any(runs)
    }
}
