//! Cases two or three instances play together on the shared endpoint (run them in one batch, with
//! nothing else using that endpoint): capabilities pushed at a receiver that offers no slot, the
//! rights and badges that arrive, a long message made with DF set, a server that keeps serving
//! after a reply nobody awaits, a call whose server exits, a reply forged to a client waiting on
//! another server, and segment selectors that must not leak from one task to the next.
use crate::hostile::asm::{self, load_ds, load_es, load_fs, load_gs, segments};
use crate::hostile::case::{check, refusal, refused, survival, works, Case, Checked};
use userlib::abi::cap::CAP_SLOTS;
use userlib::abi::msg::MAX_WORDS;
use userlib::ipc::{self, ipc_word, message, set_ipc_word};
use userlib::{cap, slots, sys, CapKind, CapSlot, MsgTag, Rights, SysError, Sysnum};

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
            ipc::set_send_caps(&[slots::OWN, slots::SHARED, slots::SUPERVISOR]);
            works(
                sys::send(slots::SHARED, MsgTag::new(PLANT, 0, 3), [0; 4]),
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
    survival(604, "badges arrive as minted (pair: 605)", badge_receiver),
    survival(
        605,
        "send through a minted, a copied and a plain capability (pair: 604)",
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
            works(cap::shared().send(&message(SENT, &[])), "send")?;
            let reply = works(cap::shared().call(&message(CALLED, &[])), "call")?;
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
            let call = works(cap::shared().recv(), "receive")?;
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
        || cap::shared().call(&message(DIES, &[])).map(drop),
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
            let reply = works(cap::shared().call(&message(FROM_CLIENT, &[])), "call")?;
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
    works(sys::cap_delete(slots::SUPERVISOR), "empty slot 0")?;
    ipc::clear_recv_slots();
    let msg = works(cap::shared().recv(), "receive")?;
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
        if slot != slots::SHARED && slot != slots::OWN {
            refused(
                sys::cap_info(slot),
                SysError::EmptySlot,
                "a slot nobody offered",
            )?;
        }
    }
    Ok(())
}

fn rights_receiver() -> Checked {
    ipc::set_recv_slots(&[CapSlot(20), CapSlot(21), CapSlot(22)]);
    let msg = works(cap::shared().recv(), "receive")?;
    check(msg.label() == RIGHTS, "the sender's message", msg.msg.tag.0)?;
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
    endpoint_with(CapSlot(21), Rights::SEND | Rights::RECEIVE | Rights::GRANT)?;
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
    ipc::set_send_caps(&[CapSlot(10), slots::SHARED, CapSlot(40)]);
    works(
        sys::send(slots::SHARED, MsgTag::new(RIGHTS, 0, 3), [0; 4]),
        "send",
    )
}

fn badge_receiver() -> Checked {
    for want in [MINTED_BADGE, 0, MINTED_BADGE] {
        let msg = works(cap::shared().recv(), "receive")?;
        check(msg.label() == BADGE, "the sender's message", msg.msg.tag.0)?;
        check(
            msg.badge == want,
            "the badge of the capability used",
            msg.badge,
        )?;
    }
    Ok(())
}

fn badge_sender() -> Checked {
    let minted = works(
        cap::shared().mint(CapSlot(10), Rights::SEND, MINTED_BADGE),
        "mint",
    )?;
    let copied = works(minted.copy_to(CapSlot(11), Rights::all()), "copy")?;
    for ep in [minted, cap::shared(), copied] {
        works(ep.send(&message(BADGE, &[])), "send")?;
    }
    Ok(())
}

fn pattern(seed: u64, i: usize) -> u64 {
    seed << 32 | i as u64
}

fn long_server() -> Checked {
    let msg = works(cap::shared().recv(), "receive")?;
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
    for i in 4..MAX_WORDS {
        set_ipc_word(i, pattern(0xD1F0, i));
    }
    let tag = MsgTag::new(LONG, MAX_WORDS, 0).0;
    let regs: [u64; 4] = core::array::from_fn(|i| pattern(0xD1F0, i));
    let a = [
        slots::SHARED.0 as u64,
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
    let reply = MsgTag::new(0, 1, 0);
    let made_up = sys::reply_recv(0xdead_0001_0003, slots::SHARED, reply, [1, 0, 0, 0]);
    let sent = works(made_up, "ReplyRecv to a made-up task")?;
    check(
        sent.label() == SENT && !sent.awaits_reply(),
        "the sent request",
        sent.msg.tag.0,
    )?;
    let next = sys::reply_recv(sent.sender, slots::SHARED, reply, [1, 0, 0, 0]);
    let called = works(next, "ReplyRecv to the client that only sent")?;
    check(
        called.label() == CALLED && called.awaits_reply(),
        "the call",
        called.msg.tag.0,
    )?;
    works(ipc::reply(called.sender, &message(0, &[ANSWER])), "reply")
}

fn held_call_server() -> Checked {
    let (mut client, mut forger) = (None, None);
    while client.is_none() || forger.is_none() {
        let msg = works(cap::shared().recv(), "receive")?;
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
    let done = works(cap::shared().recv(), "receive")?;
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
    let told = works(
        cap::shared().call(&message(FROM_FORGER, &[])),
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
    works(cap::shared().call(&message(DONE, &[])), "done").map(drop)
}

/// The regression test for segment selectors leaking between tasks: the CPU keeps DS, ES, FS and
/// GS across kernel entries, so the kernel must switch them with the task.
fn segment_loader() -> Checked {
    load_ds(LOADED[0]);
    load_es(LOADED[1]);
    load_fs(LOADED[2]);
    load_gs(LOADED[3]);
    let reply = works(
        cap::shared().call(&message(SEGMENTS, &[])),
        "call the observer",
    )?;
    let own = segments();
    check(own == LOADED, "its own selectors kept", pack(own))?;
    check(
        reply.words[0] == 0,
        "the observer saw none of them",
        reply.words[0],
    )
}

fn segment_observer() -> Checked {
    let msg = works(cap::shared().recv(), "receive")?;
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
