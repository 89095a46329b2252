//! The client of the example `counter` server (docs/writing-a-server.md).
#![no_std]
#![no_main]

#[path = "../protocol/counter.rs"]
mod protocol;

use userlib::ipc::message;
use userlib::{cap, println};

userlib::entry!(main);

fn main() -> i32 {
    let counter = cap::shared();
    for n in 1..=3 {
        match counter.call(&message(protocol::ADD, &[n])) {
            Ok(reply) => println!("count: added {n}, total {}", reply.words[0]),
            Err(e) => {
                println!("count: call failed: {e}");
                return 1;
            }
        }
    }
    // A request the server does not know gets the UNKNOWN label back.
    match counter.call(&message(99, &[])) {
        Ok(reply) if reply.tag.label() == protocol::UNKNOWN => {
            println!("count: an unknown request is refused")
        }
        Ok(reply) => {
            println!(
                "count: unknown request answered with label {}",
                reply.tag.label()
            );
            return 1;
        }
        Err(e) => {
            println!("count: call failed: {e}");
            return 1;
        }
    }
    match counter.call(&message(protocol::GET, &[])) {
        Ok(reply) if reply.words[0] == 6 => {
            println!("count: total is 6, as expected");
            0
        }
        Ok(reply) => {
            println!("count: total is {}, expected 6", reply.words[0]);
            1
        }
        Err(e) => {
            println!("count: call failed: {e}");
            1
        }
    }
}
