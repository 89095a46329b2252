//! allocator (WeensyOS's p-allocator..p-allocator4): grows its heap page by page with
//! `page_alloc`, writing its pid into each page, until it meets its stack or memory runs out (the
//! system's or its quota), then yields forever. `allocator:N` allocates on N turns in
//! `ALLOC_SLOWDOWN` (20), so `allocator:1`..`allocator:4` run at four speeds; with no argument the
//! rate is the pid, as in WeensyOS. `make run-allocator` runs the four.
#![no_std]
#![no_main]

use weensyos::alloc_loop::{self, ALLOC_SLOWDOWN};

userlib::entry!(main);

fn main() -> i32 {
    let rate = match userlib::rt::start_args().0 {
        0 => userlib::process::getpid(),
        n => n,
    };
    alloc_loop::run("allocator", rate.clamp(1, ALLOC_SLOWDOWN))
}
