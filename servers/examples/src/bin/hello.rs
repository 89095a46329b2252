//! Says hello (and the words it was given: `userlib::process::args`) on the kernel console and
//! in the console page.
#![no_std]
#![no_main]

use userlib::{cprintln, println, process};

userlib::entry!(main);

fn main() -> i32 {
    let pid = process::getpid();
    // The words a shell passed (`hello big world`), if any.
    let args = process::args();
    let (sep, args) = if args.is_empty() {
        ("", "")
    } else {
        (": ", args)
    };
    println!("hello from pid {pid}{sep}{args}");
    cprintln!("hello from pid {pid}{sep}{args}");
    0
}
