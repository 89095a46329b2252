//! Cases two or three instances play together (run them in one batch): the serving one registers
//! its own endpoint with the name service as [`MEETING`], the others look it up. Capabilities pushed at a receiver that offers no slot, the
//! rights and badges that arrive, a long message made with DF set, a server that keeps serving
//! after a reply nobody awaits, a call whose server exits, a reply forged to a client waiting on
//! another server, and segment selectors that must not leak from one task to the next.
use test_programs::hostile::asm::{self, load_ds, load_es, load_fs, load_gs, segments};
use test_programs::hostile::case::{
    check, refusal, refused, survival, works, Case, Checked, Failure,
};
use userlib::abi::cap::CAP_SLOTS;
use userlib::abi::msg::MAX_WORDS;
use userlib::ipc::{self, ipc_word, message, set_ipc_word};
use userlib::rpc::CallError;
use userlib::{cap, names, process, slots, sys, CapKind, CapSlot, Endpoint, MsgTag, Rights};
use userlib::{SysError, Sysnum, HZ};

/// The name the serving side of a pair registers.
const MEETING: &str = "attack-pair";
/// Where the other side keeps its capability to it.
const PARTNER: CapSlot = CapSlot(12);

/// The serving side: registers its own endpoint, returns it.
fn serving() -> Result<Endpoint, Failure> {
    names::register(MEETING, cap::own()).map_err(|e| failure("register the meeting name", e))?;
    Ok(cap::own())
}

/// The other side: the serving one's endpoint (badged with our pid), once it is registered.
fn partner() -> Result<Endpoint, Failure> {
    let found = names::lookup(MEETING, PARTNER, 5 * HZ as u32);
    found.map_err(|e| failure("find the serving partner", e))
}

fn failure<E>(what: &'static str, e: CallError<E>) -> Failure {
    let got = match e {
        CallError::Sys(e) => e.raw(),
        _ => u64::MAX,
    };
    Failure { what, got }
}

/// Labels, so that each role knows what it received.
const PLANT: u32 = 0x600;
const RIGHTS: u32 = 0x602;
const BADGE: u32 = 0x604;
const LONG: u32 = 0x606;
const SENT: u32 = 0x608;
const CALLED: u32 = 0x609;
const DIES: u32 = 0x610;
const FROM_CLIENT: u32 = 0x612;
const FROM_FORGER: u32 = 0x614;
const DONE: u32 = 0x615;
const SEGMENTS: u32 = 0x616;

/// The badge the badge case mints.
const MINTED_BADGE: u64 = 0xB4D6E;
/// What the server in the forged-reply case answers its client.
const ANSWER: u64 = 42;
/// The selectors the segment case loads: the user data segment and a null selector with RPL 3.
const LOADED: [u16; 4] = [0x1b, 0x1b, 0x1b, 0x3];

