//! Capability-transfer demo, serving side: finds `pong` by name, sends it a send-only copy of its own
//! endpoint, then serves three calls on it.
#![no_std]
#![no_main]

use userlib::ipc::{message, reply};
use userlib::{cap, names, println, slots, CapSlot, Rights, HZ};

userlib::entry!(main);

const ROUNDS: u64 = 3;

fn main() -> i32 {
    let gift = slots::FIRST_FREE;
    if let Err(e) = cap::own().copy_to(gift, Rights::SEND) {
        println!("ping: copying the own endpoint failed: {e}");
        return 1;
    }
    // pong registers itself with the name service; wait up to a second for it.
    let pong = match names::lookup("pong", CapSlot(9), HZ as u32) {
        Ok(pong) => pong,
        Err(e) => {
            println!("ping: cannot find pong: {e:?}");
            return 1;
        }
    };
    // The capability travels through the IPC buffer's `send_caps`.
    if let Err(e) = pong.send_long(0, &[], &[gift]) {
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
