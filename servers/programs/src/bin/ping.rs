//! Capability-transfer demo, serving side: sends a send-only copy of its own endpoint to `pong` over
//! the shared endpoint, then serves three calls on it.
#![no_std]
#![no_main]

use userlib::ipc::{message, reply};
use userlib::{cap, println, slots, Rights};

userlib::entry!(main);

const ROUNDS: u64 = 3;

fn main() -> i32 {
    let gift = slots::FIRST_FREE;
    if let Err(e) = cap::own().copy_to(gift, Rights::SEND) {
        println!("ping: copying the own endpoint failed: {e}");
        return 1;
    }
    // The capability travels through the IPC buffer's `send_caps`.
    if let Err(e) = cap::shared().send_long(0, &[], &[gift]) {
        println!("ping: sending the endpoint failed: {e}");
        return 1;
    }
    for i in 0..ROUNDS {
        let req = match cap::own().recv() {
            Ok(r) => r,
            Err(e) => {
                println!("ping: receive failed: {e}");
                return 1;
            }
        };
        let word = req.msg.words[0];
        if let Err(e) = reply(req.sender, &message(req.label(), &[word + 1000])) {
            println!("ping: reply failed: {e}");
            return 1;
        }
        if word != i {
            println!("ping: expected request {i}, got {word}");
            return 1;
        }
        println!("ping: served {i}");
    }
    0
}