pub const CASES: &[Case] = &[
    survival(
        600,
        "receive with no slot offered (pair: 601)",
        zero_offer_receiver,
    ),
    survival(
        601,
        "send capabilities to a receiver offering none (pair: 600)",
        || {
            let to = partner()?;
            ipc::set_send_caps(&[slots::OWN, slots::NAMES, slots::SUPERVISOR]);
            works(
                sys::send(to.slot(), MsgTag::new(PLANT, 0, 3), [0; 4]),
                "send",
            )
        },
    ),
    survival(
        602,
        "received capabilities keep the sender's rights (pair: 603)",
        rights_receiver,
    ),
    survival(
        603,
        "send a send-only capability and a full one (pair: 602)",
        rights_sender,
    ),
    survival(
        604,
        "badges arrive as the name service minted them (pair: 605)",
        badge_receiver,
    ),
    survival(
        605,
        "re-badge (refused), then send through the found capability and a copy (pair: 604)",
        badge_sender,
    ),
    survival(
        606,
        "serve a 64-word call made with DF set (pair: 607)",
        long_server,
    ),
    survival(
        607,
        "make a 64-word call with DF set (pair: 606)",
        long_client,
    ),
    survival(
        608,
        "keep serving after replies nobody awaits (pair: 609)",
        serve_after_send,
    ),
    survival(
        609,
        "send where a call is expected, then call (pair: 608)",
        || {
            let server = partner()?;
            works(server.send(&message(SENT, &[])), "send")?;
            let reply = works(server.call(&message(CALLED, &[])), "call")?;
            check(
                reply.words[0] == ANSWER,
                "the server's answer",
                reply.words[0],
            )
        },
    ),
    survival(
        610,
        "take a call and exit without replying (pair: 611)",
        || {
            let call = works(serving()?.recv(), "receive")?;
            check(
                call.label() == DIES && call.awaits_reply(),
                "the call",
                call.msg.tag.0,
            )
        },
    ),
    refusal(
        611,
        "call a server that exits (pair: 610)",
        SysError::PeerDied,
        || {
            let server = names::lookup(MEETING, PARTNER, 5 * HZ as u32);
            let server = server.map_err(|_| SysError::InvalidArgument)?;
            server.call(&message(DIES, &[])).map(drop)
        },
    ),
    survival(
        612,
        "hold a client's call (trio: 613, 614)",
        held_call_server,
    ),
    survival(
        613,
        "call and get the server's answer (trio: 612, 614)",
        || {
            let reply = works(partner()?.call(&message(FROM_CLIENT, &[])), "call")?;
            check(
                reply.words[0] == ANSWER,
                "the real server's answer",
                reply.words[0],
            )
        },
    ),
    survival(
        614,
        "reply to a client waiting on another server (trio: 612, 613)",
        forger,
    ),
    survival(
        615,
        "load segment selectors, then call (pair: 616)",
        segment_loader,
    ),
    survival(
        616,
        "a task run after a selector load sees its own (pair: 615)",
        segment_observer,
    ),
];

/// The capability in `slot` must be an endpoint with exactly `rights`.
fn endpoint_with(slot: CapSlot, rights: Rights) -> Checked {
    let info = works(sys::cap_info(slot), "CapInfo of a received capability")?;
    check(
        info.kind == CapKind::Endpoint,
        "an endpoint",
        info.kind.raw(),
    )?;
    check(
        info.rights == rights,
        "exactly the sender's rights",
        info.rights.bits(),
    )
}

/// The regression test for planted capabilities: receive slots were once a list of slot numbers in
/// the IPC buffer, so an all-zero buffer offered slot 0 (freed here) to every sender.
fn zero_offer_receiver() -> Checked {
    let server = serving()?;
    works(sys::cap_delete(slots::SUPERVISOR), "empty slot 0")?;
    ipc::clear_recv_slots();
    let msg = works(server.recv(), "receive")?;
    check(msg.label() == PLANT, "the sender's message", msg.msg.tag.0)?;
    check(
        msg.msg.tag.caps() == 0,
        "no capability arrived",
        msg.msg.tag.0,
    )?;
    check(
        msg.caps_lost(),
        "the tag says they were lost",
        msg.msg.tag.0,
    )?;
    for slot in (0..CAP_SLOTS as u32).map(CapSlot) {
        if slot != slots::NAMES && slot != slots::OWN {
            refused(
                sys::cap_info(slot),
                SysError::EmptySlot,
                "a slot nobody offered",
            )?;
        }
    }
    Ok(())
}

/// The sender's capabilities name its own endpoint, which goes when it exits: so it calls, and
/// waits for the answer until these checks are done (a send let it exit first, and the checks
/// see `StaleCap`).
fn rights_receiver() -> Checked {
    let server = serving()?;
    ipc::set_recv_slots(&[CapSlot(20), CapSlot(21), CapSlot(22)]);
    let msg = works(server.recv(), "receive")?;
    let checked = received_rights(&msg);
    let answered = ipc::reply(msg.sender, &message(0, &[]));
    checked?;
    works(answered, "let the sender go")
}

