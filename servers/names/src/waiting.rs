//! Lookups held until their name appears or their time is up (deferred replies). Only calls are
//! held (a sent lookup has nobody to answer); at most `WAITS_PER_JOB` per job, so forking more
//! waiters gets a program no more places; a waiter's place goes the moment its program ends.
use heapless::Vec;
use userlib::abi::names::{Name, NameError, Reply, MAX_WAIT_TICKS, WAITS_PER_JOB};

/// Lookups held at once.
pub const MAX_WAITING: usize = 8;

struct Waiter {
    name: Name,
    client: u64,
    job: u64,
    /// The task to answer.
    sender: u64,
    ticks_left: u32,
}

pub struct Waiting {
    list: Vec<Waiter, MAX_WAITING>,
}

/// An answer due to a held lookup: (the task, what to tell it).
pub type Due = (u64, Result<Reply, NameError>);

impl Waiting {
    pub fn new() -> Waiting {
        Waiting { list: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Holds `sender`'s lookup of `name` for at most `wait_ticks`; `Busy` if its job has its share
    /// or every place is taken.
    pub fn hold(
        &mut self,
        name: Name,
        client: u64,
        job: u64,
        sender: u64,
        wait_ticks: u32,
    ) -> Result<(), NameError> {
        if self.list.iter().filter(|w| w.job == job).count() >= WAITS_PER_JOB {
            return Err(NameError::Busy);
        }
        let waiter = Waiter {
            name,
            client,
            job,
            sender,
            ticks_left: wait_ticks.min(MAX_WAIT_TICKS),
        };
        self.list.push(waiter).map_err(|_| NameError::Busy)
    }

    /// `name` was registered: those waiting for it may ask again.
    pub fn registered(&mut self, name: &str) -> impl Iterator<Item = Due> {
        self.take(|w| w.name == name)
            .into_iter()
            .map(|sender| (sender, Ok(Reply::Registered)))
    }

    /// One timer tick passed with no message: lookups that waited long enough get `NotFound`.
    /// (Ticks spent handling messages are not counted: waits are at least as long as asked.)
    pub fn tick(&mut self) -> impl Iterator<Item = Due> {
        for w in self.list.iter_mut() {
            w.ticks_left = w.ticks_left.saturating_sub(1);
        }
        self.take(|w| w.ticks_left == 0)
            .into_iter()
            .map(|sender| (sender, Err(NameError::NotFound)))
    }

    /// Program `client` ended: its held lookups go (its task is gone, nobody to answer).
    pub fn drop_client(&mut self, client: u64) {
        self.list.retain(|w| w.client != client);
    }

    /// Removes the waiters `pick` chooses; their tasks.
    fn take(&mut self, pick: impl Fn(&Waiter) -> bool) -> Vec<u64, MAX_WAITING> {
        let mut taken: Vec<u64, MAX_WAITING> = Vec::new();
        self.list.retain(|w| {
            let hit = pick(w);
            if hit {
                let _ = taken.push(w.sender);
            }
            !hit
        });
        taken
    }
}
