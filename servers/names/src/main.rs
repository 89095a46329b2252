//! The name service (`abi::names`): servers register a name for their endpoint; clients look a
//! name up and get a send capability to that endpoint, badged with their own id, so the server
//! tells its clients apart. init starts it before any other program and gives every program a
//! badged capability to it (`slots::NAMES`).
//!
//! The system (init and the memory server, the only holders of unbadged capabilities to it) tells
//! it when a program is about to use it (its id, job and program) and when such a program ends
//! (notices, sent: answered to nobody), and which names are reserved for which program. So it limits names and held lookups per job and per endpoint,
//! drops a program's names and held lookups as soon as it ends, and answers servers that ask which
//! of their clients have ended. It only ever receives and replies: no server or client can make
//! it wait. Lookups may wait for a name that is not there yet; the service holds them (deferred
//! replies) and answers when the name appears, or with `NotFound` once about the asked number of
//! ticks has passed.
//!
//! This program receives, copies and deletes capabilities and replies; what each request comes to
//! is decided by the crate's library (`lib.rs`), which has host tests.
#![no_std]
#![no_main]

use names::table::Freed;
use names::{handling, permitted, Handling, Lookup, Names};
use userlib::abi::names::{Name, NameError, Reply, Request};
use userlib::abi::wire::Rejection;
use userlib::names::NameService;
use userlib::rpc;
use userlib::{cap, ipc, println, slots, sys, CapSlot, Message, Received, Rights, SysError};

userlib::entry!(main);

/// Where a registering server's capability arrives.
const INCOMING: CapSlot = CapSlot(8);
/// Where a lookup's badged copy is made, for the reply to carry.
const OUTGOING: CapSlot = CapSlot(9);

/// What to answer a request: now (maybe with a capability), or later (or never: a request that
/// was only sent).
enum Answer {
    Now(Result<Reply, NameError>, Option<CapSlot>),
    /// Not a request of this protocol (`userlib::rpc` checks).
    Rejected(Rejection),
    Later,
}

fn main() -> i32 {
    let mut names = Names::new();
    ipc::set_recv_slots(&[INCOMING]);
    // A reply due is sent together with waiting for the next message when nothing waits for a
    // tick (most calls take this path).
    let mut due: Option<(u64, Message)> = None;
    loop {
        let replying = due.is_some() && names.waiting.is_empty();
        let next = match (due.take(), names.waiting.is_empty()) {
            (Some((to, reply)), true) => cap::own().reply_recv(to, &reply),
            (Some((to, reply)), false) => {
                let _ = ipc::reply(to, &reply);
                sys::recv_timeout(slots::OWN, 1)
            }
            (None, true) => cap::own().recv(),
            (None, false) => sys::recv_timeout(slots::OWN, 1),
        };
        let msg = match next {
            Ok(msg) => msg,
            Err(SysError::TimedOut) => {
                for (to, result) in names.waiting.tick() {
                    answer(to, &result, None);
                }
                continue;
            }
            // (Only a reply of ours can fail this way; the next turn just receives.)
            Err(e) if replying => {
                println!("names: reply refused: {e}");
                continue;
            }
            Err(e) => {
                println!("names: cannot receive: {e}");
                return 1;
            }
        };
        let answer_now = match handling(&msg) {
            Handling::Ignore => ignore_sent(&mut names, &msg),
            Handling::Note(notice) => {
                note(&mut names, notice);
                Answer::Later
            }
            Handling::Serve(request) => handle(&mut names, &msg, request),
            Handling::Reject(why) => {
                println!("names: rejected request from {:#x}: {why:?}", msg.badge);
                Answer::Rejected(why)
            }
        };
        if msg.msg.tag.caps() > 0 {
            let _ = sys::cap_delete(INCOMING);
        }
        match answer_now {
            Answer::Now(result, None) => {
                due = Some((msg.sender, rpc::reply_message::<NameService>(&result, 0)));
            }
            Answer::Now(result, cap) => answer(msg.sender, &result, cap),
            Answer::Rejected(why) => due = Some((msg.sender, rpc::rejection(why))),
            Answer::Later => {}
        }
    }
}

