//! What an ended program registered goes with it, even for an endpoint that lives on (a child
//! registering its parent's endpoint, then exiting, once left names nobody could free); and any
//! program can ask which ids have ended.
use crate::{expect, fork_child, refused, status_of, works, Checked, Failed};
use userlib::abi::names::NameError;
use userlib::ipc;
use userlib::{cap, names, println, process, slots, sys, CapSlot, Endpoint, MsgTag, Rights};

const FOUND: CapSlot = CapSlot(8);
const HOME: CapSlot = CapSlot(10);
const GIFT: CapSlot = CapSlot(11);
/// The label a child asks us for our endpoint with.
const GIVE: u32 = 0x6e74;

pub fn run() -> Checked {
    works(names::register("nt-home", cap::own()), "register")?;
    let child = fork_child(|| {
        let home = works(names::lookup("nt-home", HOME, 0), "find the parent")?;
        ipc::set_recv_slots(&[GIFT]);
        let reply = home.call(&ipc::message(GIVE, &[]));
        expect(
            reply.is_ok_and(|r| r.tag.caps() == 1),
            "the parent's endpoint came",
        )?;
        works(
            names::register("nt-orphan", Endpoint(GIFT)),
            "register the parent's endpoint",
        )
    })?;
    give_own_endpoint()?;
    expect(
        status_of(child)? == 0,
        "the child could not register our endpoint",
    )?;
    refused(names::lookup("nt-orphan", FOUND, 0), NameError::NotFound)?;
    works(names::unregister("nt-home"), "unregister")?;
    println!("nametest: names an ended program registered go with it, though the endpoint lives");

    let gone = works(
        names::gone(&[process::getpid(), child, 0]),
        "ask who is gone",
    )?;
    expect(gone == 0b010, "only the ended child is gone")?;
    println!("nametest: the service tells which ids have ended");
    Ok(())
}

/// Answers the child's call with a send-only copy of our own endpoint (unbadged).
fn give_own_endpoint() -> Checked {
    let call = cap::own().recv().map_err(|_| Failed)?;
    expect(
        call.label() == GIVE && call.awaits_reply(),
        "the child's call",
    )?;
    let copy = sys::cap_copy(slots::OWN, GIFT, Rights::SEND | Rights::GRANT);
    expect(copy.is_ok(), "copy our endpoint")?;
    ipc::set_send_caps(&[GIFT]);
    let given = sys::reply_granting(call.sender, slots::OWN, MsgTag::new(0, 0, 1), [0; 4]);
    let _ = sys::cap_delete(GIFT);
    expect(given.is_ok(), "reply with our endpoint")
}
