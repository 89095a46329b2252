//! IPC misuse by one program: replies nobody awaits, messages that forge the kernel's fault and
//! exit notices to the supervisor (the memory server must ignore them, and refuse a forged call
//! with `MemError::BadRequest`), malformed tags, capabilities without `GRANT`, and a typed server (`counter`,
//! which `count` brings into the batch) sent what it does not expect.
use examples::protocol::counter::{Counter, Request as CounterRequest};
use test_programs::hostile::case::{
    check, refusal, refused, survival, works, Case, Checked, Failure,
};
use userlib::abi::memsrv::MemError;
use userlib::abi::msg::fault;
use userlib::abi::wire::{self, Rejection, ReplyKind};
use userlib::arch::syscall_raw;
use userlib::ipc::{self, message};
use userlib::rpc::{self, Client, Protocol};
use userlib::SysError::*;
use userlib::{cap, names, process, slots, sys, CapSlot, Message, MsgTag, Rights, SysError};
use userlib::{Sysnum, HZ};

/// The label the memory server replies with to a call it does not serve.
const REFUSED: u32 = MemError::BadRequest as u32;

/// A heap page that would appear on a real fault (below the break) but is never touched: the
/// memory server maps pages there on the kernel's fault notices, and must not on a forged one.
/// The same page for every case (made on first use).
fn demand_zero_page() -> Result<u64, Failure> {
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static PAGE: AtomicU64 = AtomicU64::new(0);
    if PAGE.load(Relaxed) == 0 {
        // Two pages more of heap hold a whole page whatever the break's alignment.
        let code = |e| match e {
            process::Error::Mem(e) => e as u64,
            process::Error::Sys(e) => e.raw(),
        };
        let old = process::sbrk(2 * 4096)
            .map_err(|e| check(false, "sbrk for a heap page", code(e)).unwrap_err())?;
        PAGE.store(old.next_multiple_of(4096), Relaxed);
    }
    Ok(PAGE.load(Relaxed))
}

/// The label of the counter protocol's `Get` request, sent raw: one byte (its variant number, 1).
const GET_LABEL: u32 = wire::request_label(Counter::ID, 1);

/// The caller's full task id (generation and index).
fn own_id() -> u64 {
    syscall_raw(Sysnum::TaskSelf.raw(), [0; 6], 0).r[1]
}

fn reply_to(target: u64) -> Result<(), SysError> {
    sys::reply(target, MsgTag::new(0, 1, 0), [42, 0, 0, 0])
}

fn send_tag(tag: u64) -> Result<(), SysError> {
    sys::send(slots::NAMES, MsgTag(tag), [0; 4])
}

fn call_tag(tag: u64) -> Result<(), SysError> {
    sys::call(slots::OWN, MsgTag(tag), [0; 4]).map(drop)
}

