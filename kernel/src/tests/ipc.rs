//! IPC: who may reply to whom, what a receiver learns, and what can never be forged or planted.
use super::*;
use abi::layout::IPC_BUFFER;
use abi::msg::{fault, MAX_WORDS, REG_WORDS};
use abi::MsgTag;

const EP: u64 = FREE;
const NO_REPLY: u64 = u64::MAX;

/// A server `s` and client `c` sharing endpoint `EP` (the client's copy has `client_rights`).
fn pair(sim: &mut Sim, client_rights: Rights) -> (u16, u16) {
    let (s, c) = (sim.task(), sim.task());
    sim.endpoint(s, EP);
    sim.share(s, EP, c, EP, client_rights);
    (s, c)
}

fn tag(label: u32, words: usize, caps: usize) -> u64 {
    MsgTag::new(label, words, caps).0
}

fn recv(sim: &mut Sim, s: u16) {
    let out = sim.syscall(s, Sysnum::Recv, [EP, 0, 0, 0, 0, 0]);
    assert!(matches!(sim.state(s), State::Receiving { .. }), "{out:?}");
}

#[test]
fn a_call_delivers_the_badge_the_sender_id_and_the_call_mark() {
    both(|sim| {
        let (s, c) = (sim.task(), sim.task());
        sim.endpoint(s, EP);
        let badged = [EP, FREE + 1, Rights::SEND.bits(), 42, 0, 0];
        sim.ok(s, Sysnum::CapMint, badged);
        sim.share(s, FREE + 1, c, EP, Rights::SEND);
        recv(sim, s);
        sim.syscall(c, Sysnum::Call, [EP, tag(7, 2, 0), 11, 22, 0, 0]);
        let r = sim.regs(s);
        assert_eq!(
            (r.rax, r.rdi, r.r12),
            (0, 42, sim.id(c)),
            "badge and sender"
        );
        let got = MsgTag(r.rsi);
        assert_eq!(
            got,
            MsgTag::new(7, 2, 0).with(MsgTag::CALL),
            "no other mark"
        );
        assert_eq!((r.rdx, r.r10), (11, 22));
    });
}

#[test]
fn a_send_is_not_marked_as_a_call() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        recv(sim, s);
        sim.syscall(c, Sysnum::Send, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        assert_eq!(sim.regs(s).rsi, tag(1, 0, 0), "no mark at all");
        assert_eq!(sim.state(c), State::Ready);
    });
}

#[test]
fn one_send_does_not_stop_a_server() {
    // Regression: ReplyRecv to a sender that does not await a reply failed before receiving, and
    // the server loop ended.
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        recv(sim, s);
        sim.syscall(c, Sysnum::Send, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        let reply = [EP, tag(0, 0, 0), 0, 0, 0, 0];
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), reply, sim.id(c));
        assert!(
            matches!(sim.state(s), State::Receiving { .. }),
            "the reply is dropped and the server waits for the next request"
        );
        sim.syscall(c, Sysnum::Call, [EP, tag(2, 1, 0), 5, 0, 0, 0]);
        assert_eq!(
            MsgTag(sim.regs(s).rsi).label(),
            2,
            "and serves the next one"
        );
    });
}

