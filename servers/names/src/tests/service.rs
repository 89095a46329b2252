//! What requests come to: who may ask, registration checks, lookups found, held or refused, and
//! what a program's end takes with it.
use super::{endpoint, name, program};
use crate::waiting::MAX_WAITING;
use crate::{permitted, Lookup, Names};
use userlib::abi::names::{NameError, Reply, Request, MAX_WAIT_TICKS, WAITS_PER_JOB};
use userlib::CapSlot;

fn names() -> Names {
    let mut n = Names::new();
    n.programs.started(5, 5, program("kv"));
    n.programs.started(6, 5, program("kv"));
    n.programs.started(7, 7, program("client"));
    n
}

fn register(n: &mut Names, owner: u64, s: &str, object: u64) -> CapSlot {
    let job = n.registrant(owner, &name(s)).expect("may register");
    let slot = n.table.place(job, s, &endpoint(object)).expect("room");
    n.table.insert(owner, job, name(s), object, slot);
    slot
}

#[test]
fn only_the_system_says_who_starts_and_ends_and_which_names_are_reserved() {
    let started = Request::Started {
        id: 9,
        job: 9,
        program: program("x"),
    };
    let system = [
        started,
        Request::Ended { id: 9 },
        Request::Reserve { name: name("x") },
    ];
    for request in &system {
        assert_eq!(permitted(0, request), Ok(()));
        assert_eq!(permitted(5, request), Err(NameError::NotAllowed));
    }
    let lookup = Request::Lookup {
        name: name("x"),
        wait_ticks: 0,
    };
    assert_eq!(permitted(5, &lookup), Ok(()));
    assert_eq!(permitted(5, &Request::Register { name: name("x") }), Ok(()));
}

#[test]
fn registering_needs_a_valid_name_a_known_program_and_no_one_elses_reservation() {
    let mut n = names();
    assert_eq!(n.registrant(5, &name("kv")), Ok(5));
    assert_eq!(
        n.registrant(6, &name("kv")),
        Ok(5),
        "a child registers for its job"
    );
    assert_eq!(n.registrant(5, &name("a b")), Err(NameError::BadName));
    assert_eq!(n.registrant(5, &name("")), Err(NameError::BadName));
    assert_eq!(n.registrant(99, &name("kv")), Err(NameError::Busy));
    n.programs.reserve(name("kv"));
    assert_eq!(n.registrant(7, &name("kv")), Err(NameError::Reserved));
    assert_eq!(n.registrant(5, &name("kv")), Ok(5));
    assert_eq!(n.registrant(0, &name("free")), Ok(0));
}

#[test]
fn a_lookup_finds_refuses_or_waits() {
    let mut n = names();
    assert_eq!(
        n.lookup(99, 1, name("kv"), 5),
        Lookup::Refused(NameError::Busy)
    );
    assert_eq!(
        n.lookup(7, 1, name("kv"), 0),
        Lookup::Refused(NameError::NotFound)
    );
    assert!(n.waiting.is_empty());
    assert_eq!(n.lookup(7, 1, name("kv"), 5), Lookup::Held);
    assert!(!n.waiting.is_empty());
    let slot = register(&mut n, 5, "kv", 1);
    assert_eq!(n.lookup(7, 2, name("kv"), 5), Lookup::Found(slot));
    assert_eq!(n.lookup(0, 2, name("kv"), 0), Lookup::Found(slot));
    let due: Vec<_> = n.waiting.registered("kv").collect();
    assert_eq!(due, [(1, Ok(Reply::Registered))]);
    assert!(n.waiting.is_empty());
}

#[test]
fn a_job_holds_two_lookups_and_the_service_eight() {
    let mut n = names();
    for _ in 0..WAITS_PER_JOB {
        assert_eq!(n.lookup(5, 1, name("x"), 5), Lookup::Held);
    }
    // Another program of the same job gets no more.
    assert_eq!(
        n.lookup(6, 2, name("x"), 5),
        Lookup::Refused(NameError::Busy)
    );
    assert_eq!(n.lookup(7, 3, name("x"), 5), Lookup::Held);
    for id in 20..20 + (MAX_WAITING - WAITS_PER_JOB - 1) as u64 {
        n.programs.started(id, id, program("c"));
        assert_eq!(n.lookup(id, id, name("x"), 5), Lookup::Held);
    }
    n.programs.started(40, 40, program("c"));
    assert_eq!(
        n.lookup(40, 40, name("x"), 5),
        Lookup::Refused(NameError::Busy)
    );
}

