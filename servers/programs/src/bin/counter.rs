//! An example server (docs/writing-a-server.md): keeps a total that clients add to.
#![no_std]
#![no_main]

#[path = "../protocol/counter.rs"]
mod protocol;

use userlib::ipc::message;
use userlib::{cap, println};

userlib::entry!(main);

fn main() -> i32 {
    let mut total: u64 = 0;
    let error = cap::shared().serve(|request| match request.label() {
        protocol::ADD => {
            total = total.wrapping_add(request.msg.words[0]);
            message(0, &[total])
        }
        protocol::GET => message(0, &[total]),
        _ => message(protocol::UNKNOWN, &[]),
    });
    println!("counter: stopped serving: {error}");
    1
}
