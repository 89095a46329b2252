//! Echo server for `ipcbench` and `regcheck`: registers as "ipcecho" and replies to every message
//! with the same message.
#![no_std]
#![no_main]

use userlib::{cap, names, println};

userlib::entry!(main);

fn main() -> i32 {
    if let Err(e) = names::register("ipcecho", cap::own()) {
        println!("ipcecho: cannot register: {e:?}");
        return 1;
    }
    let error = cap::own().serve(|request| request.msg);
    println!("ipcecho: serving stopped: {error}");
    1
}