#[test]
fn a_reply_to_a_task_waiting_on_another_server_is_refused() {
    both(|sim| {
        let (s1, c) = pair(sim, Rights::SEND);
        let s2 = sim.task();
        sim.endpoint(s2, EP);
        recv(sim, s1);
        sim.syscall(c, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        let caller = sim.id(c);
        let forged = sim.syscall_r12(
            s2,
            Sysnum::Reply.raw(),
            [0, tag(9, 1, 0), 666, 0, 0, 0],
            caller,
        );
        assert_eq!(forged.result(), Err(SysError::NoReplyTarget));
        let reply = [EP, tag(9, 1, 0), 666, 0, 0, 0];
        sim.syscall_r12(s2, Sysnum::ReplyRecv.raw(), reply, caller);
        assert!(matches!(sim.state(s2), State::Receiving { .. }));
        assert!(
            matches!(sim.state(c), State::AwaitingReply { server, .. } if server == s1),
            "the caller still waits for its own server"
        );
        assert_ne!(sim.regs(c).rdx, 666);
        // Its own server's reply does arrive.
        let reply = [EP, tag(3, 1, 0), 77, 0, 0, 0];
        sim.syscall_r12(s1, Sysnum::ReplyRecv.raw(), reply, caller);
        assert_eq!(
            (sim.state(c), sim.regs(c).rax, sim.regs(c).rdx),
            (State::Ready, 0, 77)
        );
    });
}

#[test]
fn stale_and_made_up_reply_targets_are_refused() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    recv(&mut sim, s);
    sim.syscall(c, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
    let stale = sim.id(c) + (1 << 16);
    for target in [stale, sim.id(s), 0xffff, u64::MAX - 1] {
        let out = sim.syscall_r12(s, Sysnum::Reply.raw(), [0, 0, 0, 0, 0, 0], target);
        assert_eq!(out.result(), Err(SysError::NoReplyTarget), "{target:#x}");
    }
    sim.ok(s, Sysnum::Yield, [0; 6]);
}

#[test]
fn kernel_marks_cannot_be_sent() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    recv(&mut sim, s);
    let label = fault::PAGE_FAULT;
    for flags in [
        MsgTag::KERNEL,
        MsgTag::CALL,
        MsgTag::CAPS_LOST,
        1 << 47,
        1 << 63,
    ] {
        let forged = MsgTag::new(label, 4, 0).0 | flags;
        for num in [Sysnum::Send, Sysnum::Call] {
            let out = sim.syscall(c, num, [EP, forged, 0, 0, 0, 0]);
            assert_eq!(
                out.result(),
                Err(SysError::InvalidArgument),
                "{num:?} {flags:#x}"
            );
        }
    }
    let oversize = [
        tag(1, MAX_WORDS + 1, 0),
        tag(1, 0, 4),
        MsgTag::new(1, 0xff, 0xf).0,
    ];
    for bad in oversize {
        sim.fails(
            c,
            Sysnum::Call,
            [EP, bad, 0, 0, 0, 0],
            SysError::InvalidArgument,
        );
    }
    // An honest message with the same label arrives without the mark.
    sim.syscall(c, Sysnum::Send, [EP, tag(label, 4, 0), 1, 2, 3, 4]);
    let got = MsgTag(sim.regs(s).rsi);
    assert_eq!(got.label(), label);
    assert!(!got.from_kernel());
}

#[test]
fn faults_and_exits_arrive_marked_by_the_kernel() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    sim.ok(s, Sysnum::TaskSetFault, [SELF, EP, 0, 0, 0, 0]);
    let _ = c;
    let (h, t) = (sim.task(), sim.task());
    sim.endpoint(h, EP);
    sim.share(h, EP, t, FREE + 1, Rights::SEND);
    sim.share(t, SELF, h, FREE + 2, Rights::all());
    sim.ok(h, Sysnum::TaskSetFault, [FREE + 2, EP, 0, 0, 0, 0]);
    recv(&mut sim, h);
    sim.k.current = Some(t);
    sim.k.task(t).regs.vector = 14;
    sim.k.task(t).regs.error_code = 6;
    sim.k.user_exception(t, 0x1234_5000);
    let r = sim.regs(h);
    let got = MsgTag(r.rsi);
    assert!(got.from_kernel() && got.awaits_reply());
    assert_eq!(
        (got.label(), r.rdx, r.r10),
        (fault::PAGE_FAULT, t as u64, 0x1234_5000)
    );
    // The handler resumes it with a reply; its registers are untouched.
    let rax_before = sim.regs(t).rax;
    sim.syscall_r12(h, Sysnum::ReplyRecv.raw(), [EP, 0, 0, 0, 0, 0], r.r12);
    assert_eq!((sim.state(t), sim.regs(t).rax), (State::Ready, rax_before));
    sim.syscall(t, Sysnum::Exit, [3, 0, 0, 0, 0, 0]);
    let r = sim.regs(h);
    let got = MsgTag(r.rsi);
    assert!(got.from_kernel() && !got.awaits_reply());
    assert_eq!((got.label(), r.r10), (fault::EXIT, 3));
}

#[test]
fn long_messages_arrive_whole() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        for i in 4..MAX_WORDS {
            sim.ipc_write(c, i, 1000 + i as u64);
        }
        recv(sim, s);
        sim.syscall(c, Sysnum::Call, [EP, tag(5, MAX_WORDS, 0), 1, 2, 3, 4]);
        assert_eq!(MsgTag(sim.regs(s).rsi).words(), MAX_WORDS);
        for i in 4..MAX_WORDS {
            assert_eq!(sim.ipc_read(s, i), 1000 + i as u64, "word {i}");
        }
        // The reply comes back whole too.
        for i in 4..MAX_WORDS {
            sim.ipc_write(s, i, 2000 + i as u64);
        }
        sim.syscall_r12(
            s,
            Sysnum::Reply.raw(),
            [0, tag(6, MAX_WORDS, 0), 0, 0, 0, 0],
            sim.id(c),
        );
        assert_eq!(MsgTag(sim.regs(c).rsi).words(), MAX_WORDS);
        assert_eq!(sim.ipc_read(c, MAX_WORDS - 1), 2000 + MAX_WORDS as u64 - 1);
    });
}

