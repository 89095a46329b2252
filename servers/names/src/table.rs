//! The registered names: a send-only copy of each name's endpoint, who registered it and for which
//! job. Limits are per endpoint object and per job, not per badge, so forking more registrants
//! gets a program no more names; a name goes when its registrant ends or its endpoint is
//! destroyed, so none outlives the program that could free it. The table decides; the program
//! copies and deletes the capabilities it names (`main.rs`).
use heapless::Vec;
use userlib::abi::names::{Name, NameError, NAMES_PER_ENDPOINT, NAMES_PER_JOB};
use userlib::sys::CapInfo;
use userlib::{CapKind, CapSlot, Rights};

/// Registered endpoints live in slots `FIRST..FIRST + MAX_NAMES`.
pub const FIRST: u32 = 16;
pub const MAX_NAMES: usize = 40;

/// Slots whose capabilities the program deletes (names that went).
pub type Freed = Vec<CapSlot, MAX_NAMES>;

struct Entry {
    name: Name,
    /// The id of the program that registered it.
    owner: u64,
    job: u64,
    /// The endpoint object (`CapInfo`'s identity).
    object: u64,
    slot: CapSlot,
}

pub struct Table {
    entries: Vec<Entry, MAX_NAMES>,
}

impl Table {
    pub fn new() -> Table {
        Table {
            entries: Vec::new(),
        }
    }

    /// The slot where `name` may be registered for a program of `job`, offering the capability
    /// `info` describes: an unbadged send capability to an endpoint, a name not taken, within
    /// the limits. (Whether the program may take a reserved name is the caller's check; names of
    /// destroyed endpoints should be dropped first, `drop_where`.)
    pub fn place(&self, job: u64, name: &str, info: &CapInfo) -> Result<CapSlot, NameError> {
        if info.kind != CapKind::Endpoint || !info.rights.contains(Rights::SEND) || info.badge != 0
        {
            return Err(NameError::NotAnEndpoint);
        }
        if self.lookup(name).is_some() {
            return Err(NameError::Taken);
        }
        let count = |f: &dyn Fn(&Entry) -> bool| self.entries.iter().filter(|e| f(e)).count();
        if count(&|e| e.object == info.object) >= NAMES_PER_ENDPOINT
            || count(&|e| e.job == job) >= NAMES_PER_JOB
        {
            return Err(NameError::Full);
        }
        (FIRST..FIRST + MAX_NAMES as u32)
            .map(CapSlot)
            .find(|&s| self.entries.iter().all(|e| e.slot != s))
            .ok_or(NameError::Full)
    }

    /// Records `name` in `slot` (from `place`, the capability copied there).
    pub fn insert(&mut self, owner: u64, job: u64, name: Name, object: u64, slot: CapSlot) {
        let entry = Entry {
            name,
            owner,
            job,
            object,
            slot,
        };
        let _ = self.entries.push(entry); // (a free slot means a free entry)
    }

    /// Removes `owner`'s `name`; the slot to delete.
    pub fn unregister(&mut self, owner: u64, name: &str) -> Result<CapSlot, NameError> {
        let at = self.entries.iter().position(|e| e.name == name);
        let at = at.ok_or(NameError::NotFound)?;
        if self.entries[at].owner != owner {
            return Err(NameError::NotYours);
        }
        Ok(self.entries.swap_remove(at).slot)
    }

    /// The slot holding `name`'s endpoint.
    pub fn lookup(&self, name: &str) -> Option<CapSlot> {
        self.entries.iter().find(|e| e.name == name).map(|e| e.slot)
    }

    /// Drops every name `owner` registered (it has ended).
    pub fn drop_owner(&mut self, owner: u64) -> Freed {
        self.drop_where(|e| e.owner == owner)
    }

    /// Drops every name whose slot `dead` says holds a destroyed endpoint (its server ended,
    /// though another program registered it).
    pub fn drop_dead(&mut self, mut dead: impl FnMut(CapSlot) -> bool) -> Freed {
        self.drop_where(|e| dead(e.slot))
    }

    fn drop_where(&mut self, mut drop: impl FnMut(&Entry) -> bool) -> Freed {
        let mut freed = Freed::new();
        self.entries.retain(|e| {
            let gone = drop(e);
            if gone {
                let _ = freed.push(e.slot); // (as many as entries)
            }
            !gone
        });
        freed
    }
}
