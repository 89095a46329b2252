//! Echo server for `ipcbench` and `regcheck`: registers as "ipcecho" and replies to every message
//! with the same label and words (long words come back too: the kernel put them in our IPC buffer,
//! where the reply takes them from), never with a capability. A message labelled `CAP_LABEL`
//! carries a capability, which lands in `CAP_SLOT`; the reply's word 0 says it arrived.
//!
//! A raw server must delete every capability that arrives, whatever the message: one left in its
//! only offered slot would make every later capability sent to it fail to land.
#![no_std]
#![no_main]

use userlib::ipc::{message, set_recv_slots};
use userlib::{cap, names, println, sys, CapSlot, Message, MsgTag};

userlib::entry!(main);

const CAP_LABEL: u32 = 0xcafe;
const CAP_SLOT: CapSlot = CapSlot(20);

fn main() -> i32 {
    if let Err(e) = names::register("ipcecho", cap::own()) {
        println!("ipcecho: cannot register: {e:?}");
        return 1;
    }
    set_recv_slots(&[CAP_SLOT]);
    let error = cap::own().serve(|request| {
        if request.label() == CAP_LABEL {
            let kept = request.msg.tag.caps() == 1 && sys::cap_delete(CAP_SLOT).is_ok();
            return message(CAP_LABEL, &[if kept { request.msg.words[0] } else { 0 }]);
        }
        let tag = request.msg.tag;
        if tag.caps() == 0 {
            return request.msg;
        }
        let _ = sys::cap_delete(CAP_SLOT);
        // The same words, but no capabilities: a reply that named some would send ours.
        Message {
            tag: MsgTag::new(tag.label(), tag.words(), 0),
            words: request.msg.words,
        }
    });
    println!("ipcecho: serving stopped: {error}");
    1
}