/// Replies to `sender`, with the capability in `cap` if there is one (then deleted here). A reply
/// nobody awaits any more (the caller died) is refused: nothing to do.
fn answer(sender: u64, result: &Result<Reply, NameError>, cap: Option<CapSlot>) {
    let reply = rpc::reply_message::<NameService>(result, cap.is_some() as usize);
    match cap {
        Some(slot) => {
            ipc::set_send_caps(&[slot]);
            let _ = sys::reply_granting(sender, slots::OWN, reply.tag, reply.words);
            let _ = sys::cap_delete(slot);
        }
        None => drop(ipc::reply(sender, &reply)),
    }
}

/// Deletes the capabilities of names that went.
fn delete(freed: Freed) {
    for slot in freed {
        let _ = sys::cap_delete(slot);
    }
}

/// Drops the names whose endpoints have been destroyed.
fn forget_the_dead(names: &mut Names) {
    delete(names.table.drop_dead(|slot| sys::cap_info(slot).is_err()));
}

fn handle(names: &mut Names, msg: &Received, request: Request) -> Answer {
    let id = msg.badge;
    let now = |result| Answer::Now(result, None);
    if let Err(e) = permitted(id, &request) {
        return now(Err(e));
    }
    match request {
        Request::Register { name } => now(register(names, id, name).map(|()| Reply::Registered)),
        Request::Unregister { name } => now(names.table.unregister(id, &name).map(|slot| {
            let _ = sys::cap_delete(slot);
            Reply::Unregistered
        })),
        Request::Lookup { name, wait_ticks } => lookup(names, msg, name, wait_ticks),
        Request::Gone { ids } => now(Ok(Reply::Gone(names.programs.gone(&ids)))),
        notice @ (Request::Started { .. } | Request::Ended { .. }) => {
            note(names, notice);
            now(Ok(Reply::Noted))
        }
        Request::Reserve { name } => match names.programs.reserve(name) {
            true => now(Ok(Reply::Noted)),
            false => now(Err(NameError::Full)),
        },
    }
}

/// What the system tells about a program starting or ending (sent as a notice, or called).
fn note(names: &mut Names, notice: Request) {
    match notice {
        Request::Started { id, job, program } => {
            if !names.programs.started(id, job, program) {
                println!("names: no room to track program {id}: the service will refuse it");
            }
        }
        Request::Ended { id } => delete(names.ended(id)),
        _ => {}
    }
}

/// A request only sent has nobody to answer: it is dropped, whatever it asks (a lookup is never
/// held for it), and counted.
fn ignore_sent(names: &mut Names, msg: &Received) -> Answer {
    let sent = names.count_sent();
    println!(
        "names: ignored a request sent (not called) by {:#x} ({sent} so far)",
        msg.badge
    );
    Answer::Later
}

fn register(names: &mut Names, owner: u64, name: Name) -> Result<(), NameError> {
    let job = names.registrant(owner, &name)?;
    let info = sys::cap_info(INCOMING).map_err(|_| NameError::NotAnEndpoint)?;
    forget_the_dead(names);
    let slot = names.table.place(job, &name, &info)?;
    sys::cap_copy(INCOMING, slot, Rights::SEND | Rights::GRANT)
        .map_err(|_| NameError::NotAnEndpoint)?;
    names
        .table
        .insert(owner, job, name.clone(), info.object, slot);
    for (to, result) in names.waiting.registered(&name) {
        answer(to, &result, None);
    }
    Ok(())
}

fn lookup(names: &mut Names, msg: &Received, name: Name, wait_ticks: u32) -> Answer {
    let client = msg.badge;
    forget_the_dead(names);
    let slot = match names.lookup(client, msg.sender, name, wait_ticks) {
        Lookup::Found(slot) => slot,
        Lookup::Held => return Answer::Later,
        Lookup::Refused(e) => return Answer::Now(Err(e), None),
    };
    // Badged with the client's id (a client with an unbadged capability gets an unbadged one).
    let made = match client {
        0 => sys::cap_copy(slot, OUTGOING, Rights::SEND | Rights::GRANT),
        badge => sys::cap_mint(slot, OUTGOING, Rights::SEND | Rights::GRANT, badge),
    };
    match made {
        Ok(()) => Answer::Now(Ok(Reply::Found), Some(OUTGOING)),
        Err(_) => Answer::Now(Err(NameError::NotFound), None),
    }
}
