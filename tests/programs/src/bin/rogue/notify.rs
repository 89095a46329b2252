//! Notifications misused by a pool holder that can make them: a capability without the right, a
//! destroyed or deleted one, a second binding, a badge minted twice; a helper waiting on one that
//! is destroyed, a helper bound to one destroyed while it receives, a signal through a dead
//! task's capability.
use super::helper::{end_endpoint, endpoint, wait_for, wait_until, Helper};
use super::jobs::{self, *};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::case::{check, refusal, refused, survival, works, Case, Checked};
use userlib::abi::inspect::Activity;
use userlib::SysError::*;
use userlib::{slots, CapSlot, FramePool, Notification, Rights, SysError};

const POOL: FramePool = FramePool(slots::POOL);
const NOTE: CapSlot = CapSlot(20);
const COPY: CapSlot = CapSlot(21);
const HELPER: CapSlot = CapSlot(30);
const ENDPOINT: CapSlot = CapSlot(32);

fn create() -> Result<Notification, SysError> {
    POOL.create_notification(NOTE)
}

pub const CASES: &[Case] = &[
    refusal(
        130,
        "wait through a signal-only notification",
        MissingRights,
        || create()?.copy_to(COPY, Rights::SEND)?.wait().map(drop),
    ),
    refusal(
        131,
        "signal through a wait-only notification",
        MissingRights,
        || create()?.copy_to(COPY, Rights::RECEIVE)?.signal(),
    ),
    refusal(132, "signal a destroyed notification", StaleCap, || {
        let n = create()?;
        let copy = n.copy_to(COPY, Rights::SEND)?;
        n.destroy()?;
        copy.signal()
    }),
    refusal(133, "bind a second notification", InUse, || {
        create()?.bind()?;
        POOL.create_notification(COPY)?.bind()
    }),
    refusal(
        134,
        "mint a badged notification again",
        InvalidArgument,
        || {
            create()?.mint(COPY, Rights::SEND, 1)?;
            Notification(COPY)
                .mint(CapSlot(22), Rights::SEND, 2)
                .map(drop)
        },
    ),
    refusal(135, "poll a deleted notification", EmptySlot, || {
        let n = create()?;
        n.delete()?;
        n.poll().map(drop)
    }),
    survival(
        136,
        "destroy a notification a helper waits on",
        destroyed_under_a_waiter,
    ),
    survival(
        137,
        "destroy a task bound to a notification while it receives",
        bound_task_destroyed,
    ),
];

fn destroyed_under_a_waiter() -> Checked {
    jobs::reset();
    let n = works(create(), "create a notification")?;
    let helper = Helper::new(HELPER, 0, wait_on_slot_0)?;
    let result = (|| {
        works(
            helper.task.give_cap(NOTE, CapSlot(0), Rights::RECEIVE),
            "give it",
        )?;
        helper.start()?;
        wait_until(&helper, &[Activity::Waiting], "the helper to wait")?;
        check(
            DONE.load(SeqCst) == 0,
            "the helper still waits",
            DONE.load(SeqCst),
        )?;
        works(n.destroy(), "destroy the notification")?;
        wait_for("the helper to wake", || DONE.load(SeqCst) == 1)?;
        let got = RESULT.load(SeqCst);
        check(got == PeerDied.raw(), "the waiter wakes with PeerDied", got)?;
        refused(n.signal(), StaleCap, "signal it afterwards")
    })();
    helper.end();
    let _ = n.delete();
    result
}

fn bound_task_destroyed() -> Checked {
    jobs::reset();
    let n = works(create(), "create a notification")?;
    let ep = endpoint(ENDPOINT)?;
    let helper = Helper::new(HELPER, 0, bind_then_receive)?;
    let result = (|| {
        works(
            helper.task.give_cap(NOTE, CapSlot(0), Rights::RECEIVE),
            "give it",
        )?;
        works(
            helper.task.give_cap(ENDPOINT, CapSlot(1), Rights::RECEIVE),
            "give an endpoint",
        )?;
        // The helper's own signalling capability, badged: it goes with the helper.
        works(n.mint(COPY, Rights::SEND, 4), "mint a badged copy")?;
        works(
            helper.task.give_cap(COPY, CapSlot(2), Rights::SEND),
            "give the copy",
        )?;
        works(Notification(COPY).delete(), "delete the rogue's copy")?;
        helper.start()?;
        wait_until(&helper, &[Activity::Receiving], "the helper to receive")?;
        check(
            RESULT.load(SeqCst) == 0,
            "the helper bound it",
            RESULT.load(SeqCst),
        )?;
        check(
            DONE.load(SeqCst) == 0,
            "the helper receives",
            DONE.load(SeqCst),
        )?;
        works(
            helper.task.destroy(),
            "destroy the helper while it receives",
        )?;
        check(works(n.poll(), "poll")? == 0, "nothing signalled", 0)?;
        // Its binding went with it: the rogue can bind the notification now.
        works(n.bind(), "bind it to the rogue")?;
        works(n.signal(), "signal it")?;
        let got = works(userlib::Endpoint(ENDPOINT).recv(), "receive: the bits")?;
        check(
            got.notified() && got.badge == 1,
            "the bits, marked",
            got.badge,
        )
    })();
    helper.end();
    end_endpoint(ep);
    let _ = n.destroy();
    let _ = n.delete();
    result
}
