//! The name service (`abi::names`): servers register a name for their endpoint; clients look a
//! name up and get a send capability to that endpoint, badged with their own id, so the server
//! tells its clients apart. init starts it before any other program and gives every program a
//! badged capability to it (`slots::NAMES`).
//!
//! A name dies with its server: the memory server destroys a process's endpoint when it ends, and
//! the service drops every name whose endpoint is gone before it answers. Lookups may wait for a
//! name that is not there yet; the service holds them (deferred replies) and answers when the
//! name appears, or with `NotFound` once about the asked number of ticks has passed.
#![no_std]
#![no_main]

use heapless::Vec;
use userlib::abi::names::{self, Name, NameError, Reply, Request};
use userlib::abi::wire::Rejection;
use userlib::names::NameService;
use userlib::rpc;
use userlib::{cap, ipc, println, slots, sys, CapKind, CapSlot, Received, Rights, SysError};

userlib::entry!(main);

/// Where a registering server's capability arrives.
const INCOMING: CapSlot = CapSlot(8);
/// Where a lookup's badged copy is made, for the reply to carry.
const OUTGOING: CapSlot = CapSlot(9);
/// Registered endpoints live in slots `FIRST..FIRST + MAX_NAMES`.
const FIRST: u32 = 16;
const MAX_NAMES: usize = 40;
/// Lookups held at once, waiting for a name.
const MAX_WAITING: usize = 8;

struct Entry {
    name: Name,
    /// The badge of the client that registered it.
    owner: u64,
    slot: CapSlot,
}

struct Waiter {
    name: Name,
    client: u64,
    sender: u64,
    ticks_left: u32,
}

struct Names {
    entries: Vec<Entry, MAX_NAMES>,
    waiting: Vec<Waiter, MAX_WAITING>,
}

/// What to answer a request: now (maybe with a capability), or later.
enum Answer {
    Now(Result<Reply, NameError>, Option<CapSlot>),
    Later,
}

fn main() -> i32 {
    let mut names = Names {
        entries: Vec::new(),
        waiting: Vec::new(),
    };
    ipc::set_recv_slots(&[INCOMING]);
    loop {
        let next = if names.waiting.is_empty() {
            cap::own().recv()
        } else {
            sys::recv_timeout(slots::OWN, 1)
        };
        let msg = match next {
            Ok(msg) => msg,
            Err(SysError::TimedOut) => {
                names.tick();
                continue;
            }
            Err(e) => {
                println!("names: cannot receive: {e}");
                return 1;
            }
        };
        let answer = match rpc::decode_request::<NameService>(&msg) {
            Ok(request) => names.handle(&msg, request),
            Err(why) => {
                println!("names: rejected request from {:#x}: {why:?}", msg.badge);
                reply_rejected(&msg, why);
                Answer::Later
            }
        };
        let _ = sys::cap_delete(INCOMING);
        if let Answer::Now(result, cap) = answer {
            answer_call(msg.sender, &result, cap);
        }
    }
}

fn reply_rejected(msg: &Received, why: Rejection) {
    let _ = ipc::reply(msg.sender, &rpc::rejection(why));
}

/// Replies to `sender`, with the capability in `cap` if there is one (then deleted here).
fn answer_call(sender: u64, result: &Result<Reply, NameError>, cap: Option<CapSlot>) {
    let reply = rpc::reply_message::<NameService>(result, cap.is_some() as usize);
    match cap {
        Some(slot) => {
            ipc::set_send_caps(&[slot]);
            let _ = sys::reply_granting(sender, slots::OWN, reply.tag, reply.words);
            let _ = sys::cap_delete(slot);
        }
        // (A reply nobody awaits any more is refused: nothing to do.)
        None => drop(ipc::reply(sender, &reply)),
    }
}

impl Names {
    fn handle(&mut self, msg: &Received, request: Request) -> Answer {
        self.forget_the_dead();
        match request {
            Request::Register { name } => Answer::Now(self.register(msg.badge, name), None),
            Request::Unregister { name } => Answer::Now(self.unregister(msg.badge, &name), None),
            Request::Lookup { name, wait_ticks } => self.lookup(msg, name, wait_ticks),
        }
    }