fn received_rights(msg: &ipc::Received) -> Checked {
    check(msg.label() == RIGHTS, "the sender's message", msg.msg.tag.0)?;
    check(msg.awaits_reply(), "a call", msg.msg.tag.0)?;
    check(
        msg.msg.tag.caps() == 2,
        "two capabilities arrived",
        msg.msg.tag.0,
    )?;
    check(
        msg.caps_lost(),
        "the one from an empty slot was lost",
        msg.msg.tag.0,
    )?;
    endpoint_with(CapSlot(20), Rights::SEND)?;
    // (The sender's own endpoint: every right an endpoint capability has.)
    let own = Rights::SEND | Rights::RECEIVE | Rights::GRANT | Rights::CONTROL;
    endpoint_with(CapSlot(21), own)?;
    refused(
        sys::cap_info(CapSlot(22)),
        SysError::EmptySlot,
        "the third offered slot",
    )?;
    refused(
        sys::recv(CapSlot(20)),
        SysError::MissingRights,
        "receive on a send-only capability",
    )
}

fn rights_sender() -> Checked {
    works(
        sys::cap_copy(slots::OWN, CapSlot(10), Rights::SEND),
        "a send-only copy",
    )?;
    let to = partner()?;
    ipc::set_send_caps(&[CapSlot(10), slots::OWN, CapSlot(40)]);
    // A call: the receiver answers once it has checked what came, so we exit only then.
    works(
        sys::call(to.slot(), MsgTag::new(RIGHTS, 0, 3), [0; 4]),
        "call",
    )
    .map(drop)
}

/// The name service badged the sender's capability with its pid, and copies keep the badge.
fn badge_receiver() -> Checked {
    let server = serving()?;
    for _ in 0..2 {
        let msg = works(server.recv(), "receive")?;
        check(msg.label() == BADGE, "the sender's message", msg.msg.tag.0)?;
        check(
            msg.badge == msg.msg.words[0] && msg.badge != 0,
            "the badge the name service gave the sender: its pid",
            msg.badge,
        )?;
    }
    Ok(())
}

fn badge_sender() -> Checked {
    let found = partner()?;
    refused(
        found.mint(CapSlot(10), Rights::SEND, MINTED_BADGE),
        SysError::InvalidArgument,
        "re-badging a badged capability",
    )?;
    let copied = works(found.copy_to(CapSlot(11), Rights::all()), "copy")?;
    let pid = process::getpid();
    for ep in [found, copied] {
        works(ep.send(&message(BADGE, &[pid])), "send")?;
    }
    Ok(())
}

fn pattern(seed: u64, i: usize) -> u64 {
    seed << 32 | i as u64
}

fn long_server() -> Checked {
    let msg = works(serving()?.recv(), "receive")?;
    check(
        msg.label() == LONG && msg.awaits_reply(),
        "the long call",
        msg.msg.tag.0,
    )?;
    check(
        msg.msg.tag.words() == MAX_WORDS,
        "all 64 words",
        msg.msg.tag.0,
    )?;
    for i in 0..MAX_WORDS {
        check(msg.word(i) == pattern(0xD1F0, i), "a word intact", i as u64)?;
    }
    let reply: [u64; MAX_WORDS] = core::array::from_fn(|i| pattern(0xBACC, i));
    works(ipc::reply_long(msg.sender, LONG, &reply), "long reply")
}

fn long_client() -> Checked {
    let server = partner()?;
    for i in 4..MAX_WORDS {
        set_ipc_word(i, pattern(0xD1F0, i));
    }
    let tag = MsgTag::new(LONG, MAX_WORDS, 0).0;
    let regs: [u64; 4] = core::array::from_fn(|i| pattern(0xD1F0, i));
    let a = [
        server.slot().0 as u64,
        tag,
        regs[0],
        regs[1],
        regs[2],
        regs[3],
    ];
    let (out, flags) = asm::syscall_with_df(Sysnum::Call.raw(), a, 0);
    works(SysError::from_rax(out.rax), "the call")?;
    check(
        flags & asm::flags::DF != 0,
        "DF kept across the call",
        flags,
    )?;
    let tag = MsgTag(out.r[1]);
    check(
        tag.label() == LONG && tag.words() == MAX_WORDS,
        "a 64-word reply",
        tag.0,
    )?;
    for i in 0..MAX_WORDS {
        let word = if i < 4 { out.r[2 + i] } else { ipc_word(i) };
        check(word == pattern(0xBACC, i), "a reply word intact", i as u64)?;
    }
    Ok(())
}