#[test]
fn long_replies_with_reply_recv_arrive_whole_and_the_fast_path_takes_them() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        recv(sim, s);
        sim.syscall(c, Sysnum::Call, [EP, tag(5, 16, 0), 1, 2, 3, 4]);
        for i in 4..16 {
            sim.ipc_write(s, i, 3000 + i as u64);
        }
        let reply = [EP, tag(6, 16, 0), 5, 6, 7, 8];
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), reply, sim.id(c));
        let r = sim.regs(c);
        assert_eq!((r.rax, MsgTag(r.rsi), r.r9), (0, MsgTag::new(6, 16, 0), 8));
        assert_eq!(sim.ipc_read(c, 15), 3015);
        assert!(matches!(sim.state(s), State::Receiving { .. }));
    });
}

#[test]
fn the_fast_path_leaves_a_long_message_without_a_receiver_buffer_untouched() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    sim.ok(s, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
    recv(&mut sim, s);
    sim.k.current = Some(c);
    let r = &mut sim.k.task(c).regs;
    [r.rdi, r.rsi] = [EP, tag(7, 16, 0)];
    assert_eq!(sim.k.fast_call::<false>(c), None, "long");
    assert_eq!(sim.k.fast_call::<true>(c), None, "the general path decides");
    assert!(
        matches!(sim.state(s), State::Receiving { .. }),
        "still waiting"
    );
    assert_eq!(sim.state(c), State::Ready);
}

/// Word index of `IpcBuffer::send_caps` and `recv_mask`.
const SEND_CAPS: usize = MAX_WORDS;
const RECV_MASK: usize = MAX_WORDS + 3;

#[test]
fn capabilities_travel_only_with_grant() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    recv(&mut sim, s);
    sim.ipc_write(c, SEND_CAPS, SELF);
    let with_cap = [EP, tag(1, 0, 1), 0, 0, 0, 0];
    sim.fails(c, Sysnum::Call, with_cap, SysError::MissingRights);
    sim.fails(c, Sysnum::Send, with_cap, SysError::MissingRights);
}

#[test]
fn an_empty_offer_plants_nothing() {
    // Regression: an all-zero offer meant "slot 0", so any sender could plant a capability there.
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND | Rights::GRANT);
    recv(&mut sim, s);
    sim.ipc_write(c, SEND_CAPS, SELF);
    sim.syscall(c, Sysnum::Send, [EP, tag(1, 0, 1), 0, 0, 0, 0]);
    let got = MsgTag(sim.regs(s).rsi);
    assert_eq!((got.caps(), got.caps_lost()), (0, true));
    assert_eq!(sim.k.task(s).caps.get(0), Err(SysError::EmptySlot));
    assert_eq!(
        sim.k.task(s).caps.iter().count(),
        5,
        "nothing new in the table"
    );
}

#[test]
fn capabilities_land_in_offered_empty_slots_with_the_senders_rights() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND | Rights::GRANT);
    sim.ok(
        c,
        Sysnum::CapCopy,
        [SELF, FREE + 1, Rights::READ.bits(), 0, 0, 0],
    );
    sim.ipc_write(s, RECV_MASK, 1 << 20 | 1 << 30 | 1 << SELF);
    recv(&mut sim, s);
    // Three caps: the first to slot 3 (occupied: lost), the second to 20, the third to 30.
    for (i, slot) in [FREE + 1, FREE + 1, EP].into_iter().enumerate() {
        sim.ipc_write(c, SEND_CAPS + i, slot);
    }
    sim.syscall(c, Sysnum::Send, [EP, tag(1, 0, 3), 0, 0, 0, 0]);
    let got = MsgTag(sim.regs(s).rsi);
    assert_eq!((got.caps(), got.caps_lost()), (2, true));
    let arrived = sim.k.task(s).caps.get(20).unwrap();
    assert_eq!(
        (arrived.kind, arrived.rights),
        (CapKind::Task, Rights::READ)
    );
    let ep = sim.k.task(s).caps.get(30).unwrap();
    assert_eq!(
        ep.rights,
        Rights::SEND | Rights::GRANT,
        "not more than the sender had"
    );
    assert!(sim.audit(), "transferred capabilities are counted");
}

