//! The rogue against the memory server (300..), each played with an `attack` process (its cases
//! 704, 705) that finds the rogue through the name service: a kernel notice about a task of the
//! rogue's, delivered under the process's badge; and a frame of the process mapped here too.
use super::helper::{wait_for, wait_until, Helper};
use super::jobs::{self, exit_77, DONE};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::case::{check, survival, works, Case, Checked};
use userlib::abi::inspect::Activity;
use userlib::ipc::{self, message};
use userlib::{cap, names, slots, sys, AddressSpace, CapSlot, Endpoint, PageRights};

const HELPER: CapSlot = CapSlot(30);
/// Where the process's endpoint to the memory server lands.
const GIVEN: CapSlot = CapSlot(33);
/// Where the rogue maps the process's frame.
const WINDOW: u64 = 0x0000_6100_0000_0000;

pub const CASES: &[Case] = &[
    survival(
        300,
        "a helper's exit under a process's badge to the memory server",
        notice_under_a_process_badge,
    ),
    survival(
        301,
        "a process's frame mapped here, writable, while the server checks",
        map_a_process_frame,
    ),
];

/// The process's call, once it comes.
fn next_call(what: &'static str) -> Result<ipc::Received, test_programs::hostile::case::Failure> {
    let msg = works(cap::own().recv(), what)?;
    check(msg.awaits_reply(), "a call", msg.msg.tag.0)?;
    Ok(msg)
}

/// The process (attack 704) sends its endpoint to the memory server; a helper of the rogue's
/// exits with it as its fault endpoint: the server hears an exit under the process's pid, about a
/// task that is not the process's.
fn notice_under_a_process_badge() -> Checked {
    works(
        names::register("rogue-notice", cap::own()).map_err(|_| userlib::SysError::InvalidArgument),
        "register",
    )?;
    ipc::set_recv_slots(&[GIVEN]);
    let call = next_call("the process's call");
    ipc::clear_recv_slots();
    let call = call?;
    check(
        call.msg.tag.caps() == 1,
        "it sent a capability",
        call.msg.tag.0,
    )?;
    jobs::reset();
    let helper = Helper::new(HELPER, 0, exit_77)?;
    let result = (|| {
        works(
            helper.task.set_fault(Endpoint(GIVEN)),
            "make the server its supervisor",
        )?;
        helper.start()?;
        wait_for("the helper to exit", || DONE.load(SeqCst) == 1)?;
        // Its exit notice queued for the server, or taken.
        let sent = [Activity::Sending, Activity::Exited];
        wait_until(&helper, &sent, "the helper's exit notice")
    })();
    helper.end();
    let _ = sys::cap_delete(GIVEN);
    works(
        ipc::reply(call.sender, &message(0, &[])),
        "answer the process",
    )?;
    result
}

/// The process (attack 705) tells the rogue a frame of its own; the rogue maps it writable in its
/// own space (a pool holder may map any user frame) until the process says to let go.
fn map_a_process_frame() -> Checked {
    works(
        names::register("rogue-frame", cap::own()).map_err(|_| userlib::SysError::InvalidArgument),
        "register",
    )?;
    let call = next_call("the frame")?;
    let frame = call.msg.words[0];
    let space = AddressSpace(slots::SELF_SPACE);
    works(
        sys::as_map(space.0, slots::POOL, frame, WINDOW, PageRights::WRITE),
        "map the process's frame",
    )?;
    works(
        ipc::reply(call.sender, &message(0, &[])),
        "say it is mapped",
    )?;
    let done = next_call("the end");
    let unmapped = sys::as_unmap(space.0, WINDOW);
    let done = done?;
    works(unmapped, "unmap it")?;
    works(
        ipc::reply(done.sender, &message(0, &[])),
        "say it is unmapped",
    )
}