/// The regression test for a server stopped by one `Send`: `ReplyRecv` to a client that does not
/// await a reply (or to no task at all) once failed with `NoReplyTarget` and did not receive.
fn serve_after_send() -> Checked {
    let own = serving()?.slot();
    let reply = MsgTag::new(0, 1, 0);
    let made_up = sys::reply_recv(0xdead_0001_0003, own, reply, [1, 0, 0, 0]);
    let sent = works(made_up, "ReplyRecv to a made-up task")?;
    check(
        sent.label() == SENT && !sent.awaits_reply(),
        "the sent request",
        sent.msg.tag.0,
    )?;
    let next = sys::reply_recv(sent.sender, own, reply, [1, 0, 0, 0]);
    let called = works(next, "ReplyRecv to the client that only sent")?;
    check(
        called.label() == CALLED && called.awaits_reply(),
        "the call",
        called.msg.tag.0,
    )?;
    works(ipc::reply(called.sender, &message(0, &[ANSWER])), "reply")
}

fn held_call_server() -> Checked {
    let server = serving()?;
    let (mut client, mut forger) = (None, None);
    while client.is_none() || forger.is_none() {
        let msg = works(server.recv(), "receive")?;
        match msg.label() {
            FROM_CLIENT => client = Some(msg.sender),
            FROM_FORGER => forger = Some(msg.sender),
            other => check(false, "a call from the trio", other as u64)?,
        }
    }
    let (client, forger) = (client.unwrap_or(0), forger.unwrap_or(0));
    works(
        ipc::reply(forger, &message(0, &[client])),
        "tell the forger",
    )?;
    let done = works(server.recv(), "receive")?;
    check(done.label() == DONE, "the forger is done", done.msg.tag.0)?;
    works(
        ipc::reply(client, &message(0, &[ANSWER])),
        "answer the client",
    )?;
    works(
        ipc::reply(done.sender, &message(0, &[])),
        "answer the forger",
    )
}

fn forger() -> Checked {
    let server = partner()?;
    let told = works(
        server.call(&message(FROM_FORGER, &[])),
        "ask for the client",
    )?;
    let client = told.words[0];
    let forged = message(0, &[0xF0F0]);
    refused(
        ipc::reply(client, &forged),
        SysError::NoReplyTarget,
        "a reply to another's client",
    )?;
    let other_generation = client + (1 << 16);
    refused(
        ipc::reply(other_generation, &forged),
        SysError::NoReplyTarget,
        "another generation",
    )?;
    works(server.call(&message(DONE, &[])), "done").map(drop)
}

/// The regression test for segment selectors leaking between tasks: the CPU keeps DS, ES, FS and
/// GS across kernel entries, so the kernel must switch them with the task.
fn segment_loader() -> Checked {
    let observer = partner()?;
    load_ds(LOADED[0]);
    load_es(LOADED[1]);
    load_fs(LOADED[2]);
    load_gs(LOADED[3]);
    let reply = works(observer.call(&message(SEGMENTS, &[])), "call the observer")?;
    let own = segments();
    check(own == LOADED, "its own selectors kept", pack(own))?;
    check(
        reply.words[0] == 0,
        "the observer saw none of them",
        reply.words[0],
    )
}

fn segment_observer() -> Checked {
    let msg = works(serving()?.recv(), "receive")?;
    let seen = segments();
    works(ipc::reply(msg.sender, &message(0, &[pack(seen)])), "reply")?;
    check(msg.label() == SEGMENTS, "the loader's call", msg.msg.tag.0)?;
    check(
        seen == [0; 4],
        "null selectors after another task's load",
        pack(seen),
    )?;
    load_gs(0x3);
    sys::yield_now();
    check(
        segments() == [0, 0, 0, 0x3],
        "its own load kept",
        pack(segments()),
    )
}

fn pack(s: [u16; 4]) -> u64 {
    s.iter().fold(0, |acc, &x| acc << 16 | x as u64)
}
