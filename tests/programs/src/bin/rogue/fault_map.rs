//! Fault replies that map (`fault::MAP_ZEROED`), from a hostile handler: the rogue is the fault
//! endpoint of a helper that touches an unmapped page, and answers with maps the kernel must
//! refuse — a space it has no `MAP` on, another space than the faulter's, a pool without `MAP`, a
//! kernel address, a page already mapped, no frame free — each failing the reply with nothing
//! changed (the helper still waits), before the one that maps resumes it. And the label sent to a
//! task that called, not faulted: a label, nothing mapped.
use super::helper::{end_endpoint, endpoint, wait_for, Helper};
use super::jobs::{self, *};
use super::objects::{give_back, take_all_frames, MAX_FRAME};
use core::sync::atomic::Ordering::SeqCst;
use test_programs::hostile::case::{check, refused, survival, works, Case, Checked};
use userlib::abi::msg::fault::MAP_ZEROED;
use userlib::layout::IPC_BUFFER;
use userlib::SysError::*;
use userlib::{slots, sys, CapSlot, MsgTag, PageRights, Rights};

const HELPER: CapSlot = CapSlot(30);
const FAULTS: CapSlot = CapSlot(32);
/// Its own space with rights short of `MAP`; a space of its own making; its pool without `MAP`.
const NO_MAP: CapSlot = CapSlot(33);
const OTHER: CapSlot = CapSlot(34);
const WEAK_POOL: CapSlot = CapSlot(35);

pub const CASES: &[Case] = &[
    survival(
        218,
        "hostile fault replies that map: every one refused, the helper waits, then one maps",
        hostile_maps,
    ),
    survival(
        219,
        "a map reply to a task that called: only a label",
        map_label_to_a_caller,
    ),
];

/// The words of a map reply: space, pool, page, rights.
fn words(space: CapSlot, pool: CapSlot, page: u64) -> [u64; 4] {
    let w = PageRights::WRITE.bits();
    [space.0.into(), pool.0.into(), page, w]
}

fn map_reply(to: u64, w: [u64; 4]) -> Result<(), userlib::SysError> {
    sys::reply(to, MsgTag::new(MAP_ZEROED, 4, 0), w)
}

fn hostile_maps() -> Checked {
    jobs::reset();
    let faults = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, touch_unmapped)?;
    let result = (|| {
        works(helper.task.set_fault(faults), "set its fault endpoint")?;
        helper.start()?;
        let fault = works(faults.recv(), "receive its fault")?;
        check(fault.from_kernel(), "the kernel's notice", fault.msg.tag.0)?;
        let (to, own) = (fault.sender, slots::SELF_SPACE);
        works(
            sys::cap_copy(own, NO_MAP, Rights::READ | Rights::CONTROL),
            "copy",
        )?;
        works(sys::cap_copy(slots::POOL, WEAK_POOL, Rights::READ), "copy")?;
        works(sys::as_create(slots::POOL, OTHER), "create a space")?;
        // First, with no frame free (before any table exists for the page).
        let mut taken = [0u64; MAX_FRAME / 64];
        take_all_frames(&mut taken)?;
        let starved = map_reply(to, words(own, slots::POOL, UNMAPPED));
        give_back(&taken)?;
        refused(starved, OutOfMemory, "map with no frame free")?;
        let cases = [
            (
                words(NO_MAP, slots::POOL, UNMAPPED),
                MissingRights,
                "no MAP",
            ),
            (
                words(OTHER, slots::POOL, UNMAPPED),
                InvalidArgument,
                "another space",
            ),
            (
                words(own, WEAK_POOL, UNMAPPED),
                MissingRights,
                "a pool without MAP",
            ),
            (
                words(own, slots::POOL, 1 << 47),
                BadAddress,
                "a kernel address",
            ),
            (
                words(own, slots::POOL, IPC_BUFFER),
                AlreadyMapped,
                "a page mapped",
            ),
        ];
        for (w, error, what) in cases {
            refused(map_reply(to, w), error, what)?;
        }
        refused(
            sys::as_mapping(own, UNMAPPED),
            NotMapped,
            "nothing mapped yet",
        )?;
        refused(
            sys::as_mapping(OTHER, UNMAPPED),
            NotMapped,
            "nothing in the other",
        )?;
        check(DONE.load(SeqCst) == 0, "the helper still waits", 1)?;
        // The map it may make: the helper resumes, its write lands in a zeroed page.
        works(map_reply(to, words(own, slots::POOL, UNMAPPED)), "map")?;
        wait_for("the helper to write", || DONE.load(SeqCst) == 1)?;
        // SAFETY: the page is mapped (above) and nothing else uses it.
        let seen = unsafe { (UNMAPPED as *const u64).read_volatile() };
        check(seen == MARKER, "the helper's write", seen)
    })();
    helper.end();
    end_endpoint(faults);
    let _ = sys::as_release(slots::SELF_SPACE, UNMAPPED);
    let _ = sys::as_destroy(OTHER);
    for slot in [NO_MAP, WEAK_POOL, OTHER] {
        let _ = sys::cap_delete(slot);
    }
    result
}

fn map_label_to_a_caller() -> Checked {
    jobs::reset();
    let ep = endpoint(FAULTS)?;
    let helper = Helper::new(HELPER, 0, call_slot_0)?;
    let result = (|| {
        works(
            helper.task.give_cap(FAULTS, CapSlot(0), Rights::SEND),
            "give",
        )?;
        helper.start()?;
        let call = works(ep.recv(), "receive its call")?;
        let w = words(slots::SELF_SPACE, slots::POOL, UNMAPPED);
        works(map_reply(call.sender, w), "reply with the label")?;
        wait_for("the call to return", || CLIENT_DONE.load(SeqCst) == 1)?;
        let got = RESULT.load(SeqCst);
        check(got == w[0], "the words arrive as a message", got)?;
        refused(
            sys::as_mapping(slots::SELF_SPACE, UNMAPPED),
            NotMapped,
            "nothing mapped",
        )
    })();
    helper.end();
    end_endpoint(ep);
    result
}
