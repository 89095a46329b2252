//! Echo server for `ipcbench` and `regcheck`: replies to every message on the shared endpoint with
//! the same message.
#![no_std]
#![no_main]

use userlib::{cap, println};

userlib::entry!(main);

fn main() -> i32 {
    let error = cap::shared().serve(|request| request.msg);
    println!("ipcecho: serving stopped: {error}");
    1
}
