//! Says hello on the kernel console and in the console page.
#![no_std]
#![no_main]

use userlib::{cprintln, println, process};

userlib::entry!(main);

fn main() -> i32 {
    let pid = process::getpid();
    println!("hello from pid {pid}");
    cprintln!("hello from pid {pid}");
    0
}
