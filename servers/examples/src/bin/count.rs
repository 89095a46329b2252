//! count: the tutorial client (docs/writing-a-server.md). It finds "counter" by name, adds 1, 2
//! and 3 to its total, and checks the total is 6.
#![no_std]
#![no_main]

use examples::protocol::counter::{Counter, Request};
use userlib::{names, println, CapSlot, HZ};

userlib::entry!(main);

fn main() -> i32 {
    // Wait up to a second for the server to register.
    let counter = match names::connect::<Counter>("counter", CapSlot(8), HZ as u32) {
        Ok(client) => client,
        Err(e) => {
            println!("count: no counter server: {e:?}");
            return 1;
        }
    };
    for n in 1..=3 {
        match counter.call(&Request::Add(n)) {
            Ok(total) => println!("count: added {n}, total {total}"),
            Err(e) => {
                println!("count: call failed: {e:?}");
                return 1;
            }
        }
    }
    match counter.call(&Request::Get) {
        Ok(6) => {
            println!("count: total is 6, as expected");
            0
        }
        other => {
            println!("count: total is {other:?}, expected Ok(6)");
            1
        }
    }
}