    fn register(&mut self, owner: u64, name: Name) -> Result<Reply, NameError> {
        let info = sys::cap_info(INCOMING).map_err(|_| NameError::NotAnEndpoint)?;
        if info.kind != CapKind::Endpoint || !info.rights.contains(Rights::SEND) || info.badge != 0
        {
            return Err(NameError::NotAnEndpoint);
        }
        if !names::valid_name(&name) {
            return Err(NameError::BadName);
        }
        if self.entries.iter().any(|e| e.name == name) {
            return Err(NameError::Taken);
        }
        let held = self.entries.iter().filter(|e| e.owner == owner).count();
        let slot = (FIRST..FIRST + MAX_NAMES as u32)
            .map(CapSlot)
            .find(|&s| self.entries.iter().all(|e| e.slot != s));
        let Some(slot) = slot.filter(|_| held < names::NAMES_PER_CLIENT) else {
            return Err(NameError::Full);
        };
        sys::cap_copy(INCOMING, slot, Rights::SEND | Rights::GRANT)
            .map_err(|_| NameError::NotAnEndpoint)?;
        // Those waiting for this name may ask again now.
        while let Some(at) = self.waiting.iter().position(|w| w.name == name) {
            let w = self.waiting.swap_remove(at);
            answer_call(w.sender, &Ok(Reply::Registered), None);
        }
        let _ = self.entries.push(Entry { name, owner, slot });
        Ok(Reply::Registered)
    }

    fn unregister(&mut self, owner: u64, name: &str) -> Result<Reply, NameError> {
        let at = self.entries.iter().position(|e| e.name == name);
        let at = at.ok_or(NameError::NotFound)?;
        if self.entries[at].owner != owner {
            return Err(NameError::NotYours);
        }
        let entry = self.entries.swap_remove(at);
        let _ = sys::cap_delete(entry.slot);
        Ok(Reply::Unregistered)
    }

    fn lookup(&mut self, msg: &Received, name: Name, wait_ticks: u32) -> Answer {
        let Some(entry) = self.entries.iter().find(|e| e.name == name) else {
            if wait_ticks == 0 {
                return Answer::Now(Err(NameError::NotFound), None);
            }
            // One held lookup per client, so no client can take every place.
            let held = self.waiting.iter().any(|w| w.client == msg.badge);
            let waiter = Waiter {
                name,
                client: msg.badge,
                sender: msg.sender,
                ticks_left: wait_ticks.min(names::MAX_WAIT_TICKS),
            };
            return match (held, self.waiting.push(waiter)) {
                (false, Ok(())) => Answer::Later,
                _ => Answer::Now(Err(NameError::Busy), None),
            };
        };
        // Badged with the client's id (a client with an unbadged capability gets an unbadged one).
        let made = match msg.badge {
            0 => sys::cap_copy(entry.slot, OUTGOING, Rights::SEND | Rights::GRANT),
            badge => sys::cap_mint(entry.slot, OUTGOING, Rights::SEND | Rights::GRANT, badge),
        };
        match made {
            Ok(()) => Answer::Now(Ok(Reply::Found), Some(OUTGOING)),
            Err(_) => Answer::Now(Err(NameError::NotFound), None),
        }
    }

    /// One timer tick passed with no message: lookups that waited long enough get `NotFound`.
    /// (Ticks spent handling messages are not counted: waits are at least as long as asked.)
    fn tick(&mut self) {
        for w in self.waiting.iter_mut() {
            w.ticks_left = w.ticks_left.saturating_sub(1);
        }
        while let Some(at) = self.waiting.iter().position(|w| w.ticks_left == 0) {
            let w = self.waiting.swap_remove(at);
            answer_call(w.sender, &Err(NameError::NotFound), None);
        }
    }

    /// Drops every name whose endpoint has been destroyed (its server ended).
    fn forget_the_dead(&mut self) {
        while let Some(at) = self
            .entries
            .iter()
            .position(|e| sys::cap_info(e.slot).is_err())
        {
            let entry = self.entries.swap_remove(at);
            let _ = sys::cap_delete(entry.slot);
        }
    }
}
