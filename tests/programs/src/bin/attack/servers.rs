//! Servers that programs copy, filled by clients that end: many short-lived clients of `counter`
//! (which `count` brings into the batch), a capability `ipcecho` did not expect, and children
//! left waiting in the name service when the attacker exits. Numbers 528.., beside the other
//! misuse of servers (525-527, `ipc.rs`).
use examples::protocol::counter::{Counter, Request};
use test_programs::hostile::case::{check, survival, works, Case, Checked, Failure};
use userlib::rpc::CallError;
use userlib::{cap, ipc, names, process, sys, CapSlot, Rights, HZ};

/// More clients than `counter` keeps totals for (16).
const CLIENTS: usize = 17;
/// `ipcecho`'s label for a message carrying a capability (`runner/benchmarks`).
const CAP_LABEL: u32 = 0xcafe;
/// Where a reply's capability would land, and the capability we send.
const OFFERED: CapSlot = CapSlot(30);
const OURS: CapSlot = CapSlot(31);

pub const CASES: &[Case] = &[
    survival(
        528,
        "17 short-lived clients of counter, then a new one",
        short_lived_counter_clients,
    ),
    survival(
        529,
        "a capability ipcecho does not expect, then one it does",
        unexpected_capability,
    ),
    survival(
        530,
        "children left waiting for a name when the attacker exits",
        leave_waiters_behind,
    ),
];

/// A memory-server call that must succeed.
fn done<T>(result: process::Result<T>, what: &'static str) -> Result<T, Failure> {
    result.map_err(|e| {
        let got = match e {
            process::Error::Mem(e) => e as u64,
            process::Error::Sys(e) => e.raw(),
        };
        Failure { what, got }
    })
}

fn counter(slot: CapSlot) -> Result<userlib::rpc::Client<Counter>, Failure> {
    let found = names::connect("counter", slot, 5 * HZ as u32);
    found.map_err(|_| Failure {
        what: "find the counter server",
        got: 0,
    })
}

/// Each child is a new client (its own badge) that adds 1 and exits; once they have all ended,
/// a new client must still get a total of its own.
fn short_lived_counter_clients() -> Checked {
    for i in 0..CLIENTS {
        let child = done(process::fork(), "fork")?;
        if child == 0 {
            let served = counter(CapSlot(20)).map(|c| c.call(&Request::Add(1)));
            process::exit(matches!(served, Ok(Ok(1))) as i32 ^ 1);
        }
        let status = done(process::waitpid(child), "wait")?;
        check(
            status.code == 0,
            "a short-lived client was served",
            i as u64,
        )?;
    }
    let total = counter(CapSlot(21))?.call(&Request::Get);
    let refused = matches!(total, Err(CallError::Server(_)));
    check(
        total == Ok(0),
        "a new client after them is served",
        refused as u64,
    )
}

/// A capability sent with a plain echo must neither stay in ipcecho's only slot (the next one
/// would not land) nor come back (a reply naming a capability would send one of ipcecho's).
fn unexpected_capability() -> Checked {
    let echo = names::lookup("ipcecho", CapSlot(20), 5 * HZ as u32);
    let echo = echo.map_err(|_| Failure {
        what: "find ipcecho",
        got: 0,
    })?;
    works(
        sys::cap_copy(cap::own().slot(), OURS, Rights::SEND | Rights::GRANT),
        "a capability to send",
    )?;
    ipc::set_recv_slots(&[OFFERED]);
    let reply = works(
        echo.call_long(1, &[5], &[OURS]),
        "an echo with a capability",
    )?;
    check(reply.words[0] == 5, "the echo", reply.words[0])?;
    check(
        reply.tag.caps() == 0,
        "no capability in the echo",
        reply.tag.0,
    )?;
    let empty = sys::cap_info(OFFERED).is_err();
    check(empty, "nothing landed in the offered slot", 0)?;
    let reply = works(
        echo.call_long(CAP_LABEL, &[9], &[OURS]),
        "a capability call",
    )?;
    check(
        reply.words[0] == 9,
        "ipcecho received the capability",
        reply.words[0],
    )
}

/// Children wait for a name that never comes, and the attacker exits at once: the batch's end
/// kills them, and the next batch's lookups must find every place free (`nametest` checks).
fn leave_waiters_behind() -> Checked {
    for _ in 0..8 {
        if done(process::fork(), "fork")? == 0 {
            let _ = names::lookup("attack-never", CapSlot(20), 10 * HZ as u32);
            process::exit(0);
        }
    }
    Ok(())
}