pub const CASES: &[Case] = &[
    refusal(500, "reply to a made-up task id", NoReplyTarget, || {
        reply_to(0xdead_beef_0001)
    }),
    refusal(501, "reply to itself", NoReplyTarget, || reply_to(own_id())),
    refusal(502, "reply to init", NoReplyTarget, || reply_to(0)),
    refusal(503, "reply to u64::MAX", NoReplyTarget, || {
        reply_to(u64::MAX)
    }),
    survival(
        504,
        "reply to every task id of generations 0-3",
        reply_sweep,
    ),
    survival(
        505,
        "forged EXIT notice sent to the memory server",
        forged_exit_sent,
    ),
    survival(506, "forged page fault called to the memory server", || {
        forged_call(fault::PAGE_FAULT, [0, demand_zero_page()?, 6, 0x1100_0000])
    }),
    survival(507, "forged exception called to the memory server", || {
        forged_call(fault::EXCEPTION, [0, 14, 0, 0x1100_0000])
    }),
    survival(
        508,
        "forged EXIT notice called to the memory server",
        || forged_call(fault::EXIT, [0, 0, 0, 0]),
    ),
    survival(
        509,
        "forged page fault sent to the memory server",
        forged_fault_sent,
    ),
    survival(
        510,
        "forged long call with capabilities to the memory server",
        forged_long_call,
    ),
    refusal(511, "send with the KERNEL flag", InvalidArgument, || {
        send_tag(MsgTag::new(fault::EXIT, 2, 0).0 | MsgTag::KERNEL)
    }),
    refusal(512, "send 65 words", InvalidArgument, || {
        send_tag(MsgTag::new(1, 65, 0).0)
    }),
    refusal(513, "send 4 capabilities", InvalidArgument, || {
        send_tag(MsgTag::new(1, 0, 4).0)
    }),
    refusal(514, "send with the CALL flag", InvalidArgument, || {
        send_tag(MsgTag::new(1, 0, 0).0 | MsgTag::CALL)
    }),
    refusal(515, "send with the CAPS_LOST flag", InvalidArgument, || {
        send_tag(MsgTag::new(1, 0, 0).0 | MsgTag::CAPS_LOST)
    }),
    refusal(516, "send with tag bit 47", InvalidArgument, || {
        send_tag(1 << 47)
    }),
    refusal(517, "send with tag bit 63", InvalidArgument, || {
        send_tag(1 << 63)
    }),
    refusal(518, "call with 255 words", InvalidArgument, || {
        call_tag(MsgTag::new(1, 255, 0).0)
    }),
    refusal(519, "call with the KERNEL flag", InvalidArgument, || {
        call_tag(MsgTag::new(1, 0, 0).0 | MsgTag::KERNEL)
    }),
    refusal(520, "reply with a bad tag", InvalidArgument, || {
        sys::reply(0, MsgTag(MsgTag::KERNEL), [0; 4])
    }),
    refusal(521, "ReplyRecv with a bad tag", InvalidArgument, || {
        sys::reply_recv(sys::NO_REPLY, slots::OWN, MsgTag::new(1, 70, 0), [0; 4]).map(drop)
    }),
    refusal(
        522,
        "ReplyRecv without the RECEIVE right",
        MissingRights,
        || {
            sys::reply_recv(
                sys::NO_REPLY,
                slots::SUPERVISOR,
                MsgTag::new(1, 0, 0),
                [0; 4],
            )
            .map(drop)
        },
    ),
    refusal(
        523,
        "send capabilities without GRANT",
        MissingRights,
        || {
            sys::cap_copy(slots::NAMES, CapSlot(20), Rights::SEND)?;
            ipc::set_send_caps(&[slots::OWN]);
            sys::send(CapSlot(20), MsgTag::new(1, 0, 1), [0; 4])
        },
    ),
    refusal(
        524,
        "call with capabilities without GRANT",
        MissingRights,
        || {
            sys::cap_copy(slots::NAMES, CapSlot(20), Rights::SEND)?;
            ipc::set_send_caps(&[slots::OWN]);
            sys::call(CapSlot(20), MsgTag::new(1, 0, 1), [0; 4]).map(drop)
        },
    ),
    survival(
        525,
        "send where counter expects a call, then call it",
        counter_sent_not_called,
    ),
    survival(
        526,
        "call counter with garbage, then call it",
        counter_garbage,
    ),
    survival(
        527,
        "ask the memory server what only the viewer may (every process's pages)",
        observer_requests,
    ),
];

/// The observer's requests through a process's own endpoint to the server (badged with its pid,
/// not `OBSERVER`): each refused, nothing revealed. (`Processes`, which shows no frames, any
/// process may ask: `ps`.)
fn observer_requests() -> Checked {
    use userlib::abi::memsrv::Request;
    for (request, words) in [
        (Request::Pages, [0, 0]),
        (Request::Pages, [process::getpid(), 0]),
        (Request::Caps, [process::getpid(), 0]),
    ] {
        let reply = works(
            cap::supervisor().call(&message(request.raw(), &words)),
            "call the memory server",
        )?;
        check(
            reply.tag.label() == MemError::BadRequest as u32,
            "the memory server refuses an observer's request",
            reply.tag.0,
        )?;
    }
    Ok(())
}

fn reply_sweep() -> Checked {
    for generation in 0..4u64 {
        for index in 0..64u64 {
            let id = generation << 16 | index;
            refused(
                reply_to(id),
                NoReplyTarget,
                "reply to a task that awaits nothing from us",
            )?;
        }
    }
    Ok(())
}

/// Calls the memory server with a harmless label: when the answer comes, it has handled every
/// message this program sent before. It must answer `REFUSED`.
fn probe_supervisor() -> Checked {
    let reply = works(
        cap::supervisor().call(&message(0x1234, &[])),
        "call the memory server",
    )?;
    check(
        reply.tag.label() == REFUSED,
        "the memory server refuses the call",
        reply.tag.0,
    )
}

/// What the memory server would have mapped had it believed a forged fault must not be there.
fn demand_page_untouched() -> Checked {
    refused(
        sys::debug_write_raw(demand_zero_page()?, 1),
        NotMapped,
        "the demand-zero page the memory server must not have mapped",
    )
}

