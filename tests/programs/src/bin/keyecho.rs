//! Reads what is typed through the input server and prints it, for the input tests
//! (tests/tests/input.rs). `keyecho:N` takes the focus, says `keyecho: ready`, prints the next N
//! keys (each with its source), then one line; exits 0, or 1 if a read failed. `keyecho:1000`
//! is a slow reader: it reads nothing for 5 s (a flood fills the queue meanwhile), then takes
//! what the queue kept and prints how many.
#![no_std]
#![no_main]

use userlib::abi::input::Error;
use userlib::rpc::CallError;
use userlib::{cap, input, println, sys, HZ};

userlib::entry!(main);

/// How long each read waits (the test's typing comes within it).
const READ_TICKS: u32 = 30 * HZ as u32;
const SLOW: u64 = 1000;

fn main() -> i32 {
    let n = userlib::rt::start_args().0;
    if let Err(e) = input::focus() {
        println!("keyecho: cannot take the focus: {e}");
        return 1;
    }
    println!("keyecho: ready");
    if n == SLOW {
        return slow_reader();
    }
    for _ in 0..n {
        match input::read_key(READ_TICKS) {
            Ok(key) => println!("keyecho: key {:?} from {:?}", key.key, key.source),
            Err(e) => {
                println!("keyecho: read_key failed: {e}");
                return 1;
            }
        }
    }
    match input::read_line(READ_TICKS) {
        Ok(line) => println!("keyecho: line {:?}", line.as_str()),
        Err(CallError::Server(Error::Interrupted)) => println!("keyecho: line interrupted"),
        Err(e) => {
            println!("keyecho: read_line failed: {e}");
            return 1;
        }
    }
    0
}

fn slow_reader() -> i32 {
    let _ = sys::recv_timeout(cap::own().slot(), 5 * HZ); // (nobody sends to it: a sleep)
    let mut kept = 0;
    loop {
        match input::read_key(0) {
            Ok(_) => kept += 1,
            Err(CallError::Server(Error::TimedOut)) => break,
            Err(e) => {
                println!("keyecho: read_key failed: {e}");
                return 1;
            }
        }
    }
    println!("keyecho: the queue kept {kept} keys");
    0
}
