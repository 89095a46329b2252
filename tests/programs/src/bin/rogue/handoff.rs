//! What passes between the rogue's helper tasks: capabilities handed through masks, a reply forged
//! to a client waiting on another server, and endpoints and tasks destroyed while a fault or a
//! call is in flight.
use super::helper::{end_endpoint, endpoint, wait_for, wait_until, Helper};
use super::jobs::{self, *};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::case::{check, refused, survival, works, Case, Checked};
use userlib::abi::inspect::Activity;
use userlib::arch::syscall_raw;
use userlib::SysError::*;
use userlib::{slots, CapKind, CapSlot, Rights, SysError, Sysnum};

const HELPER: CapSlot = CapSlot(30);
const SECOND: CapSlot = CapSlot(31);
/// An endpoint the rogue creates: its helpers talk on it, or report their faults to it.
const ENDPOINT: CapSlot = CapSlot(32);

pub const CASES: &[Case] = &[
    survival(
        207,
        "capabilities given through a mask",
        given_through_a_mask,
    ),
    survival(
        210,
        "reply to a task waiting on another server",
        reply_to_anothers_client,
    ),
    survival(
        213,
        "destroy a fault endpoint while a fault waits on it",
        fault_endpoint_destroyed,
    ),
    survival(
        214,
        "destroy a server in the middle of a call",
        server_destroyed,
    ),
    survival(
        215,
        "destroy a caller in the middle of a call",
        caller_destroyed,
    ),
];
fn given_through_a_mask() -> Checked {
    jobs::reset();
    let helper = Helper::new(HELPER, 0, describe_caps)?;
    let result = (|| {
        let give = |src, dst, mask| helper.task.give_cap(src, CapSlot(dst), mask);
        works(
            give(slots::OWN, 0, Rights::SEND),
            "give a send-only endpoint",
        )?;
        works(
            give(slots::SELF_SPACE, 1, Rights::READ | Rights::CONTROL),
            "give a read-only space",
        )?;
        works(
            give(slots::POOL, 2, Rights::empty()),
            "give a rightless pool",
        )?;
        refused(
            give(slots::OWN, 0, Rights::all()),
            SlotOccupied,
            "give into an occupied slot",
        )?;
        refused(
            give(slots::OWN, 64, Rights::all()),
            InvalidSlot,
            "give into slot 64",
        )?;
        refused(
            give(CapSlot(60), 3, Rights::all()),
            EmptySlot,
            "give from an empty slot",
        )?;
        let a = [HELPER.0 as u64, slots::OWN.0 as u64, 3, 1 << 9, 0, 0];
        let raw = SysError::from_rax(syscall_raw(Sysnum::TaskGiveCap.raw(), a, 0).rax);
        refused(raw, InvalidArgument, "give with unknown rights bits")?;
        helper.start()?;
        wait_for("the helper to describe its capabilities", || {
            DONE.load(SeqCst) == 1
        })?;
        let want = [
            (CapKind::Endpoint, Rights::SEND),
            (CapKind::AddressSpace, Rights::READ | Rights::CONTROL),
            (CapKind::FramePool, Rights::empty()),
        ];
        for (i, (kind, rights)) in want.into_iter().enumerate() {
            let seen = SEEN[i].load(SeqCst);
            check(
                seen == kind.raw() << 32 | rights.bits(),
                "exactly the masked rights",
                seen,
            )?;
        }
        check(
            RESULT.load(SeqCst) == MissingRights.raw(),
            "the rightless pool refuses",
            RESULT.load(SeqCst),
        )
    })();
    helper.end();
    result
}

fn reply_to_anothers_client() -> Checked {
    jobs::reset();
    let ep = endpoint(ENDPOINT)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(ENDPOINT, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(ENDPOINT, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        check(
            SEEN[0].load(SeqCst) == client.id,
            "the server saw the client",
            SEEN[0].load(SeqCst),
        )?;
        let forged = userlib::ipc::message(0, &[0xF0F0]);
        refused(
            userlib::ipc::reply(client.id, &forged),
            NoReplyTarget,
            "reply to another's client",
        )?;
        GO.store(1, SeqCst);
        wait_for("the client to get its answer", || {
            CLIENT_DONE.load(SeqCst) == 1
        })?;
        check(
            RESULT.load(SeqCst) == ANSWER,
            "the real server's answer",
            RESULT.load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}

fn fault_endpoint_destroyed() -> Checked {
    let faults = endpoint(ENDPOINT)?;
    let helper = Helper::new(HELPER, 0, fault_with_marker)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        helper.start()?;
        wait_until(&helper, &[Activity::Sending], "the helper's fault to wait")?;
        works(faults.destroy(), "destroy the fault endpoint")?;
        // It resumes, faults again with nowhere to report, and the kernel kills it.
        wait_for("the kernel to kill the helper", || {
            helper.task.info() == Err(StaleCap)
        })
    })();
    helper.end();
    end_endpoint(faults);
    result
}

fn server_destroyed() -> Checked {
    jobs::reset();
    let ep = endpoint(ENDPOINT)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(ENDPOINT, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(ENDPOINT, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        works(server.task.destroy(), "destroy the server")?;
        wait_for("the client to wake", || CLIENT_DONE.load(SeqCst) == 1)?;
        check(
            RESULT.load(SeqCst) == PeerDied.raw() << 32,
            "the call fails with PeerDied",
            RESULT.load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}

fn caller_destroyed() -> Checked {
    jobs::reset();
    let ep = endpoint(ENDPOINT)?;
    let server = Helper::new(HELPER, 0, hold_a_call)?;
    let client = Helper::new(SECOND, 1, call_slot_0);
    let result = client.as_ref().map_err(|f| *f).and_then(|client| {
        works(
            server.task.give_cap(ENDPOINT, CapSlot(0), Rights::RECEIVE),
            "give the server the endpoint",
        )?;
        works(
            client.task.give_cap(ENDPOINT, CapSlot(0), Rights::SEND),
            "give the client the endpoint",
        )?;
        server.start()?;
        client.start()?;
        wait_for("the server to hold the call", || HELD.load(SeqCst) == 1)?;
        works(client.task.destroy(), "destroy the client")?;
        GO.store(1, SeqCst);
        wait_for("the server to reply", || SERVER_DONE.load(SeqCst) == 1)?;
        check(
            SEEN[1].load(SeqCst) == NoReplyTarget.raw(),
            "the reply finds nobody",
            SEEN[1].load(SeqCst),
        )
    });
    server.end();
    if let Ok(client) = client {
        client.end();
    }
    end_endpoint(ep);
    result
}