#[test]
fn held_lookups_time_out_after_the_ticks_asked_at_most_the_limit() {
    let mut n = names();
    n.lookup(5, 1, name("x"), 2);
    n.lookup(7, 3, name("x"), u32::MAX);
    assert_eq!(n.waiting.tick().count(), 0);
    let due: Vec<_> = n.waiting.tick().collect();
    assert_eq!(due, [(1, Err(NameError::NotFound))]);
    for _ in 2..MAX_WAIT_TICKS - 1 {
        assert_eq!(n.waiting.tick().count(), 0);
    }
    let due: Vec<_> = n.waiting.tick().collect();
    assert_eq!(due, [(3, Err(NameError::NotFound))]);
    assert!(n.waiting.is_empty());
}

#[test]
fn an_ended_program_takes_its_names_and_held_lookups_with_it() {
    let mut n = names();
    let kv = register(&mut n, 5, "kv", 1);
    register(&mut n, 6, "kv-child", 2);
    n.lookup(5, 11, name("y"), 5);
    n.lookup(7, 12, name("y"), 5);
    assert_eq!(n.ended(5).as_slice(), [kv]);
    assert_eq!(n.programs.job(5), None);
    assert_eq!(n.table.lookup("kv"), None);
    assert!(n.table.lookup("kv-child").is_some());
    let due: Vec<_> = n.waiting.registered("y").collect();
    assert_eq!(due, [(12, Ok(Reply::Registered))]);
    assert!(n.ended(5).is_empty());
}

#[test]
fn sent_requests_are_counted() {
    let mut n = Names::new();
    assert_eq!((n.count_sent(), n.count_sent(), n.sent), (1, 2, 2));
}

/// A lookup as a client sends it: called (`CALL`) or only sent.
fn lookup_message(flags: u64) -> userlib::ipc::Received {
    let request = Request::Lookup {
        name: name("kv"),
        wait_ticks: 5,
    };
    let (len, words) = userlib::rpc::encode(&request).expect("fits");
    let label = userlib::abi::wire::request_label(
        <userlib::names::NameService as userlib::rpc::Protocol>::ID,
        len,
    );
    let words_used = userlib::abi::wire::words_for(len);
    userlib::ipc::Received {
        badge: 7,
        sender: 3,
        msg: userlib::Message {
            tag: userlib::MsgTag::new(label, words_used, 0),
            words,
        },
        flags,
    }
}

#[test]
fn a_lookup_only_sent_is_dropped_a_called_one_served() {
    use crate::{handling, Handling};
    use userlib::abi::wire::Rejection;
    use userlib::MsgTag;
    let called = handling(&lookup_message(MsgTag::CALL));
    let Handling::Serve(Request::Lookup { name: asked, .. }) = called else {
        panic!("served: {called:?}");
    };
    assert_eq!(asked, "kv");
    assert_eq!(handling(&lookup_message(0)), Handling::Ignore);
    let mut other = lookup_message(MsgTag::CALL);
    other.msg.tag = MsgTag::new(0x1234 << 16, 1, 0);
    assert_eq!(handling(&other), Handling::Reject(Rejection::WrongProtocol));
}

/// A request as `badge` sends it (`flags`: `MsgTag::CALL` for a call).
fn message(request: &Request, badge: u64, flags: u64) -> userlib::ipc::Received {
    let mut msg = lookup_message(flags);
    let (len, words) = userlib::rpc::encode(request).expect("fits");
    let label = userlib::abi::wire::request_label(
        <userlib::names::NameService as userlib::rpc::Protocol>::ID,
        len,
    );
    msg.msg = userlib::Message {
        tag: userlib::MsgTag::new(label, userlib::abi::wire::words_for(len), 0),
        words,
    };
    msg.badge = badge;
    msg
}

#[test]
fn the_systems_notices_are_taken_sent_from_the_system_only() {
    use crate::{handling, Handling};
    use userlib::MsgTag;
    let started = Request::Started {
        id: 9,
        job: 9,
        program: program("kv"),
    };
    let ended = Request::Ended { id: 9 };
    for notice in [&started, &ended] {
        assert_eq!(
            handling(&message(notice, 0, 0)),
            Handling::Note(notice.clone())
        );
        // Sent by anyone else, or another request sent by the system: dropped.
        assert_eq!(handling(&message(notice, 5, 0)), Handling::Ignore);
        // Called: served (and answered `Noted`, or `NotAllowed` if not the system's).
        assert_eq!(
            handling(&message(notice, 5, MsgTag::CALL)),
            Handling::Serve(notice.clone())
        );
    }
    let lookup = Request::Lookup {
        name: name("kv"),
        wait_ticks: 5,
    };
    assert_eq!(handling(&message(&lookup, 0, 0)), Handling::Ignore);
}