#[test]
fn a_call_with_one_capability_lands_it_on_either_path() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND | Rights::GRANT);
        sim.ipc_write(s, RECV_MASK, 1 << 20);
        recv(sim, s);
        sim.ipc_write(c, SEND_CAPS, SELF);
        sim.ipc_write(c, 5, 105);
        sim.syscall(c, Sysnum::Call, [EP, tag(9, 6, 1), 1, 2, 3, 4]);
        let r = sim.regs(s);
        let delivered = MsgTag::new(9, 6, 1).with(MsgTag::CALL);
        assert_eq!((r.rax, MsgTag(r.rsi), r.r12), (0, delivered, sim.id(c)));
        assert_eq!((r.rdx, r.r9, sim.ipc_read(s, 5)), (1, 4, 105));
        let sent = sim.k.task(c).caps.get(SELF);
        assert_eq!(sim.k.task(s).caps.get(20), sent, "a copy, the same rights");
        assert!(matches!(sim.state(c), State::AwaitingReply { .. }));
    });
}

#[test]
fn the_fast_path_takes_one_capability_only_into_an_empty_offered_slot() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND | Rights::GRANT);
    sim.ipc_write(s, RECV_MASK, 1 << EP);
    recv(&mut sim, s);
    sim.k.current = Some(c);
    sim.ipc_write(c, SEND_CAPS, SELF);
    let r = &mut sim.k.task(c).regs;
    [r.rdi, r.rsi] = [EP, tag(7, 0, 1)];
    assert_eq!(sim.k.fast_call::<true>(c), None, "not a plain message");
    assert_eq!(
        sim.k.fast_call_cap(c),
        None,
        "occupied: the general path says lost"
    );
    sim.ipc_write(c, SEND_CAPS, 50);
    sim.ipc_write(s, RECV_MASK, 1 << 20);
    assert_eq!(sim.k.fast_call_cap(c), None, "nothing to send: lost too");
    assert!(
        matches!(sim.state(s), State::Receiving { .. }),
        "nothing changed"
    );
    sim.ipc_write(c, SEND_CAPS, SELF);
    assert_eq!(sim.k.fast_call_cap(c), Some(s));
    assert!(sim.k.task(s).caps.get(20).is_ok());
    assert!(sim.audit(), "counted on its object");
}

#[test]
fn replies_carry_capabilities_only_if_the_server_may_grant() {
    // Through ReplyRecv or Reply naming an endpoint capability with or without GRANT.
    let ways = [
        (Sysnum::ReplyRecv, false),
        (Sysnum::ReplyRecv, true),
        (Sysnum::Reply, false),
        (Sysnum::Reply, true),
    ];
    for (how, grant) in ways {
        let mut sim = Sim::new();
        let (s, c) = pair(&mut sim, Rights::SEND);
        let rights = if grant {
            Rights::all()
        } else {
            Rights::RECEIVE
        };
        sim.ok(s, Sysnum::CapCopy, [EP, FREE + 5, rights.bits(), 0, 0, 0]);
        sim.ipc_write(c, RECV_MASK, 1 << 40);
        sim.syscall(s, Sysnum::Recv, [FREE + 5, 0, 0, 0, 0, 0]);
        sim.syscall(c, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        sim.ipc_write(s, SEND_CAPS, SELF);
        let reply = [FREE + 5, tag(2, 0, 1), 0, 0, 0, 0];
        sim.syscall_r12(s, how.raw(), reply, sim.id(c));
        if how == Sysnum::Reply && !grant {
            // Refused before anything is done: the caller still waits, with nothing new.
            assert_eq!(sim.regs(s).rax, SysError::MissingRights.raw());
            assert!(sim.k.task(c).caps.get(40).is_err());
            continue;
        }
        let arrives = grant;
        let got = MsgTag(sim.regs(c).rsi);
        assert_eq!(
            (got.caps() == 1, got.caps_lost()),
            (arrives, !arrives),
            "{how:?} {grant}"
        );
        assert_eq!(sim.k.task(c).caps.get(40).is_ok(), arrives);
    }
}

#[test]
fn callers_of_a_dead_server_wake_with_peer_died() {
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    let owner = sim.task();
    sim.share(s, SELF, owner, FREE, Rights::all());
    recv(&mut sim, s);
    sim.syscall(c, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
    sim.ok(owner, Sysnum::TaskDestroy, [FREE, 0, 0, 0, 0, 0]);
    assert_eq!(
        (sim.state(c), sim.regs(c).rax),
        (State::Ready, SysError::PeerDied.raw())
    );
    assert!(sim.audit());
}

#[test]
fn a_server_survives_its_caller_dying() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        let owner = sim.task();
        sim.share(c, SELF, owner, FREE, Rights::all());
        recv(sim, s);
        sim.syscall(c, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        let caller = sim.id(c);
        sim.ok(owner, Sysnum::TaskDestroy, [FREE, 0, 0, 0, 0, 0]);
        sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), [EP, 0, 0, 0, 0, 0], caller);
        assert!(matches!(sim.state(s), State::Receiving { .. }));
        let _ = NO_REPLY;
    });
}

