//! Echo server for `ipcbench`: replies to every message on the shared endpoint with the same message.
#![no_std]
#![no_main]

use userlib::{cap, println};

userlib::entry!(main);

fn main() -> i32 {
    let ep = cap::shared();
    let mut req = match ep.recv() {
        Ok(r) => r,
        Err(e) => {
            println!("ipcecho: receive failed: {e}");
            return 1;
        }
    };
    loop {
        req = match ep.reply_recv(req.sender, &req.msg) {
            Ok(r) => r,
            Err(e) => {
                println!("ipcecho: reply_recv failed: {e}");
                return 1;
            }
        };
    }
}
