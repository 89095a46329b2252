//! Capability-transfer demo, receiving side: registers as "pong", takes an endpoint from `ping` in
//! a message on its own endpoint, then calls it three times.
#![no_std]
#![no_main]

use userlib::ipc::{message, set_recv_slots};
use userlib::{cap, names, println, slots, CapKind, Endpoint};

userlib::entry!(main);

const ROUNDS: u64 = 3;

fn main() -> i32 {
    if let Err(e) = names::register("pong", cap::own()) {
        println!("pong: cannot register: {e:?}");
        return 1;
    }
    set_recv_slots(&[slots::FIRST_FREE]);
    let got = match cap::own().recv() {
        Ok(r) => r,
        Err(e) => {
            println!("pong: receive failed: {e}");
            return 1;
        }
    };
    if got.msg.tag.caps() != 1 {
        println!(
            "pong: expected a message with 1 capability, got {} (tag {:#x})",
            got.msg.tag.caps(),
            got.msg.tag.0
        );
        return 1;
    }
    let ping = Endpoint(slots::FIRST_FREE);
    match ping.info() {
        Ok(info) if info.kind == CapKind::Endpoint => {}
        Ok(info) => {
            println!(
                "pong: received capability is {:?}, not an endpoint",
                info.kind
            );
            return 1;
        }
        Err(e) => {
            println!("pong: cannot inspect the received capability: {e}");
            return 1;
        }
    }
    for i in 0..ROUNDS {
        match ping.call(&message(1, &[i])) {
            Ok(r) if r.words[0] == i + 1000 => println!("pong: got pong {i}"),
            Ok(r) => {
                println!("pong: round {i}: expected {}, got {}", i + 1000, r.words[0]);
                return 1;
            }
            Err(e) => {
                println!("pong: round {i}: call failed: {e}");
                return 1;
            }
        }
    }
    0
}