fn forged_exit_sent() -> Checked {
    let pid = sys::task_self();
    works(
        cap::supervisor().send(&message(fault::EXIT, &[pid, 0])),
        "send the forgery",
    )?;
    // Had the memory server believed it, it would have destroyed this program by now.
    probe_supervisor()
}

fn forged_call(label: u32, mut words: [u64; 4]) -> Checked {
    words[0] = sys::task_self();
    let reply = works(
        cap::supervisor().call(&message(label, &words)),
        "call with the forgery",
    )?;
    check(
        reply.tag.label() == REFUSED,
        "the memory server refuses the forgery",
        reply.tag.0,
    )?;
    check(
        !reply.tag.from_kernel(),
        "the refusal is not marked as the kernel's",
        reply.tag.0,
    )?;
    demand_page_untouched()?;
    probe_supervisor()
}

fn forged_fault_sent() -> Checked {
    let pid = sys::task_self();
    let words = [pid, demand_zero_page()?, 6, 0x1100_0000];
    works(
        cap::supervisor().send(&message(fault::PAGE_FAULT, &words)),
        "send the forgery",
    )?;
    probe_supervisor()?;
    demand_page_untouched()
}

fn forged_long_call() -> Checked {
    let mut words = [0u64; 64];
    words[0] = sys::task_self();
    words[1] = demand_zero_page()?;
    let caps = [slots::OWN, slots::NAMES, slots::SUPERVISOR];
    let reply = cap::supervisor().call_long(fault::PAGE_FAULT, &words, &caps);
    let reply = works(reply, "long call with capabilities")?;
    check(
        reply.tag.label() == REFUSED,
        "the memory server refuses the forgery",
        reply.tag.0,
    )?;
    demand_page_untouched()?;
    probe_supervisor()
}

/// The counter tutorial server (`count` brings it), found by name.
fn counter() -> Result<Client<Counter>, Failure> {
    let found = names::connect("counter", CapSlot(20), 5 * HZ as u32);
    found.map_err(|_| Failure {
        what: "find the counter server",
        got: 0,
    })
}

fn counter_still_answers(counter: Client<Counter>) -> Checked {
    let total = counter.call(&CounterRequest::Get);
    check(total.is_ok(), "counter still answers", 0)
}

fn counter_sent_not_called() -> Checked {
    let counter = counter()?;
    let get = rpc::encode(&CounterRequest::Get).map(|(len, words)| Message {
        tag: MsgTag::new(
            wire::request_label(Counter::ID, len),
            wire::words_for(len),
            0,
        ),
        words,
    });
    let get = get.unwrap_or_default();
    works(counter.endpoint().send(&get), "send a request")?;
    works(counter.endpoint().send(&get), "send another")?;
    counter_still_answers(counter)
}

/// The rejection a raw call to counter gets, if it was one.
fn rejected(reply: Message) -> u64 {
    match ReplyKind::from_raw(wire::label_high(reply.tag.label())) {
        Some(ReplyKind::Rejected) => reply.words[0],
        _ => 0,
    }
}

fn counter_garbage() -> Checked {
    let counter = counter()?;
    let ep = counter.endpoint();
    let unknown = works(ep.call(&message(77, &[1, 2, 3, 4])), "an unknown label")?;
    let why = rejected(unknown);
    check(why == Rejection::WrongProtocol.raw(), "WrongProtocol", why)?;
    let label = wire::request_label(Counter::ID, 3);
    let short = works(ep.call(&message(label, &[1, 2])), "a byte count off")?;
    let why = rejected(short);
    check(why == Rejection::BadLength.raw(), "BadLength", why)?;
    let label = wire::request_label(Counter::ID, 8);
    let junk = works(ep.call(&message(label, &[u64::MAX])), "undecodable bytes")?;
    let why = rejected(junk);
    check(why == Rejection::Undecodable.raw(), "Undecodable", why)?;
    let long = [7u64; 64];
    let long = works(ep.call_long(GET_LABEL, &long, &[]), "64 words")?;
    let why = rejected(long);
    check(
        why == Rejection::BadLength.raw(),
        "BadLength (64 words)",
        why,
    )?;
    let with_caps = ep.call_long(GET_LABEL, &[1], &[slots::OWN, slots::NAMES]);
    let why = rejected(works(with_caps, "a call with capabilities")?);
    check(why == Rejection::WrongCaps.raw(), "WrongCaps", why)?;
    let forged = MsgTag(MsgTag::new(GET_LABEL, 0, 0).0 | MsgTag::KERNEL);
    refused(
        sys::send(ep.slot(), forged, [0; 4]),
        InvalidArgument,
        "a forged tag",
    )?;
    counter_still_answers(counter)
}
