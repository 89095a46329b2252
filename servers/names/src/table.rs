//! The registered names: a send-only copy of each name's endpoint, who registered it and for which
//! job. Limits are per endpoint object and per job, not per badge, so forking more registrants
//! gets a program no more names; a name goes when its registrant ends or its endpoint is
//! destroyed, so none outlives the program that could free it.
use heapless::Vec;
use userlib::abi::names::{Name, NameError, NAMES_PER_ENDPOINT, NAMES_PER_JOB};
use userlib::{sys, CapKind, CapSlot, Rights};

/// Registered endpoints live in slots `FIRST..FIRST + MAX_NAMES`.
const FIRST: u32 = 16;
const MAX_NAMES: usize = 40;

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

    /// Registers the endpoint in `incoming` as `name` for `owner` of `job`, within the limits.
    /// (Whether `owner` may take a reserved name is the caller's check.)
    pub fn register(
        &mut self,
        owner: u64,
        job: u64,
        name: Name,
        incoming: CapSlot,
    ) -> Result<(), NameError> {
        let info = sys::cap_info(incoming).map_err(|_| NameError::NotAnEndpoint)?;
        if info.kind != CapKind::Endpoint || !info.rights.contains(Rights::SEND) || info.badge != 0
        {
            return Err(NameError::NotAnEndpoint);
        }
        self.forget_the_dead();
        if self.find(&name).is_some() {
            return Err(NameError::Taken);
        }
        let count = |f: &dyn Fn(&Entry) -> bool| self.entries.iter().filter(|e| f(e)).count();
        if count(&|e| e.object == info.object) >= NAMES_PER_ENDPOINT
            || count(&|e| e.job == job) >= NAMES_PER_JOB
        {
            return Err(NameError::Full);
        }
        let slot = (FIRST..FIRST + MAX_NAMES as u32)
            .map(CapSlot)
            .find(|&s| self.entries.iter().all(|e| e.slot != s))
            .ok_or(NameError::Full)?;
        sys::cap_copy(incoming, slot, Rights::SEND | Rights::GRANT)
            .map_err(|_| NameError::NotAnEndpoint)?;
        let entry = Entry {
            name,
            owner,
            job,
            object: info.object,
            slot,
        };
        let _ = self.entries.push(entry); // (a free slot means a free entry)
        Ok(())
    }

    pub fn unregister(&mut self, owner: u64, name: &str) -> Result<(), NameError> {
        let at = self.entries.iter().position(|e| e.name == name);
        let at = at.ok_or(NameError::NotFound)?;
        if self.entries[at].owner != owner {
            return Err(NameError::NotYours);
        }
        self.remove(at);
        Ok(())
    }

    /// The slot holding `name`'s endpoint, if its server is live.
    pub fn lookup(&mut self, name: &str) -> Option<CapSlot> {
        self.forget_the_dead();
        self.find(name)
    }

    /// Drops every name `owner` registered (it has ended).
    pub fn drop_owner(&mut self, owner: u64) {
        while let Some(at) = self.entries.iter().position(|e| e.owner == owner) {
            self.remove(at);
        }
    }

    fn find(&self, name: &str) -> Option<CapSlot> {
        self.entries.iter().find(|e| e.name == name).map(|e| e.slot)
    }

    fn remove(&mut self, at: usize) {
        let entry = self.entries.swap_remove(at);
        let _ = sys::cap_delete(entry.slot);
    }

    /// Drops every name whose endpoint has been destroyed (its server ended, though another
    /// program registered it).
    fn forget_the_dead(&mut self) {
        while let Some(at) = self
            .entries
            .iter()
            .position(|e| sys::cap_info(e.slot).is_err())
        {
            self.remove(at);
        }
    }
}
