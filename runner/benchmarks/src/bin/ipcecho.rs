//! Echo server for `ipcbench` and `regcheck`: registers as "ipcecho" and replies to every message
//! with the same message (long words come back too: the kernel put them in our IPC buffer, where
//! the reply takes them from). A message labelled `CAP_LABEL` carries a capability, which lands in
//! `CAP_SLOT`; it is deleted before the reply, so the slot is free for the next one.
#![no_std]
#![no_main]

use userlib::ipc::{message, set_recv_slots};
use userlib::{cap, names, println, sys, CapSlot};

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
        request.msg
    });
    println!("ipcecho: serving stopped: {error}");
    1
}