#[test]
fn reply_recv_with_a_caller_already_queued_takes_its_message_at_once() {
    both(|sim| {
        let (s, c1) = pair(sim, Rights::SEND);
        let c2 = sim.task();
        sim.share(s, EP, c2, EP, Rights::SEND);
        recv(sim, s);
        sim.syscall(c1, Sysnum::Call, [EP, tag(1, 0, 0), 0, 0, 0, 0]);
        sim.syscall(c2, Sysnum::Call, [EP, tag(2, 1, 0), 22, 0, 0, 0]);
        assert!(matches!(sim.state(c2), State::Sending { .. }), "queued");
        let reply = [EP, tag(3, 1, 0), 33, 0, 0, 0];
        let out = sim.syscall_r12(s, Sysnum::ReplyRecv.raw(), reply, sim.id(c1));
        assert_eq!((sim.state(c1), sim.regs(c1).rdx), (State::Ready, 33));
        assert_eq!((sim.state(s), out.next), (State::Ready, Some(s)));
        assert_eq!((MsgTag(out.regs.rsi).label(), out.regs.rdx), (2, 22));
        assert_eq!(out.regs.r12, sim.id(c2));
        assert!(matches!(sim.state(c2), State::AwaitingReply { server, .. } if server == s));
    });
}

#[test]
fn a_long_message_needs_the_senders_ipc_buffer() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND);
        recv(sim, s);
        sim.ok(c, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
        for num in [Sysnum::Send, Sysnum::Call] {
            let long = [EP, tag(1, REG_WORDS + 1, 0), 0, 0, 0, 0];
            sim.fails(c, num, long, SysError::NoIpcBuffer);
        }
        sim.fails(
            c,
            Sysnum::TaskReadRegs,
            [SELF, 0, 0, 0, 0, 0],
            SysError::NoIpcBuffer,
        );
        // Short messages need none.
        sim.syscall(c, Sysnum::Call, [EP, tag(1, REG_WORDS, 0), 1, 2, 3, 4]);
        assert_eq!(sim.regs(s).r9, 4);
        let long = [0, tag(2, REG_WORDS + 1, 0), 0, 0, 0, 0];
        sim.ok(s, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
        let out = sim.syscall_r12(s, Sysnum::Reply.raw(), long, sim.id(c));
        assert_eq!(out.result(), Err(SysError::NoIpcBuffer));
    });
}

#[test]
fn a_read_only_ipc_buffer_is_no_buffer() {
    // The kernel writes received words and read registers there; it must never write where the
    // task itself could not.
    let mut sim = Sim::new();
    let (s, c) = pair(&mut sim, Rights::SEND);
    recv(&mut sim, s);
    sim.ok(c, Sysnum::AsProtect, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
    sim.fails(
        c,
        Sysnum::TaskReadRegs,
        [SELF, 0, 0, 0, 0, 0],
        SysError::NoIpcBuffer,
    );
    let long = [EP, tag(1, REG_WORDS + 1, 0), 0, 0, 0, 0];
    sim.fails(c, Sysnum::Send, long, SysError::NoIpcBuffer);
    let w = PageRights::WRITE.bits();
    sim.ok(c, Sysnum::AsProtect, [SPACE, IPC_BUFFER, w, 0, 0, 0]);
    sim.ok(c, Sysnum::TaskReadRegs, [SELF, 0, 0, 0, 0, 0]);
}

#[test]
fn a_long_message_without_the_receivers_ipc_buffer_arrives_with_only_the_register_words() {
    both(|sim| {
        let (s, c) = pair(sim, Rights::SEND | Rights::GRANT);
        sim.ok(s, Sysnum::AsUnmap, [SPACE, IPC_BUFFER, 0, 0, 0, 0]);
        recv(sim, s);
        sim.ipc_write(c, SEND_CAPS, SELF);
        sim.ipc_write(c, REG_WORDS, 99);
        sim.syscall(c, Sysnum::Call, [EP, tag(5, REG_WORDS + 1, 1), 1, 2, 3, 4]);
        let r = sim.regs(s);
        let got = MsgTag(r.rsi);
        assert_eq!(
            got,
            MsgTag::new(5, REG_WORDS, 0).with(MsgTag::CALL | MsgTag::CAPS_LOST),
            "the tag says what arrived"
        );
        assert_eq!([r.rdx, r.r10, r.r8, r.r9], [1, 2, 3, 4]);
    });
}
