//! The name service's decisions, apart from the kernel calls that carry them out: the table of
//! names (`table.rs`), the held lookups (`waiting.rs`), the programs the system says are live and
//! the reserved names (`programs.rs`), and what each request comes to (here). Nothing here calls
//! the kernel, so it runs in host tests (`cargo test -p names --lib`); the program (`main.rs`)
//! receives, asks these what to do, copies and deletes capabilities, and replies.
#![cfg_attr(not(test), no_std)]
// The server makes each table once, with `new`; a `Default` would be one more way nobody uses.
#![allow(clippy::new_without_default)]

pub mod programs;
pub mod table;
pub mod waiting;

#[cfg(test)]
mod tests;

use programs::Programs;
use table::Table;
use userlib::abi::names::{valid_name, Name, NameError, Request};
use userlib::abi::wire::Rejection;
use userlib::ipc::Received;
use userlib::names::NameService;
use userlib::{rpc, CapSlot};
use waiting::Waiting;

pub struct Names {
    pub table: Table,
    pub waiting: Waiting,
    pub programs: Programs,
    /// Requests sent rather than called: dropped unanswered.
    pub sent: u64,
}

/// What a lookup comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The name's endpoint is in this slot: the client gets a copy badged with its id.
    Found(CapSlot),
    /// Held until the name appears or the time is up (`Waiting`).
    Held,
    Refused(NameError),
}

/// What the service does with a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Handling {
    /// Sent rather than called: nobody waits for an answer, so it is dropped unanswered, whatever
    /// it asks (a lookup is never held for it).
    Ignore,
    /// What the system tells (`Started`, `Ended`), sent through its unbadged capability: acted on
    /// and answered to nobody (a notice costs the memory server half a round trip).
    Note(Request),
    Serve(Request),
    /// Not a request of this protocol (`userlib::rpc` says why).
    Reject(Rejection),
}

/// What to do with `msg`: only a call of this protocol is served, and the system's notices.
pub fn handling(msg: &Received) -> Handling {
    if !msg.awaits_reply() {
        return match rpc::decode_request::<NameService>(msg) {
            Ok(notice @ (Request::Started { .. } | Request::Ended { .. })) if msg.badge == 0 => {
                Handling::Note(notice)
            }
            _ => Handling::Ignore,
        };
    }
    match rpc::decode_request::<NameService>(msg) {
        Ok(request) => Handling::Serve(request),
        Err(why) => Handling::Reject(why),
    }
}

/// Whether `id` may make `request`: what the system tells the service (`Started`, `Ended`,
/// `Reserve`) comes only through its unbadged capabilities (init's and the memory server's).
pub fn permitted(id: u64, request: &Request) -> Result<(), NameError> {
    match request {
        Request::Started { .. } | Request::Ended { .. } | Request::Reserve { .. } if id != 0 => {
            Err(NameError::NotAllowed)
        }
        _ => Ok(()),
    }
}

impl Names {
    pub fn new() -> Names {
        Names {
            table: Table::new(),
            waiting: Waiting::new(),
            programs: Programs::new(),
            sent: 0,
        }
    }

    /// The job `owner` registers `name` for, if it may: a valid name, a program the service
    /// knows, and not a name reserved for another program. (The table's limits come next.)
    pub fn registrant(&self, owner: u64, name: &Name) -> Result<u64, NameError> {
        if !valid_name(name) {
            return Err(NameError::BadName);
        }
        let job = self.programs.job(owner).ok_or(NameError::Busy)?;
        if !self.programs.may_register(owner, name) {
            return Err(NameError::Reserved);
        }
        Ok(job)
    }

    /// `client`'s lookup of `name` (its task `sender`, for a held one), waiting at most
    /// `wait_ticks` for it to appear. (Names of destroyed endpoints are dropped first:
    /// `Table::drop_dead`.)
    pub fn lookup(&mut self, client: u64, sender: u64, name: Name, wait_ticks: u32) -> Lookup {
        // Every badge handed out belongs to a program the service tracks, so `Gone` is exact.
        let Some(job) = self.programs.job(client) else {
            return Lookup::Refused(NameError::Busy);
        };
        if let Some(slot) = self.table.lookup(&name) {
            return Lookup::Found(slot);
        }
        if wait_ticks == 0 {
            return Lookup::Refused(NameError::NotFound);
        }
        match self.waiting.hold(name, client, job, sender, wait_ticks) {
            Ok(()) => Lookup::Held,
            Err(e) => Lookup::Refused(e),
        }
    }

    /// Program `id` has ended: it is no longer live, its held lookups go, and so do its names
    /// (the slots to delete).
    pub fn ended(&mut self, id: u64) -> table::Freed {
        self.programs.ended(id);
        self.waiting.drop_client(id);
        self.table.drop_owner(id)
    }

    /// A request only sent: counted (it is dropped unanswered); the count so far.
    pub fn count_sent(&mut self) -> u64 {
        self.sent += 1;
        self.sent
    }
}
